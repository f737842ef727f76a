/** Why a device gets what it gets: every deployment's condition, clause by clause, and the precedence that decided. */
import type { Analysis } from './analyze.js';
import { explainCondition, type ClauseExplanation } from '../condition/index.js';
import { comparePrecedence, isTie, type Device } from '../model.js';

export interface DeploymentVerdict {
  readonly id: string;
  readonly file: string;
  readonly priority: number;
  readonly createdAt: string;
  readonly targetCondition: string | null;
  /** `unknown` counts as not targeted; `invalid` when the condition could not be parsed or is missing. */
  readonly result: 'true' | 'false' | 'unknown' | 'invalid';
  readonly clauses: readonly ClauseExplanation[];
  readonly role: 'winner' | 'candidate' | 'tied' | 'not-targeted';
}

export type WinReason =
  | { readonly kind: 'unmanaged' }
  | { readonly kind: 'only-candidate' }
  /** Beat `over` (the next candidate) on priority. */
  | { readonly kind: 'priority'; readonly over: string; readonly priority: number; readonly overPriority: number }
  /** Same priority as `over`, newer createdAt. */
  | { readonly kind: 'created-at'; readonly over: string; readonly createdAt: string; readonly overCreatedAt: string }
  | { readonly kind: 'tie'; readonly between: readonly [string, string] };

export interface DeviceExplanation {
  readonly device: Device;
  readonly winner: string | null;
  readonly reason: WinReason;
  /** In precedence order. */
  readonly deployments: readonly DeploymentVerdict[];
  /**
   * Set when the winner's manifest has errors: it still wins (IoT Hub does not
   * validate content either), but what it would push is not what IoT Edge accepts.
   */
  readonly winnerManifest?: { readonly errors: number; readonly first: string; readonly line: number };
}

/** `undefined` when the fleet has no such device. */
export function explainDevice(analysis: Analysis, deviceId: string): DeviceExplanation | undefined {
  const device = analysis.fleetIndex.device(deviceId);
  if (!device) return undefined;
  const ordered = [...analysis.targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  const verdicts = ordered.map((t) => {
    const d = t.deployment;
    const explained = t.expr && d.targetCondition !== undefined ? explainCondition(d.targetCondition, t.expr, device) : undefined;
    return {
      id: d.id,
      file: d.file,
      priority: d.priority,
      createdAt: d.createdAt,
      targetCondition: d.targetCondition ?? null,
      result: explained?.result ?? ('invalid' as const),
      clauses: explained?.clauses ?? [],
      deployment: d,
    };
  });
  const candidates = verdicts.filter((v) => v.result === 'true');
  const [first, second] = candidates;
  let reason: WinReason;
  let winner: string | null = null;
  const tied = first && second && isTie(first.deployment, second.deployment);
  if (!first) reason = { kind: 'unmanaged' };
  else if (tied) reason = { kind: 'tie', between: [first.id, second.id] };
  else {
    winner = first.id;
    if (!second) reason = { kind: 'only-candidate' };
    else if (first.priority !== second.priority) {
      reason = { kind: 'priority', over: second.id, priority: first.priority, overPriority: second.priority };
    } else reason = { kind: 'created-at', over: second.id, createdAt: first.createdAt, overCreatedAt: second.createdAt };
  }
  const deployments: DeploymentVerdict[] = verdicts.map(({ deployment: _, ...v }) => ({
    ...v,
    role: v.result !== 'true' ? 'not-targeted' : v.id === winner ? 'winner' : tied && (v.id === first.id || v.id === second.id) ? 'tied' : 'candidate',
  }));
  return { device, winner, reason, deployments };
}

/** Edit distance, stopping early once it exceeds `max` (returns max + 1 then). */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, row[j]);
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length];
}

/**
 * Device ids close to one that is not in the fleet, for "did you mean …?": a match
 * ignoring case first, then up to `limit` ids within two edits, nearest first.
 */
export function similarDeviceIds(deviceIds: readonly string[], wanted: string, limit = 3): string[] {
  const folded = wanted.toLowerCase();
  const sameCase = deviceIds.filter((id) => id.toLowerCase() === folded);
  if (sameCase.length > 0) return sameCase.slice(0, limit);
  const max = wanted.length <= 4 ? 1 : 2;
  return deviceIds
    .map((id) => ({ id, d: editDistance(id.toLowerCase(), folded, max) }))
    .filter((x) => x.d <= max)
    .sort((x, y) => x.d - y.d || (x.id < y.id ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.id);
}
