/**
 * Reads fleet files: streamed from disk and built as they are read where they can
 * be (fleet-stream.ts), else scanned (the fleet scanner, windowed where the bytes
 * allow) or parsed with `yaml`; on two threads for a large fleet (fleet-parallel.ts).
 */
import { columnsFleetFile } from '../core/fleet-columns.js';
import { record } from '../core/record.js';
import type { FleetFile } from '../core/validate/fleet.js';
import { cacheKey, type ParsedFileCache } from './cache.js';
import type { ColumnCache } from './column-cache.js';
import { scanFleetColumnsBytes, type ScannedColumns } from './fleet-columns-scanner.js';
import { fleetWorkerAvailable, observedLongEnough, secondCoreIdle, startFleetWorker, workerShare, worthAWorker, type WorkerFile } from './fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from './fleet-scanner.js';
import { fileSize, fileStamp, readIfUnchanged, streamBuiltFleetFile, streamFleetColumns, type FileStamp } from './fleet-stream.js';
import type { SourceFile } from './source.js';
import { ENTRY_OFFSETS, readFast, readYaml, type FileBytes, type YamlFile, type YamlLimits } from './yaml.js';

/**
 * A fleet file built as it was read (devices or columns), with its bytes (or how to
 * read them again): its value only says where each device starts, to place a
 * diagnostic on one device by parsing that device alone.
 */
function builtFile(file: string, bytes: FileBytes, limits: YamlLimits, fleet: FleetFile, offsets: ArrayLike<number>): YamlFile {
  const starts = record();
  Object.defineProperty(starts, ENTRY_OFFSETS, { value: offsets, enumerable: false });
  return { ...readFast(file, bytes, limits, starts), fleet };
}

/** The fast path for a file the worker's scanner already gave up on: none, so readYaml goes to `yaml` at once. */
const notAgain = (): undefined => undefined;

export interface FleetReadOptions {
  /** Files read before, by path and git blob id. */
  readonly cache?: ParsedFileCache<YamlFile>;
  /** Scan on two threads (default: for a large fleet, when a second core is idle); the result is the same either way. */
  readonly parallel?: boolean;
  /** Work of this thread's to finish first (the deployments), while the worker already scans (see below). */
  readonly first?: Promise<unknown>;
  /** Clean files' columns kept on disk by blob id: a file found there is not scanned, and a clean file scanned is kept. */
  readonly columns?: ColumnCache;
}

/** The columns a built file was read into, and where its devices start; `undefined` for a file built as objects. */
function columnsOf(parsed: YamlFile): ScannedColumns | undefined {
  const columns = parsed.fleet?.columns;
  const offsets = (parsed.value as { [ENTRY_OFFSETS]?: ArrayLike<number> } | undefined)?.[ENTRY_OFFSETS];
  return columns && offsets ? { columns, offsets: offsets instanceof Int32Array ? offsets : Int32Array.from(offsets) } : undefined;
}

/** A file whose columns were kept (column-cache.ts), built as if scanned now; its bytes are read again only to place a diagnostic. */
async function keptFile(f: SourceFile, kept: ColumnCache, limits: YamlLimits): Promise<YamlFile | undefined> {
  const stamp = f.localPath === undefined ? undefined : fileStamp(f.localPath);
  if (!f.oid || (f.localPath !== undefined && !stamp)) return undefined;
  const scanned = kept.read(f.path, f.oid, limits);
  if (!scanned) return undefined;
  const bytes: FileBytes = stamp ? () => readIfUnchanged(f.localPath!, stamp) : await f.read();
  return builtFile(f.path, bytes, limits, columnsFleetFile(scanned.columns), scanned.offsets);
}

/**
 * Fleet files, parsed once per path and blob id (`cache`), with both cores when the fleet is large. Files on
 * disk are read as they are scanned (fleet-stream.ts), from a queue both threads take from in turn, largest first;
 * files already in memory (a commit's blobs) are shared out by size beforehand and moved or copied to the worker.
 */
