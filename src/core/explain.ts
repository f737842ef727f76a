/** Why a device gets what it gets: every deployment's condition, clause by clause, and the precedence that decided. */
import type { Analysis } from './analyze.js';
import { explainCondition, type ClauseExplanation } from './condition/index.js';
import { comparePrecedence, isTie, type Device } from './model.js';

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
