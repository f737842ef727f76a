/**
 * Reads a repository from a source and analyses it: the one entry point every
 * use-case (validate, resolve, explain, plan, apply) starts from.
 */
import { analyze, type Analysis, type ParsedFile } from '../core/analysis/analyze.js';
import type { FleetFile } from '../core/validate/fleet.js';
import { append, type Diagnostic, type PlacedDiagnostic } from '../core/diagnostics.js';
import { LRUCache } from 'lru-cache';
import { cacheKey, DEFAULT_CACHE_BYTES, parsedFileCache, type ParsedFileCache } from '../io/cache.js';
import { readDeployments, type DeploymentCache } from '../io/deployment-reader.js';
import type { Source, SourceFile } from '../io/source.js';
import { fleetWorkerAvailable, observedLongEnough, secondCoreIdle, startFleetWorker, workerShare, type WorkerFile } from '../io/fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from '../io/fleet-scanner.js';
import { fileSize, readIfUnchanged, streamBuiltFleetFile, type FileStamp } from '../io/fleet-stream.js';
import { explainYamlMistakes } from './hints.js';
import { DEFAULT_LIMITS, ENTRY_OFFSETS, readFast, readYaml, type YamlFile, type YamlLimits } from '../io/yaml.js';
import { record } from '../core/record.js';

export const DEPLOYMENTS_FOLDER = 'deployments';
export const FLEET_FOLDER = 'fleet';

/** Deployment files are small; fleet files may be large. */
export const DEPLOYMENT_LIMITS: YamlLimits = { ...DEFAULT_LIMITS, maxBytes: 1024 * 1024 };
export const FLEET_LIMITS: YamlLimits = DEFAULT_LIMITS;

export interface LoadedRepository {
  readonly analysis: Analysis;
  /** Every problem, placed on its file, line and column; sorted by file, line, column. */
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly valid: boolean;
  /** The YAML files read, by path: for showing source lines. */
  readonly files: ReadonlyMap<string, YamlFile>;
}

/**
 * Parsed files by path and git blob id: a plan reads two commits that mostly share
 * blobs, and the App sees the same blobs event after event.
 */
export interface ParseCache {
  readonly fleet: ParsedFileCache<YamlFile>;
  readonly deployments: DeploymentCache;
  /**
   * Whole analysed repositories by the tree ids of their folders: a pull request's
   * base is the same commit event after event, and is then neither parsed nor
   * resolved again. Few, because one holds a whole fleet's index.
   */
  readonly repositories: LRUCache<string, LoadedRepository>;
}

/** How many analysed repositories a parse cache keeps (a base and a head, twice). */
const CACHED_REPOSITORIES = 4;

/** A cache bounded by the bytes of the files it holds (fleet and deployments each get `maxBytes`). */
export const parseCache = (maxBytes = DEFAULT_CACHE_BYTES): ParseCache => ({
  fleet: parsedFileCache(maxBytes),
  deployments: parsedFileCache(maxBytes),
  repositories: new LRUCache({ max: CACHED_REPOSITORIES }),
});

/** The key of a source's content: the tree ids of its folders, when the source knows them. */
export async function contentKey(source: Source): Promise<string | undefined> {
  if (!source.treeOid) return undefined;
  const [deployments, fleet] = await Promise.all([source.treeOid(DEPLOYMENTS_FOLDER), source.treeOid(FLEET_FOLDER)]);
  return `${source.pathPrefix ?? ''}\0${deployments ?? '-'}\0${fleet ?? '-'}`;
}

/** An analysed repository with this source's content, if the cache has one. */
export async function cachedRepository(source: Source, cache: ParseCache | undefined): Promise<LoadedRepository | undefined> {
  const key = cache && (await contentKey(source));
  return key === undefined ? undefined : cache!.repositories.get(key);
}

/**
 * Fleet files, parsed once per path and blob id (see ParseCache), with both cores when the fleet is large. Files on
 * disk are read as they are scanned (fleet-stream.ts), from a queue both threads take from in turn, largest first;
 * files already in memory (a commit's blobs) are shared out by size beforehand and moved or copied to the worker.
 */
