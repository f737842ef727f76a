/**
 * What a change does to the fleet: two analyses (base and head) → a change per
 * device, per-deployment before/after metrics, and the changes grouped into
 * transitions "A → B: n devices", each with a "why" for one sample device.
 * Pure: it gets already-read data (the changesets habit).
 */
import type { Analysis } from '../analysis/analyze.js';
import { warning, type Diagnostic } from '../diagnostics.js';
import { explainDevice, type DeploymentVerdict } from '../analysis/explain.js';
import { contentHashOf } from '../manifest/render.js';
import { isSafetyNet, type Deployment, type Device } from '../model.js';
import { diffContent, MAX_CONTENT_CHANGES, type ContentChange } from './content-diff.js';
import { byString } from '../collections.js';
import { andMore } from '../text.js';
import { tagPaths } from '../resolve/evaluate-sets.js';
import { resolveFleet, type Resolution } from '../resolve/resolve.js';

export type ChangeKind = 'retargeted' | 'targeted' | 'untargeted' | 'updated' | 'removed';
export const CHANGE_KINDS: readonly ChangeKind[] = ['retargeted', 'targeted', 'untargeted', 'updated', 'removed'];

export interface DeviceChange {
  readonly deviceId: string;
  readonly kind: ChangeKind;
  readonly before: string | null;
  readonly after: string | null;
}

export interface Metrics {
  readonly targeted: number;
  readonly applied: number;
}

export interface PlanDeployment {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly before: Metrics | null;
  readonly after: Metrics | null;
  /** The file exists at head but could not be read: `could not be read: <first error>`. Not a deletion. */
  readonly invalidAtHead?: string;
  /** Edits that may move no device but are still changes: priority, createdAt, labels, targetCondition. */
  readonly edits?: readonly DeploymentEdit[];
  /** What changed in its manifest (up to MAX_CONTENT_CHANGES), when both sides have it. */
  readonly contentChanges?: readonly ContentChange[];
  /** How many more content changes there were than listed. */
  readonly moreContentChanges?: number;
}

export interface DeploymentEdit {
  readonly field: 'priority' | 'createdAt' | 'labels' | 'targetCondition';
  readonly before: unknown;
  readonly after: unknown;
}

/** A deployment file at head that could not be read (a parse, schema or semantic error). */
export interface InvalidDeployment {
  readonly id: string;
  /** The first error, as the reader said it. */
  readonly error: string;
}

/** Devices whose outcome at head cannot be known, because a deployment that may target them could not be read. */
export interface UnknownOutcome {
  readonly deployment: string;
  readonly reason: string;
  /** The devices its last readable condition (at base) targets in head's fleet; `null` when it is new at head, so nobody knows. */
  readonly count: number | null;
  /** Up to SAMPLE of them, sorted. */
  readonly devices: readonly string[];
}

export interface PlanChangeOptions {
  readonly invalidAtHead?: readonly InvalidDeployment[];
}

/** How one deployment's view of the sample device changed. */
export interface VerdictChange {
  readonly deployment: string;
  readonly before: Omit<DeploymentVerdict, 'role' | 'id' | 'file'> | null;
  readonly after: Omit<DeploymentVerdict, 'role' | 'id' | 'file'> | null;
}

export interface Why {
  readonly deviceId: string;
  /** Deployments whose verdict on the device changed: appeared, disappeared, condition result or precedence. */
  readonly verdicts: readonly VerdictChange[];
  /** For `updated`: the winner's content hash before and after. */
  readonly contentHash?: { readonly before: string; readonly after: string };
  /** For `updated`: what changed in the winner's manifest (the deployment's `contentChanges`). */
  readonly contentChanges?: readonly ContentChange[];
  /** For `removed`: the device is no longer in the fleet. */
  readonly removedFromFleet?: boolean;
  /** The device is new in the fleet: `verdicts` are the deployments that target it. */
  readonly addedToFleet?: boolean;
  /** The device's tags changed between base and head. */
  readonly tagsChanged?: boolean;
  /** The device's deployment at base could not be read at head: where it ends up is not known. */
  readonly unreadable?: string;
  /** At head, an exact tie between these two deployments leaves the device without a winner: not unmanaged, undecided. */
  readonly tie?: readonly [string, string];
}

export interface Transition {
  readonly kind: ChangeKind;
  readonly from: string | null;
  readonly to: string | null;
  readonly count: number;
  /** Every device of the transition, sorted. */
  readonly devices: readonly string[];
  readonly why?: Why;
}

