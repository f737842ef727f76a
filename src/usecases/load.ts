/**
 * Reads a repository from a source and analyses it: the one entry point every
 * use-case (validate, resolve, explain, plan, apply) starts from.
 */
import { analyze, type Analysis, type ParsedFile } from '../core/analysis/analyze.js';
import { append, type Diagnostic, type PlacedDiagnostic } from '../core/diagnostics.js';
import { LRUCache } from 'lru-cache';
import { DEFAULT_CACHE_BYTES, parsedFileCache, type ParsedFileCache } from '../io/cache.js';
import { readDeployments, type DeploymentCache } from '../io/deployment-reader.js';
import type { Source, SourceFile } from '../io/source.js';
import { readFleet } from '../io/fleet-reader.js';
import { explainYamlMistakes } from './hints.js';
import { DEFAULT_LIMITS, type YamlFile, type YamlLimits } from '../io/yaml.js';

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
  // Kept columns are found by blob id: a working tree's are known once its tree id is asked for (from git's index).
  // A folder that cannot be read (a link loop) is reported by `list`, below.
  if (source.columns && !reuse) await source.treeOid?.(FLEET_FOLDER).catch(() => undefined);
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
      : readFleet(fleetList ?? [], FLEET_LIMITS, { cache: options.cache?.fleet, parallel: options.parallel, first: reading, columns: source.columns }),
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
