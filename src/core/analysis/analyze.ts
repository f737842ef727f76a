/**
 * The one computation every face shows: parsed files → deployments and fleet →
 * resolution, with every problem found on the way. Validation resolves too,
 * because a priority tie is only visible on the devices two deployments share.
 */
import { append, error, type Diagnostic } from '../diagnostics.js';
import { columnarFleet } from '../fleet-columns.js';
import type { Deployment, Device, Fleet, Repository } from '../model.js';
import { tagPaths } from '../resolve/evaluate-sets.js';
import { FleetIndex, indexFleet, resolveFleet, type Resolution, type Target } from '../resolve/resolve.js';
import { buildDeployment } from '../validate/deployment.js';
import { conditionHints } from '../validate/condition-hints.js';
import { buildFleetFile, checkDuplicateDevices, type FleetFile } from '../validate/fleet.js';

/** A file as read by a source: `value` is the parsed YAML (`null` when empty), `undefined` when unreadable. */
export interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  /**
   * A fleet file already built with buildFleetFile from its value (by a worker
   * thread, which then sends the devices rather than the value): used as it is.
   */
  readonly fleet?: FleetFile;
}

export interface AnalysisInput {
  readonly deployments: readonly ParsedFile[];
  readonly fleet: readonly ParsedFile[];
  /**
   * An analysis of the very same fleet (e.g. a plan's base, when the fleet folder is
   * unchanged): its devices, their diagnostics and its index are reused, and `fleet`
   * is ignored.
   */
  readonly sameFleetAs?: Analysis;
}

export interface Analysis {
  readonly repository: Repository;
  /** Deployments with their parsed conditions, in file order. */
  readonly targets: readonly Target[];
  /** The fleet indexed for the paths the conditions read: resolving again (other deployments, same fleet) reuses it. */
  readonly fleetIndex: FleetIndex;
  /** The fleet files' own problems (part of `diagnostics`). */
  readonly fleetDiagnostics: readonly Diagnostic[];
  readonly resolution: Resolution;
  readonly diagnostics: readonly Diagnostic[];
}

const byFile = (a: ParsedFile, b: ParsedFile): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

export function analyze(input: AnalysisInput): Analysis {
  const diagnostics: Diagnostic[] = [];
  const targets: Target[] = [];
  const ids = new Map<string, string>();
  for (const parsed of [...input.deployments].sort(byFile)) {
    if (parsed.value === undefined) continue;
    const built = buildDeployment(parsed.file, parsed.value);
    append(diagnostics, built.diagnostics);
    if (!built.deployment) continue;
    const other = ids.get(built.deployment.id);
    if (other) {
      diagnostics.push(
        error('deployment/duplicate-id', `deployment id '${built.deployment.id}' is also defined by ${other}: keep one file per deployment`, {
          file: parsed.file,
        }),
      );
      continue;
    }
    ids.set(built.deployment.id, parsed.file);
    targets.push({ deployment: built.deployment, expr: built.expr });
  }

  const fleet = input.sameFleetAs ? reuseFleet(input.sameFleetAs, targets) : prepareFleet(input.fleet, targets);
  append(diagnostics, fleet.diagnostics);
  const { fleetIndex } = fleet;
  const resolution = resolveFleet(targets, fleetIndex);
  append(diagnostics, resolution.diagnostics);
  append(diagnostics, conditionHints(targets, fleetIndex));
  const deployments: Deployment[] = targets.map((t) => t.deployment);
  return {
    repository: { deployments, fleet: fleet.fleet },
    targets,
    fleetIndex,
    fleetDiagnostics: fleet.diagnostics,
    resolution,
    diagnostics,
  };
}

interface PreparedFleet {
  readonly fleet: Fleet;
  readonly diagnostics: readonly Diagnostic[];
  readonly fleetIndex: FleetIndex;
}