export interface PlanSummary {
  readonly devices: number;
  readonly changed: number;
  readonly retargeted: number;
  readonly targeted: number;
  readonly untargeted: number;
  readonly updated: number;
  readonly removed: number;
}

export interface Plan {
  readonly summary: PlanSummary;
  /** Sorted by deviceId. */
  readonly changes: readonly DeviceChange[];
  /** Sorted by id. */
  readonly deployments: readonly PlanDeployment[];
  /** Largest first. */
  readonly transitions: readonly Transition[];
  /** Findings of the plan itself (devices becoming unmanaged), located in head's files. */
  readonly diagnostics: readonly Diagnostic[];
  /** Deployments invalid at head, and the devices whose outcome they make unknown. */
  readonly unknown?: readonly UnknownOutcome[];
  /** Safety nets (priority 0, `*`) at base that head deletes or narrows, with no other safety net left. */
  readonly safetyNet?: readonly SafetyNetChange[];
}

export interface SafetyNetChange {
  readonly id: string;
  readonly change: 'deleted' | 'narrowed';
}

/** The content hash of every deployment's effective manifest, rendered once per deployment. */
export function contentHashes(analysis: Analysis): Map<string, string> {
  return new Map(analysis.repository.deployments.map((d) => [d.id, contentHashOf(d)]));
}

const SAMPLE = 10;

export function planChange(base: Analysis, head: Analysis, options: PlanChangeOptions = {}): Plan {
  const invalid = new Map((options.invalidAtHead ?? []).map((d) => [d.id, `could not be read: ${d.error}`]));
  const baseHashes = contentHashes(base);
  const headHashes = contentHashes(head);
  const changes = diffWinners(base.resolution, head.resolution, (id) => baseHashes.get(id) !== headHashes.get(id));

  const count = (kind: ChangeKind) => changes.filter((c) => c.kind === kind).length;
  const summary: PlanSummary = {
    devices: head.resolution.deviceIds.length,
    changed: changes.length,
    retargeted: count('retargeted'),
    targeted: count('targeted'),
    untargeted: count('untargeted'),
    updated: count('updated'),
    removed: count('removed'),
  };

  const baseMetrics = new Map(base.resolution.deployments.map((d) => [d.id, d]));
  const headMetrics = new Map(head.resolution.deployments.map((d) => [d.id, d]));
  const ids = [...new Set([...baseMetrics.keys(), ...headMetrics.keys()])].sort();
  const metrics = (m: { targeted: number; applied: number } | undefined): Metrics | null => (m ? { targeted: m.targeted, applied: m.applied } : null);
  const baseDeployments = new Map(base.repository.deployments.map((d) => [d.id, d]));
  const headDeployments = new Map(head.repository.deployments.map((d) => [d.id, d]));
  const deployments: PlanDeployment[] = ids.map((id) => {
    const d = { id, labels: (headMetrics.get(id) ?? baseMetrics.get(id))!.labels, before: metrics(baseMetrics.get(id)), after: metrics(headMetrics.get(id)) };
    const reason = invalid.get(id);
    if (reason !== undefined && d.after === null) return { ...d, invalidAtHead: reason };
    const [b, a] = [baseDeployments.get(id), headDeployments.get(id)];
    return b && a ? { ...d, ...deploymentChanges(b, a, baseHashes.get(id) !== headHashes.get(id)) } : d;
  });
  // A deployment new at head and already broken has no metrics on either side; it is still listed.
  for (const [id, reason] of invalid) {
    if (!baseMetrics.has(id) && !headMetrics.has(id)) deployments.push({ id, labels: {}, before: null, after: null, invalidAtHead: reason });
  }
  deployments.sort((a, b) => byString(a.id, b.id));

  const groups = new Map<string, DeviceChange[]>();
  for (const c of changes) {
    const key = `${c.kind}\u0000${c.before}\u0000${c.after}`;
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const transitions: Transition[] = [...groups.values()]
    .map((list) => {
      const { kind, before, after } = list[0];
      const explained = why(base, head, list[0], baseHashes, headHashes);
      // A deployment that could not be read was not deleted: it is no reason for anything.
      const verdicts = explained.verdicts.filter((v) => !(v.after === null && invalid.has(v.deployment)));
      const contentChanges = kind === 'updated' ? deployments.find((d) => d.id === after)?.contentChanges : undefined;
      const reason: Why = {
        ...explained,
        verdicts,
        ...(contentChanges && { contentChanges }),
        ...(before !== null && invalid.has(before) && { unreadable: before }),
      };
      return { kind, from: before, to: after, count: list.length, devices: list.map((c) => c.deviceId), why: reason };
    })
    // Largest first; the rest of the order only keeps output stable (ordinal, not locale).
    .sort(
      (a, b) =>
        b.count - a.count ||
        CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind) ||
        byString(String(a.from), String(b.from)) ||
        byString(String(a.to), String(b.to)),
    );

  const broken = deployments.filter((d) => d.invalidAtHead !== undefined);
  const safetyNet = safetyNetChanges(base, head, invalid);
  // A tie is an error of its own, and a device left out by one is undecided, not unmanaged.
  const moved = transitions.filter((t) => !invalid.has(t.from!) && !t.why?.tie);
  return {
    summary,
    changes,
    deployments,
    transitions,
    safetyNet,
    diagnostics: [...unmanagedWarnings(head, moved), ...safetyNetWarnings(base, head, safetyNet)],
    unknown: broken.map((d) => unknownOutcome(base, head, d.id, d.invalidAtHead!)),
  };
}