async function readFleet(
  files: readonly SourceFile[],
  cache: ParsedFileCache<YamlFile> | undefined,
  parallel: boolean | undefined,
  /** Work of this thread's to finish first (the deployments), while the worker already scans (see below). */
  first?: Promise<unknown>,
): Promise<YamlFile[]> {
  const out: (YamlFile | undefined)[] = files.map((f) => {
    const key = cacheKey(f);
    return key ? cache?.get(key) : undefined;
  });
  const fresh = files.filter((_, i) => !out[i]);
  const at = files.flatMap((_, i) => (out[i] ? [] : [i]));
  const bytes: (Uint8Array | undefined)[] = await Promise.all(fresh.map((f) => (f.localPath ? undefined : f.read())));
  // Sized, not read.
  const sizes = fresh.map((f, j) => bytes[j]?.length ?? fileSize(f.localPath!));
  const queue = fresh.flatMap((f, j) => (f.localPath ? [j] : [])).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const inMemory = fresh.flatMap((f, j) => (f.localPath ? [] : [j]));
  // A worker only for a large fleet, and only with a second core free: decided once the sizes are known (see secondCoreIdle).
  const worth = workerShare(sizes).length > 0;
  if (worth && parallel === undefined) await observedLongEnough();
  const two = worth && (parallel ?? secondCoreIdle()) && fleetWorkerAvailable();
  const share = two ? workerShare(inMemory.map((j) => sizes[j])).map((k) => inMemory[k]) : [];
  const worker = two
    ? startFleetWorker(
        share.map((j) => ({ file: fresh[j].path, bytes: bytes[j]!, move: fresh[j].owned })),
        queue.map((j) => ({ file: fresh[j].path, path: fresh[j].localPath! })),
        FLEET_LIMITS,
      )
    : undefined;
  // Bytes moved to the worker are gone from here (detached) until it posts them back.
  if (worker) for (const j of share) if (bytes[j]!.buffer.byteLength === 0) bytes[j] = undefined;

  const keep = (j: number, parsed: YamlFile) => {
    out[at[j]] = parsed;
    const key = cacheKey(fresh[j]);
    if (key) cache?.set(key, parsed, sizes[j]);
  };
  const whole = async (j: number) => (bytes[j] ??= await fresh[j].read());
  /**
   * A file streamed from disk and built as it was read (here or in the worker): it
   * keeps no bytes (read again, if unchanged, to place a diagnostic), and its value
   * only says where each device starts.
   */
  const built = (j: number, fleet: FleetFile, offsets: ArrayLike<number>, stamp: FileStamp) => {
    const starts = record();
    Object.defineProperty(starts, ENTRY_OFFSETS, { value: offsets, enumerable: false });
    keep(j, { ...readFast(fresh[j].path, () => readIfUnchanged(fresh[j].localPath!, stamp), FLEET_LIMITS, starts), fleet });
  };
  /** A file scanned on this thread: streamed from disk where it can be, else read whole. */
  const scanHere = async (j: number) => {
    const local = fresh[j].localPath;
    const read = local === undefined ? undefined : streamBuiltFleetFile(fresh[j].path, local, FLEET_LIMITS);
    if (read) built(j, read.fleet, read.offsets, read.stamp);
    else keep(j, readFleetFile(fresh[j].path, await whole(j)));
  };
  /** A file the worker is done with: its slot is its place in `share`, then in `queue`. */
  const fromWorker = async ({ slot, scanned, stamp, bytes: back }: WorkerFile) => {
    const j = slot < share.length ? share[slot] : queue[slot - share.length];
    if (back) bytes[j] = back;
    if (typeof scanned === 'object' && stamp) built(j, scanned.fleet(), scanned.offsets, stamp);
    // Checked and scanned there: neither decoded nor checked again here.
    else if (typeof scanned === 'function') keep(j, readFast(fresh[j].path, await whole(j), FLEET_LIMITS, scanned()));
    // Where the worker's scanner gave up, readYaml's fallback parses with yaml, as it would have here.
    else if (scanned === 'yaml')
      keep(
        j,
        readYaml(fresh[j].path, await whole(j), FLEET_LIMITS, () => undefined),
      );
    else keep(j, readFleetFile(fresh[j].path, await whole(j)));
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
  return out as YamlFile[];
}

/** A fleet file as readYaml reads it with the scanner; from its bytes in windows where they allow it (see scanFleetBytes). */
function readFleetFile(file: string, bytes: Uint8Array): YamlFile {
  const value = scanFleetWindowed(bytes, FLEET_LIMITS);
  return value !== undefined ? readFast(file, bytes, FLEET_LIMITS, value) : readYaml(file, bytes, FLEET_LIMITS, scanFleet);
}

export interface LoadOptions {
  readonly cache?: ParseCache;
  /** A repository known to have the very same fleet folder: its fleet is reused, not read again. */
  readonly sameFleetAs?: LoadedRepository;
  /** Scan a large fleet on two threads (default: when a second core is idle); the result is the same either way. */
  readonly parallel?: boolean;
  /** Told what a long run is doing: `reading 12 deployment files and 3 fleet files`, `resolving the fleet`. */
  readonly onStage?: (message: string) => void;
}

export async function loadRepository(source: Source, options: LoadOptions = {}): Promise<LoadedRepository> {
  const key = options.cache && (await contentKey(source));
  if (key === undefined) return readRepository(source, options);
  const hit = options.cache!.repositories.get(key);
  if (hit) return hit;
  const loaded = await readRepository(source, options);
  options.cache!.repositories.set(key, loaded);
  return loaded;
}

async function readRepository(source: Source, options: LoadOptions): Promise<LoadedRepository> {
  const reuse = options.sameFleetAs;
  const [listedDeployments, listedFleet] = await Promise.all([source.list(DEPLOYMENTS_FOLDER), reuse ? ([] as SourceFile[]) : source.list(FLEET_FOLDER)]);
  const placed: PlacedDiagnostic[] = [];
  // Entries the source would not read (links, a file where a folder should be) are reported where they are.
  for (const f of [...(listedDeployments ?? []), ...(listedFleet ?? [])]) if (f.problem) placed.push({ ...f.problem, file: f.path, line: 1, column: 1 });
  const deploymentList = listedDeployments?.filter((f) => !f.problem);
  const fleetList = listedFleet?.filter((f) => !f.problem);
  if (deploymentList === undefined && fleetList === undefined) {
    placed.push({
      severity: 'error',
      code: 'repository/not-found',
      message: `${source.description} has neither ${DEPLOYMENTS_FOLDER}/ nor ${FLEET_FOLDER}/: point --repo at an edgeops repository`,
      file: source.description,
      line: 1,
      column: 1,
    });
  }
  options.onStage?.(`reading ${deploymentList?.length ?? 0} deployment files and ${fleetList?.length ?? 0} fleet files`);
  const reading = readDeployments(deploymentList ?? [], DEPLOYMENT_LIMITS, options.cache?.deployments);
  const [deployed, fleetFiles] = await Promise.all([
    reading,
    reuse
      ? [...reuse.files.values()].filter((f) => f.file.startsWith(`${FLEET_FOLDER}/`))
      : readFleet(fleetList ?? [], options.cache?.fleet, options.parallel, reading),
  ]);
  const files = new Map<string, YamlFile>([...deployed.map((d) => d.yaml), ...fleetFiles].map((f) => [f.file, f]));
  const coreDiagnostics: Diagnostic[] = [];
  const deployments: ParsedFile[] = deployed.map(({ yaml: f, schema }) => {
    if (f.empty) {
      coreDiagnostics.push({ severity: 'error', code: 'file/empty', message: 'deployment file is empty', location: { file: f.file } });
      return { file: f.file, value: undefined };
    }
    append(coreDiagnostics, schema);
    return { file: f.file, value: f.value };
  });
  const fleet: ParsedFile[] = fleetFiles.map((f) => ({ file: f.file, value: f.value, fleet: f.fleet }));
  options.onStage?.('resolving the fleet');
  const analysis = analyze({ deployments, fleet, sameFleetAs: reuse?.analysis });
  append(coreDiagnostics, analysis.diagnostics);

  for (const f of files.values()) append(placed, f.diagnostics);
  append(placed, placeDiagnostics(coreDiagnostics, files, source.description));
  for (const entry of await ignoredFiles(source)) placed.push(entry);
  const diagnostics = explainYamlMistakes(placed).sort(compareDiagnostics);
  return { analysis, diagnostics, valid: !diagnostics.some((d) => d.severity === 'error'), files };
}

/** Files an operator may expect to be read but that are not: said, not silently skipped. */
async function ignoredFiles(source: Source): Promise<PlacedDiagnostic[]> {
  if (!source.ignored) return [];
  const lists = await Promise.all([DEPLOYMENTS_FOLDER, FLEET_FOLDER].map((f) => source.ignored!(f)));
  return lists.flat().map((file) => ({
    severity: 'warning',
    code: 'file/ignored',
    message: file.endsWith('/')
      ? `${file} is not read: only files directly inside ${file.split('/')[0]}/ are, so move its files up (a deployment's id is its file name)`
      : `${file} is not read: only .yaml and .yml files are; JSON is YAML, so rename it to ${file.replace(/\.json$/i, '.yaml')}`,
    file,
    line: 1,
    column: 1,
  }));
}

/** Puts core diagnostics on their lines, in the files they name. */
export function placeDiagnostics(diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, YamlFile>, fallback: string): PlacedDiagnostic[] {
  return diagnostics.map((d) => {
    const file = d.location ? files.get(d.location.file) : undefined;
    return file ? file.place(d) : { severity: d.severity, code: d.code, message: d.message, file: d.location?.file ?? fallback, line: 1, column: 1 };
  });
}

export function compareDiagnostics(a: PlacedDiagnostic, b: PlacedDiagnostic): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column;
}
