/**
 * Both cores for the fleet: fleet files are independent, so a worker thread scans
 * some while the main thread scans the others. Files on disk are taken from a queue
 * by both threads in turn (each reads what it takes, see fleet-stream.ts); files in
 * memory (a commit's blobs) are shared out by size beforehand. The worker makes
 * readYaml's checks (size, UTF-8, line length: `fastPathText`) and posts each file
 * as soon as it is done: a clean file's columns (moved), else its value or devices in
 * the compact form of fleet-parallel-codec.ts; where
 * a check fails or the scanner gives up it says so, and the main thread reads that
 * file with readYaml, so limits, fallback to `yaml` and diagnostics stay exactly
 * those of a sequential read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Diagnostic } from '../core/diagnostics.js';
import { columnsFleetFile } from '../core/fleet-columns.js';
import type { FleetFile } from '../core/validate/fleet.js';
import type { ScannedColumns } from './fleet-columns-scanner.js';
import { decodeDevices, decodeValue, type EncodedValue } from './fleet-parallel-codec.js';
import type { FileStamp } from './fleet-stream.js';
import type { YamlLimits } from './yaml-text.js';

export interface FleetInput {
  readonly file: string;
  readonly bytes: Uint8Array;
  /**
   * The bytes are the caller's alone (see SourceFile.owned): their memory moves to
   * the worker and back instead of being copied twice (at 1M devices, ~55 MB each
   * way). Meanwhile `bytes` is empty (detached).
   */
  readonly move?: boolean;
}

/** What the worker posts for each file as it is done (on the port it was given). */
export interface WorkerMessage {
  /** The file's place in the worker's inputs, then in the queue (inputs.length + its index there). */
  readonly slot: number;
  readonly result: WorkerResult;
  /** What a file streamed from its path was when it was read (to read it again, unchanged, for a diagnostic). */
  readonly stamp?: FileStamp;
  /** Bytes moved to the worker, moved back. */
  readonly bytes?: Uint8Array;
}

/** What the worker is handed: its share of files, the queue it shares with the main thread, and the port to post on. */
export interface WorkerData {
  readonly files: readonly FleetInput[];
  /** Files on disk, taken in turn by both threads (see FleetWorker.claim). */
  readonly queue: readonly QueuedFile[];
  /** One Int32 over a SharedArrayBuffer: the next queue index to take. */
  readonly next: Int32Array;
  readonly port: MessagePort;
  readonly limits: YamlLimits;
}

/** Bytes that can move between threads: they fill a buffer of their own. */
export const movable = (bytes: Uint8Array): boolean =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer);

/**
 * A fleet file from disk the worker has scanned and built (buildFleetFile): its
 * devices (compact), what the build said, and where each device starts in the file
 * (to place a diagnostic on one device by parsing that device alone).
 */
export interface EncodedFleetFile {
  /** The repository path (each device's `file`). */
  readonly file: string;
  readonly devices: EncodedValue;
  readonly diagnostics: readonly Diagnostic[];
  readonly mixedCaseTagNames: boolean;
  readonly offsets: Int32Array;
}

/**
 * What the worker says of one file: its value (compact), the file built (one from
 * the queue), `yaml` where the scanner gave up, `unchecked` where readYaml would
 * first report or check something itself (or a file to stream from its path did not
 * stream: it is then read whole).
 */
export type WorkerResult = EncodedValue | EncodedFleetFile | ScannedColumns | 'yaml' | 'unchecked';

/** A fleet file the worker built: its devices (decoded on call) and where each starts. */
export interface BuiltFleetFile {
  readonly fleet: () => FleetFile;
  readonly offsets: Int32Array;
}

/** A file scanned by the worker: its value (decoded on call), the file built, or what to do with it instead. */
export type Scanned = (() => unknown) | BuiltFleetFile | 'yaml' | 'unchecked';

/** A file on disk in the queue: its repository path (for devices and diagnostics) and where it is. */
export interface QueuedFile {
  readonly file: string;
  readonly path: string;
}

/**
 * Below this many bytes of fleet, a worker costs more than it saves. Measured on the
 * 2-core machine of the README's figures (whole `edgeops validate` runs, alternated):
 * one thread was 7 % faster at 29 MB (200k devices), level at 70 MB, and two threads
 * were ~8 % faster at 146 MB. The two threads slow each other down (this machine's
 * two cores do not run two busy threads at full speed) and the worker starts a
 * thread: it only pays for a large fleet. Measured again with fleets read as columns:
 * at 29 MB one thread 1.00–1.05 s against 1.17–1.21 s, at 70 MB level, at 146 MB two
 * threads 2.80–2.87 s against 2.96–3.04 s.
 */