export async function readFleet(
  files: readonly SourceFile[],
  limits: YamlLimits,
  { cache, parallel, first, columns }: FleetReadOptions = {},
): Promise<YamlFile[]> {
  const out: (YamlFile | undefined)[] = await Promise.all(
    files.map(async (f) => {
      const key = cacheKey(f);
      const held = key ? cache?.get(key) : undefined;
      if (held || !columns) return held;
      const kept = await keptFile(f, columns, limits);
      if (kept && key) cache?.set(key, kept, f.localPath ? fileSize(f.localPath) : 0);
      return kept;
    }),
  );
  const fresh = files.filter((_, i) => !out[i]);
  const at = files.flatMap((_, i) => (out[i] ? [] : [i]));
  const bytes: (Uint8Array | undefined)[] = await Promise.all(fresh.map((f) => (f.localPath ? undefined : f.read())));
  // Sized, not read.
  const sizes = fresh.map((f, j) => bytes[j]?.length ?? fileSize(f.localPath!));
  const queue = fresh.flatMap((f, j) => (f.localPath ? [j] : [])).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const inMemory = fresh.flatMap((f, j) => (f.localPath ? [] : [j]));
  // A worker only for a large fleet, and only with a second core free: decided once the sizes are known (see secondCoreIdle).
  const worth = worthAWorker(sizes, parallel);
  if (worth && parallel === undefined) await observedLongEnough();
  const two = worth && (parallel ?? secondCoreIdle()) && fleetWorkerAvailable();
  const share = two
    ? workerShare(
        inMemory.map((j) => sizes[j]),
        0,
      ).map((k) => inMemory[k])
    : [];
  const worker = two
    ? startFleetWorker(
        share.map((j) => ({ file: fresh[j].path, bytes: bytes[j]!, move: fresh[j].owned })),
        queue.map((j) => ({ file: fresh[j].path, path: fresh[j].localPath! })),
        limits,
      )
    : undefined;
  // Bytes moved to the worker are gone from here (detached) until it posts them back.
  if (worker) for (const j of share) if (bytes[j]!.buffer.byteLength === 0) bytes[j] = undefined;

  const keep = (j: number, parsed: YamlFile) => {
    out[at[j]] = parsed;
    const key = cacheKey(fresh[j]);
    if (key) cache?.set(key, parsed, sizes[j]);
    const scanned = columns && fresh[j].oid ? columnsOf(parsed) : undefined;
    if (scanned) columns!.keep(fresh[j].oid!, scanned, limits);
  };
  const whole = async (j: number) => (bytes[j] ??= await fresh[j].read());
  /**
   * A file streamed from disk and built as it was read (here or in the worker): it
   * keeps no bytes (read again, if unchanged, to place a diagnostic), and its value
   * only says where each device starts.
   */
  const built = (j: number, fleet: FleetFile, offsets: ArrayLike<number>, stamp: FileStamp) => {
    keep(
      j,
      builtFile(fresh[j].path, () => readIfUnchanged(fresh[j].localPath!, stamp), limits, fleet, offsets),
    );
  };
  /** A file scanned on this thread: streamed from disk where it can be, else read whole. */
  const scanHere = async (j: number) => {
    const local = fresh[j].localPath;
    const columns = local === undefined ? undefined : streamFleetColumns(fresh[j].path, local, limits);
    if (columns) return built(j, columnsFleetFile(columns.columns), columns.offsets, columns.stamp);
    const read = local === undefined ? undefined : streamBuiltFleetFile(fresh[j].path, local, limits);
    if (read) built(j, read.fleet, read.offsets, read.stamp);
    else keep(j, readFleetFile(fresh[j].path, await whole(j), limits));
  };
  /** A file the worker is done with: its slot is its place in `share`, then in `queue`. */
  const fromWorker = async ({ slot, scanned, stamp, bytes: back }: WorkerFile) => {
    const j = slot < share.length ? share[slot] : queue[slot - share.length];
    if (back) bytes[j] = back;
    if (typeof scanned === 'object' && stamp) built(j, scanned.fleet(), scanned.offsets, stamp);
    // Columns of bytes it was given (a clean file).
    else if (typeof scanned === 'object') keep(j, builtFile(fresh[j].path, await whole(j), limits, scanned.fleet(), scanned.offsets));
    // Checked and scanned there: neither decoded nor checked again here.
    else if (typeof scanned === 'function') keep(j, readFast(fresh[j].path, await whole(j), limits, scanned()));
    // Where the worker's scanner gave up, readYaml's fallback parses with yaml, as it would have here.
    else if (scanned === 'yaml') keep(j, readYaml(fresh[j].path, await whole(j), limits, notAgain));
    else keep(j, readFleetFile(fresh[j].path, await whole(j), limits));
  };
  // What the worker has finished is decoded between this thread's files, not all at the end.
  const taken = async () => {
    for (const f of worker?.take() ?? []) await fromWorker(f);
  };

  // With a worker scanning, this thread reads the deployments first: the queue then leaves it fewer fleet files.
  // Scanning first made it read them after its last file, while the worker had nothing left to take.
  if (worker) await first?.catch(() => undefined);
  const given = new Set(worker ? share : []);
  for (const j of inMemory) {
    if (given.has(j)) continue;
    await scanHere(j);
    await taken();
  }
  let next = 0;
  const claim = worker ? () => worker.claim() : () => (next < queue.length ? next++ : -1);
  for (let q = claim(); q >= 0; q = claim()) {
    await scanHere(queue[q]);
    await taken();
  }
  if (worker) {
    const rest = await worker.finish();
    for (const f of rest.files) await fromWorker(f);
    // Files the worker took and never posted (it failed) are read here; bytes moved to it, read again.
    if (rest.failed) for (const j of [...share, ...queue]) if (!out[at[j]]) await scanHere(j);
  }
  columns?.used(files.flatMap((f) => (f.oid ? [f.oid] : [])));
  return out as YamlFile[];
}

/**
 * A fleet file as readYaml reads it with the scanner: as columns where it is clean,
 * else from its bytes in windows where they allow it (see scanFleetBytes).
 */
function readFleetFile(file: string, bytes: Uint8Array, limits: YamlLimits): YamlFile {
  const scanned = scanFleetColumnsBytes(file, bytes, limits);
  if (scanned) return builtFile(file, bytes, limits, columnsFleetFile(scanned.columns), scanned.offsets);
  const value = scanFleetWindowed(bytes, limits);
  return value !== undefined ? readFast(file, bytes, limits, value) : readYaml(file, bytes, limits, scanFleet);
}