function deploymentChanges(b: Deployment, a: Deployment, contentChanged: boolean): Pick<PlanDeployment, 'edits' | 'contentChanges' | 'moreContentChanges'> {
  const edits: DeploymentEdit[] = [];
  if (b.priority !== a.priority) edits.push({ field: 'priority', before: b.priority, after: a.priority });
  if (b.createdAt !== a.createdAt) edits.push({ field: 'createdAt', before: b.createdAt, after: a.createdAt });
  if (JSON.stringify(sorted(b.labels)) !== JSON.stringify(sorted(a.labels))) edits.push({ field: 'labels', before: b.labels, after: a.labels });
  if (b.targetCondition !== a.targetCondition) edits.push({ field: 'targetCondition', before: b.targetCondition ?? null, after: a.targetCondition ?? null });
  const out: { edits?: DeploymentEdit[]; contentChanges?: ContentChange[]; moreContentChanges?: number } = {};
  if (edits.length > 0) out.edits = edits;
  if (contentChanged) {
    const all = diffContent(b.modulesContent, a.modulesContent);
    out.contentChanges = all.slice(0, MAX_CONTENT_CHANGES);
    if (all.length > MAX_CONTENT_CHANGES) out.moreContentChanges = all.length - MAX_CONTENT_CHANGES;
  }
  return out;
}

const sorted = (r: Readonly<Record<string, string>>): [string, string][] => Object.entries(r).sort(([x], [y]) => byString(x, y));

/** A safety net at base that head deletes or turns into something else, when head keeps no other. */
function safetyNetChanges(base: Analysis, head: Analysis, invalid: ReadonlyMap<string, string>): SafetyNetChange[] {
  if (head.repository.deployments.some(isSafetyNet)) return [];
  const atHead = new Map(head.repository.deployments.map((d) => [d.id, d]));
  return base.repository.deployments
    .filter((d) => isSafetyNet(d) && !invalid.has(d.id))
    .map((d) => ({ id: d.id, change: atHead.has(d.id) ? 'narrowed' : 'deleted' }));
}

function safetyNetWarnings(base: Analysis, head: Analysis, changes: readonly SafetyNetChange[]): Diagnostic[] {
  const files = new Map([...base.repository.deployments, ...head.repository.deployments].map((d) => [d.id, d.file]));
  return changes.map((c) =>
    warning(
      'plan/safety-net',
      c.change === 'deleted'
        ? `the safety net '${c.id}' (priority 0, targetCondition '*') is deleted: a device that loses its deployment now becomes unmanaged instead of falling back to it; keep a priority-0 deployment with targetCondition '*'`
        : `the safety net '${c.id}' is no longer priority 0 with targetCondition '*': devices outside its new reach have nothing to fall back to; keep a priority-0 deployment with targetCondition '*'`,
      { file: files.get(c.id)!, path: c.change === 'narrowed' ? ['targetCondition'] : undefined },
    ),
  );
}

/** The devices a broken deployment's last readable condition targets in head's fleet: their outcome is unknown. */
function unknownOutcome(base: Analysis, head: Analysis, id: string, reason: string): UnknownOutcome {
  const last = base.targets.find((t) => t.deployment.id === id);
  if (!last) return { deployment: id, reason, count: null, devices: [] };
  if (last.expr) head.fleetIndex.prepare(tagPaths(last.expr));
  const { deviceIds, winners } = resolveFleet([last], head.fleetIndex);
  const devices = deviceIds.filter((_, i) => winners[i] !== null);
  return { deployment: id, reason, count: devices.length, devices: devices.slice(0, SAMPLE) };
}

