/**
 * Which deployment wins on which device (DESIGN §2): among the deployments whose
 * condition holds, the highest priority, then the newest createdAt; an exact tie
 * between the two best is an error, and such a device gets nothing.
 */
import { compileCondition, TRUE, type CompiledCondition, type Expr } from '../condition/index.js';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { comparePrecedence, isTie, type Deployment, type Device } from '../model.js';

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
}

export interface DeploymentMetrics {
  readonly id: string;
  readonly priority: number;
  readonly createdAt: string;
  readonly targeted: number;
  readonly applied: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Resolution {
  /** Sorted by deviceId (UTF-16 code units). */
  readonly devices: readonly DeviceResolution[];
  /** Sorted by id. */
  readonly deployments: readonly DeploymentMetrics[];
  readonly diagnostics: readonly Diagnostic[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const SAMPLE = 5;

/** Resolves every device against every deployment. */
export function resolveFleet(targets: readonly Target[], devices: readonly Device[]): Resolution {
  const ordered = [...targets].sort((a, b) => comparePrecedence(a.deployment, b.deployment));
  const compiled: (CompiledCondition | undefined)[] = ordered.map((t) => (t.expr ? compileCondition(t.expr) : undefined));
  const targeted = new Array<number>(ordered.length).fill(0);
  const applied = new Array<number>(ordered.length).fill(0);
  type Overlap = { a: number; b: number; devices: string[]; count: number };
  const ties = new Map<string, Overlap>();
  // Equal priority, decided only by createdAt: legal, but worth saying.
  const byCreatedAt = new Map<string, Overlap>();
  const note = (map: Map<string, Overlap>, a: number, b: number, deviceId: string) => {
    const key = `${a}:${b}`;
    const overlap = map.get(key) ?? { a, b, devices: [], count: 0 };
    overlap.count++;
    if (overlap.devices.length < SAMPLE) overlap.devices.push(deviceId);
    map.set(key, overlap);
  };
  const sample = (o: Overlap) => o.devices.join(', ') + (o.count > o.devices.length ? `, and ${o.count - o.devices.length} more` : '');

  const sorted = [...devices].sort((x, y) => byString(x.deviceId, y.deviceId));
  const results: DeviceResolution[] = sorted.map((device) => {
    const matching: number[] = [];
    for (let i = 0; i < compiled.length; i++) {
      const condition = compiled[i];
      if (condition && condition(device) === TRUE) {
        matching.push(i);
        targeted[i]++;
      }
    }
    let winner: string | null = null;
    if (matching.length > 0) {
      const [first, second] = matching;
      if (second !== undefined && isTie(ordered[first].deployment, ordered[second].deployment)) {
        note(ties, first, second, device.deviceId);
      } else {
        if (second !== undefined && ordered[first].deployment.priority === ordered[second].deployment.priority) {
          note(byCreatedAt, first, second, device.deviceId);
        }
        applied[first]++;
        winner = ordered[first].deployment.id;
      }
    }
    return { deviceId: device.deviceId, deployment: winner, candidates: matching.map((i) => ordered[i].deployment.id) };
  });

  const diagnostics: Diagnostic[] = [];
  for (const tie of ties.values()) {
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
  for (const o of byCreatedAt.values()) {
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
  const tied = new Set([...ties.values()].flatMap((t) => [t.a, t.b]));
  ordered.forEach((t, i) => {
    if (targeted[i] > 0 && applied[i] === 0 && !tied.has(i)) {
      diagnostics.push(
        warning(
          'deployment/shadowed',
          `'${t.deployment.id}' targets ${targeted[i]} device(s) but wins none: deployments of higher precedence cover all of them`,
          { file: t.deployment.file, path: ['priority'] },
        ),
      );
    }
    if (t.expr && targeted[i] === 0 && devices.length > 0) {
      diagnostics.push(
        warning('deployment/targets-nothing', `target condition of '${t.deployment.id}' matches no device of the fleet`, {
          file: t.deployment.file,
          path: ['targetCondition'],
        }),
      );
    }
  });

  const metrics: DeploymentMetrics[] = ordered
    .map((t, i) => ({
      id: t.deployment.id,
      priority: t.deployment.priority,
      createdAt: t.deployment.createdAt,
      targeted: targeted[i],
      applied: applied[i],
      labels: t.deployment.labels,
    }))
    .sort((x, y) => byString(x.id, y.id));
  return { devices: results, deployments: metrics, diagnostics };
}
