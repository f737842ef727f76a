/**
 * Reports in a compact, columnar form: a million report lines can be read and
 * checked on another thread while the fleet loads, then moved across in a few
 * buffers and folded in the order they were read (status.ts `addCompact`), with
 * the very outcome of folding each report object.
 */
import type { DeviceReport } from './report.js';
import { failureOf, reportTime } from './status.js';

/** One row per report, in reading order; strings interned in tables. */
export interface CompactReports {
  readonly deviceIds: readonly string[];
  /** `reportTime` of the report. */
  readonly at: Float64Array;
  /** Index into `contentHashes`, -1 when the report names none. */
  readonly contentHash: Int32Array;
  readonly contentHashes: readonly string[];
  /** Index into `failures` (`failureOf` the report), -1 for a success. */
  readonly failure: Int32Array;
  readonly failures: readonly string[];
}

export function compactReports() {
  const deviceIds: string[] = [];
  let at = new Float64Array(1024);
  let contentHash = new Int32Array(1024);
  let failure = new Int32Array(1024);
  const hashes = interner();
  const failures = interner();

  const grow = () => {
    at = doubled(at, new Float64Array(at.length * 2));
    contentHash = doubled(contentHash, new Int32Array(at.length));
    failure = doubled(failure, new Int32Array(at.length));
  };

  const add = (report: DeviceReport): void => {
    const row = deviceIds.push(report.deviceId) - 1;
    if (row === at.length) grow();
    at[row] = reportTime(report);
    contentHash[row] = report.contentHash === undefined ? -1 : hashes.id(report.contentHash);
    const reason = failureOf(report);
    failure[row] = reason === undefined ? -1 : failures.id(reason);
  };

  const done = (): CompactReports => {
    const n = deviceIds.length;
    return {
      deviceIds,
      at: at.slice(0, n),
      contentHash: contentHash.slice(0, n),
      contentHashes: hashes.table,
      failure: failure.slice(0, n),
      failures: failures.table,
    };
  };
  return { add, done };
}

/** `into` (twice the length) holding `from` at its start. */
function doubled<T extends Float64Array | Int32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

function interner() {
  const ids = new Map<string, number>();
  const table: string[] = [];
  return {
    table,
    id(s: string): number {
      let id = ids.get(s);
      if (id === undefined) {
        id = table.push(s) - 1;
        ids.set(s, id);
      }
      return id;
    },
  };
}