/**
 * A change per device, sorted by deviceId: both resolutions list devices sorted,
 * so one merge walk compares them, without a map of a million entries.
 */
function diffWinners(base: Resolution, head: Resolution, contentChanged: (id: string) => boolean): DeviceChange[] {
  const changes: DeviceChange[] = [];
  const changedContent = new Map<string, boolean>();
  const updated = (id: string) => {
    let c = changedContent.get(id);
    if (c === undefined) changedContent.set(id, (c = contentChanged(id)));
    return c;
  };
  const a = base.deviceIds;
  const b = head.deviceIds;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) {
      changes.push({ deviceId: a[i], kind: 'removed', before: base.winners[i], after: null });
      i++;
      continue;
    }
    const before = i < a.length && a[i] === b[j] ? base.winners[i++] : null;
    const after = head.winners[j];
    const deviceId = b[j++];
    if (before === after) {
      if (after !== null && updated(after)) changes.push({ deviceId, kind: 'updated', before, after });
    } else if (before === null) changes.push({ deviceId, kind: 'targeted', before, after });
    else if (after === null) changes.push({ deviceId, kind: 'untargeted', before, after });
    else changes.push({ deviceId, kind: 'retargeted', before, after });
  }
  return changes;
}

function why(base: Analysis, head: Analysis, change: DeviceChange, baseHashes: Map<string, string>, headHashes: Map<string, string>): Why {
  const before = explainDevice(base, change.deviceId);
  const after = explainDevice(head, change.deviceId);
  const strip = (v: DeploymentVerdict | undefined) => {
    if (!v) return null;
    const { role: _r, id: _i, file: _f, ...rest } = v;
    return rest;
  };
  const beforeById = new Map(before?.deployments.map((d) => [d.id, d]));
  const afterById = new Map(after?.deployments.map((d) => [d.id, d]));
  const verdicts: VerdictChange[] = [];
  for (const id of new Set([...beforeById.keys(), ...afterById.keys()])) {
    const b = beforeById.get(id);
    const a = afterById.get(id);
    const relevant = id === change.before || id === change.after || b?.result === 'true' || a?.result === 'true';
    const changed = !a || !b || a.result !== b.result || a.targetCondition !== b.targetCondition || a.priority !== b.priority || a.createdAt !== b.createdAt;
    if (relevant && changed) verdicts.push({ deployment: id, before: strip(b), after: strip(a) });
  }
  const result: Why =
    after?.reason.kind === 'tie' ? { deviceId: change.deviceId, verdicts, tie: after.reason.between } : { deviceId: change.deviceId, verdicts };
  if (change.kind === 'removed') return { deviceId: change.deviceId, verdicts: [], removedFromFleet: true };
  if (!before) return { ...result, verdicts: verdicts.filter((v) => v.after?.result === 'true'), addedToFleet: true };
  const tagsChanged = before !== undefined && after !== undefined && !sameTags(before.device, after.device);
  if (change.kind === 'updated' && change.after) {
    return { ...result, tagsChanged, contentHash: { before: baseHashes.get(change.after)!, after: headHashes.get(change.after)! } };
  }
  return tagsChanged ? { ...result, tagsChanged } : result;
}

function sameTags(a: Device, b: Device): boolean {
  return JSON.stringify(a.tags) === JSON.stringify(b.tags);
}

/** Devices becoming unmanaged keep running what they last received, silently: say so, loudly, per former deployment. */
function unmanagedWarnings(head: Analysis, transitions: readonly Transition[]): Diagnostic[] {
  const byId = new Map(head.repository.deployments.map((d) => [d.id, d]));
  return transitions
    .filter((t) => t.kind === 'untargeted')
    .map((t) => {
      const shown = t.devices.slice(0, SAMPLE).join(', ') + (t.count > SAMPLE ? `, ${andMore(t.count - SAMPLE)}` : '');
      const formerly = byId.get(t.from!);
      const first = head.fleetIndex.device(t.devices[0])!;
      return warning(
        'plan/unmanaged',
        `${t.count} device(s) leave '${t.from}' and become unmanaged: ${shown}. Nothing is pushed to them and they keep running '${t.from}'s modules. To roll back safely, keep a lower-priority deployment that still covers them (e.g. a baseline at priority 0 with targetCondition '*').`,
        formerly ? { file: formerly.file, path: ['targetCondition'] } : { file: first.file, path: ['devices', first.index, 'deviceId'] },
      );
    });
}