function prepareFleet(files: readonly ParsedFile[], targets: readonly Target[]): PreparedFleet {
  const diagnostics: Diagnostic[] = [];
  const built: FleetFile[] = [];
  for (const parsed of [...files].sort(byFile)) {
    if (parsed.value === undefined && !parsed.fleet) continue;
    const file = parsed.fleet ?? buildFleetFile(parsed.file, parsed.value);
    append(diagnostics, collapseRepeats(file.diagnostics));
    built.push(file);
  }
  // Clean files kept as columns, ascending by id across them: indexed from the columns, no device made.
  const columns = built.every((f) => f.columns || f.devices.length === 0) ? columnarFleet(built.flatMap((f) => (f.columns ? [f.columns] : []))) : undefined;
  if (columns) {
    const fleetIndex = indexFleet(columns, targets, { mixedCaseTagNames: columns.mixedCaseTagNames });
    const fleet: Fleet = {
      get devices() {
        return columns.devices;
      },
      mixedCaseTagNames: columns.mixedCaseTagNames,
    };
    return { fleet, diagnostics, fleetIndex };
  }
  const devices: Device[] = [];
  let mixedCaseTagNames = false;
  for (const file of built) {
    for (const d of file.devices) devices.push(d);
    mixedCaseTagNames ||= file.mixedCaseTagNames;
  }
  const duplicates = isStrictlyIncreasing(devices) ? [] : checkDuplicateDevices(devices);
  append(diagnostics, duplicates);
  // A duplicated device resolves once, as first declared.
  const unique = duplicates.length === 0 ? devices : firstOfEach(devices);
  return { fleet: { devices: unique, mixedCaseTagNames }, diagnostics, fleetIndex: indexFleet(unique, targets, { mixedCaseTagNames }) };
}

function reuseFleet(same: Analysis, targets: readonly Target[]): PreparedFleet {
  // The index builds whatever paths the new conditions read on first use.
  same.fleetIndex.prepare(targets.flatMap((t) => (t.expr ? tagPaths(t.expr) : [])));
  return { fleet: same.repository.fleet, diagnostics: same.fleetDiagnostics, fleetIndex: same.fleetIndex };
}

/** Fleets are usually kept sorted: then no id can repeat, and no map of every id is needed. */
function isStrictlyIncreasing(devices: readonly Device[]): boolean {
  for (let i = 1; i < devices.length; i++) if (!(devices[i - 1].deviceId < devices[i].deviceId)) return false;
  return true;
}

function firstOfEach(devices: readonly Device[]): Device[] {
  const seen = new Set<string>();
  return devices.filter((d) => !seen.has(d.deviceId) && seen.add(d.deviceId));
}

/** Per file and code, at most this many diagnostics are listed; the rest are counted. */
export const MAX_PER_CODE = 1000;

/**
 * A broken fleet file can have a problem on every one of a million devices: the same
 * warning (one odd tag value everywhere) is said once with a count, and beyond
 * MAX_PER_CODE of one code, the rest are counted in one last diagnostic.
 */
function collapseRepeats(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const counts = new Map<string, number>();
  for (const d of diagnostics) if (d.severity === 'warning') counts.set(d.code + d.message, (counts.get(d.code + d.message) ?? 0) + 1);
  const said = new Set<string>();
  const perCode = new Map<string, number>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = d.code + d.message;
    const repeated = d.severity === 'warning' && (counts.get(key) ?? 1) > 1;
    if (repeated && said.has(key)) continue;
    const n = (perCode.get(d.code) ?? 0) + 1;
    perCode.set(d.code, n);
    if (n > MAX_PER_CODE) continue;
    if (repeated) said.add(key);
    out.push(repeated ? { ...d, message: `${d.message} (and ${counts.get(key)! - 1} more like it in this file)` } : d);
  }
  for (const [code, n] of perCode) {
    if (n <= MAX_PER_CODE) continue;
    const first = diagnostics.find((d) => d.code === code)!;
    out.push({ ...first, message: `…and ${n - MAX_PER_CODE} more ${code} problems in this file, not listed` });
  }
  return out;
}
