/** What resolution produces, shared by the indexed resolver and the reference one. */
import { byString } from '../collections.js';
import type { Expr } from '../condition/index.js';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { isSafetyNet, type Deployment } from '../model.js';

export interface Target {
  readonly deployment: Deployment;
  /** Missing when the deployment has no usable condition: it targets nothing. */
  readonly expr?: Expr;
}

export interface DeviceResolution {
  readonly deviceId: string;
  /** The winner's id; `null` when no deployment targets the device (unmanaged) or a tie leaves it undecided. */
  readonly deployment: string | null;
  /** Matching deployments in precedence order, winner first. */
  readonly candidates: readonly string[];
  /** When an exact tie blocks the device: the tied deployments, in precedence order. */
  readonly tie?: readonly string[];
}

export interface DeploymentMetrics {
  readonly id: string;
  readonly priority: number;
  readonly createdAt: string;
  readonly targeted: number;
  readonly applied: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Position in precedence order (0 wins first): priority, then createdAt as an instant, then id. */
  readonly precedence: number;
}

export interface Resolution {
  /** Every device, sorted by deviceId (UTF-16 code units). */
  readonly deviceIds: readonly string[];
  /** The winner of `deviceIds[i]`, or `null`. */
  readonly winners: readonly (string | null)[];
  /**
   * Devices an exact tie blocks (their winner is `null`, yet they are not unmanaged):
   * device index to the tied deployments, in precedence order.
   */
  readonly ties: ReadonlyMap<number, readonly string[]>;
  /** The candidates of `deviceIds[i]` in precedence order (computed on demand). */
  candidatesOf(index: number): readonly string[];
  /** The candidates of devices `start` to `end - 1`, computed together (cheaper than one by one). */
  candidatesRange(start: number, end: number): readonly (readonly string[])[];
  /** One record per device (built on first use: a million objects are not free). */
  readonly devices: readonly DeviceResolution[];
  /** Sorted by id. */
  readonly deployments: readonly DeploymentMetrics[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Devices whose best two candidates share a priority: a tie (same createdAt too) or a createdAt decision. */
export interface Overlap {
  /** Indexes into the precedence-ordered deployments: first and second candidate. */
  readonly a: number;
  readonly b: number;
  readonly tie: boolean;
  count: number;
  /** The first few devices, in deviceId order. */
  readonly devices: string[];
  /** The position of the first device, to say overlaps in a stable order. */
  readonly first: number;
}

export const SAMPLE = 5;

export interface Resolved {
  readonly ordered: readonly Target[];
  readonly deviceIds: readonly string[];
  readonly winners: readonly (string | null)[];
  readonly ties: ReadonlyMap<number, readonly string[]>;
  readonly candidatesOf: (index: number) => readonly string[];
  /** Optional fast path for many devices' candidates at once. */
  readonly candidatesRange?: (start: number, end: number) => readonly (readonly string[])[];
  readonly targeted: ArrayLike<number>;
  readonly applied: ArrayLike<number>;
  readonly overlaps: readonly Overlap[];
}

/** Diagnostics and metrics from what a resolver found. */
export function finish(r: Resolved): Resolution {
  const { ordered } = r;
  const sample = (o: Overlap) => o.devices.join(', ') + (o.count > o.devices.length ? `, and ${o.count - o.devices.length} more` : '');
  const diagnostics: Diagnostic[] = [];
  const overlaps = [...r.overlaps].sort((x, y) => x.first - y.first);
  for (const tie of overlaps.filter((o) => o.tie)) {
    const a = ordered[tie.a].deployment;
    const b = ordered[tie.b].deployment;
    const [first, second] = byString(a.id, b.id) <= 0 ? [a, b] : [b, a];
    diagnostics.push(
      error(
        'resolve/tie',
        `deployments '${first.id}' and '${second.id}' both have priority ${a.priority} and createdAt ${a.createdAt}, and both target ${tie.count} device(s) (${sample(tie)}): which one wins would be an accident; give one of them a higher priority`,
        { file: second.file, path: ['priority'] },
      ),
    );
  }
  for (const o of overlaps.filter((x) => !x.tie)) {
    const newer = ordered[o.a].deployment;
    const older = ordered[o.b].deployment;
    diagnostics.push(
      warning(
        'resolve/created-at-decides',
        `'${newer.id}' and '${older.id}' both have priority ${newer.priority} and both target ${o.count} device(s) (${sample(o)}): only createdAt decides that '${newer.id}' wins; give them different priorities to make the order explicit`,
        { file: newer.file, path: ['priority'] },
      ),
    );
  }
  const tied = new Set(overlaps.filter((o) => o.tie).flatMap((t) => [t.a, t.b]));
  ordered.forEach((t, i) => {
    if (r.targeted[i] > 0 && r.applied[i] === 0 && !tied.has(i) && !isSafetyNet(t.deployment)) {
      diagnostics.push(
        warning(
          'deployment/shadowed',
          `'${t.deployment.id}' targets ${r.targeted[i]} device(s) but wins none: deployments of higher precedence cover all of them; raise its priority, narrow theirs, or delete it`,
          {
            file: t.deployment.file,
            path: ['priority'],
          },
        ),
      );
    }
    if (t.expr && r.targeted[i] === 0 && r.deviceIds.length > 0) {
      diagnostics.push(
        warning(
          'deployment/targets-nothing',
          `target condition of '${t.deployment.id}' matches no device of the fleet: check its tag names and values (explain <device> shows why), or delete the deployment`,
          {
            file: t.deployment.file,
            path: ['targetCondition'],
          },
        ),
      );
    }
  });
  const deployments: DeploymentMetrics[] = ordered
    .map((t, i) => ({
      id: t.deployment.id,
      priority: t.deployment.priority,
      createdAt: t.deployment.createdAt,
      targeted: r.targeted[i],
      applied: r.applied[i],
      labels: t.deployment.labels,
      precedence: i,
    }))
    .sort((x, y) => byString(x.id, y.id));

  let devices: DeviceResolution[] | undefined;
  const candidatesRange = r.candidatesRange ?? ((start: number, end: number) => Array.from({ length: end - start }, (_, i) => r.candidatesOf(start + i)));
  return {
    deviceIds: r.deviceIds,
    // Asked of `r` when asked for: a resolver may make them only then.
    get winners() {
      return r.winners;
    },
    ties: r.ties,
    candidatesOf: r.candidatesOf,
    candidatesRange,
    get devices() {
      if (!devices) {
        const all = candidatesRange(0, r.deviceIds.length);
        devices = r.deviceIds.map((deviceId, i) => {
          const tie = r.ties.get(i);
          return tie ? { deviceId, deployment: null, candidates: all[i], tie } : { deviceId, deployment: r.winners[i], candidates: all[i] };
        });
      }
      return devices;
    },
    deployments,
    diagnostics,
  };
}