export const PARALLEL_THRESHOLD = 96 * 1024 * 1024;

const workerUrl = new URL('./fleet-parallel-worker.js', import.meta.url);

/** The worker is built JavaScript: under a TypeScript test runner it is absent, and the main thread scans everything. */
export const fleetWorkerAvailable = (): boolean => existsSync(fileURLToPath(workerUrl));

/** CPU time the whole machine has spent busy, in ms, from Linux's /proc/stat (`undefined` elsewhere). */
export function machineBusyMs(read: () => string = () => readFileSync('/proc/stat', 'utf8')): number | undefined {
  let line: string | undefined;
  try {
    line = /^cpu\s+([\d ]+)/m.exec(read())?.[1];
  } catch {
    return undefined;
  }
  // user nice system idle iowait irq softirq steal, in clock ticks of 10 ms.
  const ticks = line?.trim().split(/\s+/).map(Number);
  if (!ticks || ticks.length < 5 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
  return busy * 10;
}

export interface CpuSample {
  readonly at: number;
  readonly machine: number | undefined;
  readonly own: number;
}

export const sample = (): CpuSample => {
  const { user, system } = process.cpuUsage();
  return { at: performance.now(), machine: machineBusyMs(), own: (user + system) / 1000 };
};

/** Taken when this module loads, early in a run: what other processes do from here on is what the fleet would share the cores with. */
const atLoad = sample();

/** What secondCoreIdle needs to have observed: 10 ms ticks say too little of less. */
export const MIN_OBSERVED_MS = 50;

/**
 * Waits, where need be, until this run has been observed for MIN_OBSERVED_MS, so
 * that secondCoreIdle judges by what other processes do now rather than by the load
 * average (which counts runs that just ended). Fleet files on disk are sized, not
 * read, before the decision, which then comes ~30 ms after this module loads; reads
 * of deployment files go on meanwhile.
 */
export function observedLongEnough(since: CpuSample = atLoad): Promise<void> {
  const left = MIN_OBSERVED_MS - (performance.now() - since.at);
  return left > 0 ? new Promise((resolve) => setTimeout(resolve, Math.ceil(left))) : Promise.resolve();
}

/**
 * A second core that is free: a worker only helps then. On a busy machine it adds
 * the encoding work and takes longer (measured with the load average at 19 on 2
 * cores). Where the system says, the CPU time other processes used since this
 * run started decides: the load average also counts edgeops runs that just ended,
 * and turned the worker off for a user (or a benchmark) running it again and again.
 */
export function secondCoreIdle(
  cores = availableParallelism(),
  since: CpuSample = atLoad,
  now: CpuSample = sample(),
  loadAverage = (): number => loadavg()[0],
): boolean {
  if (cores < 2) return false;
  const elapsed = now.at - since.at;
  // At least 50 ms observed, or ticks of 10 ms say too little; at most a minute, or
  // (in a long-running process, the App) it is an average over hours, and the load
  // average says more about now.
  if (since.machine !== undefined && now.machine !== undefined && elapsed >= MIN_OBSERVED_MS && elapsed <= 60_000) {
    // Idle, others used ±0.1 of a core here (10 ms ticks); one busy process showed as 0.57 (it shared the cores with ours).
    const others = now.machine - since.machine - (now.own - since.own);
    return others < elapsed * (cores - 1.65);
  }
  return loadAverage() < cores - 0.5;
}

/**
 * For files in memory, shared out beforehand: bytes on the worker take this much
 * longer than bytes here (it also starts a thread and encodes what it scanned).
 * Measured on 1M devices in 20 files read whole: at 1.2, half the files went to the
 * worker and this thread waited 0.5–0.66 s for it; at 1.55 it takes 8 and both end
 * within ~0.1 s. Files on disk need no such guess: they are queued.
 */
const WORKER_COST = 1.55;

/**
 * Which files go to the worker: a share of the bytes that makes both threads finish
 * together (largest first, each file to the side that would end sooner). Indexes
 * into `sizes`; empty when it is not worth a thread.
 */
export function workerShare(sizes: readonly number[], threshold = PARALLEL_THRESHOLD): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.length < 2 || total < threshold) return [];
  let main = 0;
  let worker = 0;
  const share: number[] = [];
  for (const i of sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b)) {
    if (worker * WORKER_COST < main) {
      share.push(i);
      worker += sizes[i];
    } else main += sizes[i];
  }
  return share.sort((a, b) => a - b);
}

/**
 * Whether a worker is worth asking for, for files of these sizes: for a large fleet
 * when left to decide (`parallel` undefined; whether a core is free is asked after),
 * whatever the size when asked for, where there are two files to share.
 */
export function worthAWorker(sizes: readonly number[], parallel: boolean | undefined): boolean {
  if (parallel === true) return sizes.length >= 2;
  return parallel === undefined && workerShare(sizes).length > 0;
}

/** A file the worker has scanned: its slot (see WorkerMessage), what to do with it, its stamp and moved bytes. */
export interface WorkerFile {
  readonly slot: number;
  readonly scanned: Scanned;
  readonly stamp?: FileStamp;
  readonly bytes?: Uint8Array;
}

/**
 * A worker thread scanning fleet files beside this one: first the files given to it,
 * then files on disk from a queue that both threads take from in turn, so both end
 * together whatever each file costs. It posts each file as soon as it is done, and
 * this thread decodes those between its own files rather than all at the end.
 */
export interface FleetWorker {
  /** The next file of the queue for this thread (an index into it), or -1 when every file is taken. */
  claim(): number;
  /** The files the worker has finished since the last call; never waits. */
  take(): WorkerFile[];
  /**
   * Waits until the worker has posted every file it took (call once `claim` says none
   * is left); the files not yet taken. `failed` when it stopped before: a file it
   * took and did not post is then the caller's, and bytes moved to it are lost.
   */
  finish(): Promise<{ files: WorkerFile[]; failed: boolean }>;
}

function scannedOf(result: WorkerResult): Scanned {
  if (typeof result !== 'object') return result;
  if ('columns' in result) return { offsets: result.offsets, fleet: () => columnsFleetFile(result.columns) };
  if (!('offsets' in result)) return () => decodeValue(result);
  const { file, devices, diagnostics, mixedCaseTagNames, offsets } = result;
  return { offsets, fleet: () => ({ devices: decodeDevices(devices, file), diagnostics, mixedCaseTagNames }) };
}

/**
 * Starts the worker on `inputs` (checked against `limits` as readYaml would) and a
 * `queue` of paths; `undefined` when it cannot start (the caller then scans all).
 */
export function startFleetWorker(inputs: readonly FleetInput[], queue: readonly QueuedFile[], limits: YamlLimits): FleetWorker | undefined {
  const files = inputs.map(({ file, bytes, move }) => ({ file, bytes, move: move === true && movable(bytes) }));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const transferList = [...files.flatMap((f) => (f.move ? [f.bytes.buffer as ArrayBuffer] : [])), port2];
  let worker: Worker;
  try {
    const data: WorkerData = { files, queue, next, port: port2, limits };
    worker = new Worker(workerUrl, { workerData: data, transferList });
  } catch {
    // E.g. a buffer Node will not let move: nothing was moved, and the caller scans everything itself.
    port1.close();
    return undefined;
  }
  let claimed = 0;
  let received = 0;
  // Stopped, by an error or by ending: what it did not post by then, it never will.
  let stopped = false;
  let wake = (): void => {};
  const stop = () => ((stopped = true), wake());
  worker.once('error', stop);
  worker.once('exit', stop);
  const file = ({ slot, result, stamp, bytes }: WorkerMessage): WorkerFile => {
    received++;
    return { slot, scanned: scannedOf(result), stamp, bytes };
  };
  const take = (): WorkerFile[] => {
    const out: WorkerFile[] = [];
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) out.push(file(m.message as WorkerMessage));
    return out;
  };
  return {
    claim() {
      const q = Atomics.add(next, 0, 1);
      if (q >= queue.length) return -1;
      claimed++;
      return q;
    },
    take,
    async finish() {
      const expected = files.length + queue.length - claimed;
      const out: WorkerFile[] = [];
      for (;;) {
        for (const f of take()) out.push(f);
        if (received >= expected || stopped) break;
        // Woken by the next message (the port delivers it here, not to take), or by the worker stopping.
        await new Promise<void>((resolve) => {
          wake = resolve;
          port1.once('message', (m: WorkerMessage) => (out.push(file(m)), resolve()));
        });
        port1.removeAllListeners('message');
      }
      port1.close();
      void worker.terminate();
      return { files: out, failed: received < expected };
    },
  };
}
