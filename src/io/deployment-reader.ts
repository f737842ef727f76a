/**
 * Reads deployment files: YAML and schema checks. With many files (a thousand
 * deployments take ~0.6 s of cold `yaml` parsing), a worker thread does it while
 * the main thread scans the fleet; values come back by structured clone and are
 * made records again. Diagnostics the core adds later are placed by parsing the
 * file again on the main thread, only if there are any.
 */
import { Worker } from 'node:worker_threads';
import { error, type Diagnostic, type PlacedDiagnostic } from '../core/diagnostics.js';
import { isLayered } from '../core/manifest/checks.js';
import { record } from '../core/record.js';
import { checkDeploymentSchema } from './schema.js';
import { cacheKey, type ParsedFileCache } from './cache.js';
import { scanDeployment } from './deployment-scanner.js';
import type { SourceFile } from './source.js';
import { readYaml, reparsedFile, type PositionHints, type YamlFile, type YamlLimits } from './yaml.js';

export interface ReadDeployment {
  readonly yaml: YamlFile;
  /** Schema problems, not yet placed. */
  readonly schema: readonly Diagnostic[];
}

/** What the worker sends back for one file. */
export interface WorkerResult {
  readonly file: string;
  readonly value: unknown;
  readonly empty: boolean;
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly schema: readonly Diagnostic[];
  readonly hints?: PositionHints;
}

/** Below this many files, a worker costs more than it saves. */
export const WORKER_THRESHOLD = 64;

/** The fast path for deployment files, within the limits' nesting depth. */
const fastPath = (limits: YamlLimits) => (text: string) => scanDeployment(text, limits.maxDepth);

export function readDeployment(file: string, bytes: Uint8Array, limits: YamlLimits): WorkerResult {
  const yaml = readYaml(file, bytes, limits, fastPath(limits));
  const schema = yaml.value !== undefined && !yaml.empty ? checkDeployment(file, yaml.value) : [];
  return { file, value: yaml.value, empty: yaml.empty, diagnostics: yaml.diagnostics, schema, hints: yaml.hints?.() };
}

/** Schema problems; a layered deployment gets one clear statement instead of a schema error for every dotted key. */
function checkDeployment(file: string, value: unknown): Diagnostic[] {
  const content = typeof value === 'object' && value !== null ? (value as { content?: unknown }).content : undefined;
  const modulesContent = typeof content === 'object' && content !== null ? (content as { modulesContent?: unknown }).modulesContent : undefined;
  if (!isLayered(modulesContent)) return checkDeploymentSchema(file, value);
  return [
    error(
      'deployment/layered',
      'this is a layered deployment (properties.desired.<path> keys instead of whole $edgeAgent/$edgeHub manifests): edgeops deploys whole manifests and does not support layered deployments yet; write the complete manifest under content.modulesContent',
      { file, path: ['content', 'modulesContent'], key: true },
    ),
  ];
}

/**
 * The worker is built JavaScript beside this module: lib/io/ (tsc) or dist/ (the
 * bundle, where it is a second entry point). When this module runs from its
 * TypeScript source (the test runner), there is no built worker to start, and
 * the main thread reads instead; anywhere else, a worker that is missing or fails
 * is an error, never a silent fallback.
 */
const workerUrl = new URL('./deployment-worker.js', import.meta.url);
const fromTypeScriptSources = import.meta.url.endsWith('.ts');

/** Deployments read before, by path and git blob id (a plan's two commits share most). */
export type DeploymentCache = ParsedFileCache<ReadDeployment>;

export async function readDeployments(files: readonly SourceFile[], limits: YamlLimits, cache?: DeploymentCache): Promise<ReadDeployment[]> {
  // Take hits first: storing fresh entries may evict others.
  const hits = new Map<string, ReadDeployment>();
  for (const f of files) {
    const k = cacheKey(f);
    const hit = k ? cache?.get(k) : undefined;
    if (hit) hits.set(f.path, hit);
  }
  const fresh = files.filter((f) => !hits.has(f.path));
  const inputs = await Promise.all(fresh.map(async (f) => ({ file: f.path, bytes: await f.read() })));
  const read = await readFresh(inputs, limits);
  fresh.forEach((f, i) => {
    const k = cacheKey(f);
    if (k) cache?.set(k, read[i], inputs[i].bytes.length);
    hits.set(f.path, read[i]);
  });
  return files.map((f) => hits.get(f.path)!);
}

async function readFresh(inputs: readonly { file: string; bytes: Uint8Array }[], limits: YamlLimits): Promise<ReadDeployment[]> {
  const results = inputs.length >= WORKER_THRESHOLD && !fromTypeScriptSources ? await inWorker(inputs, limits) : undefined;
  if (!results) {
    const fast = fastPath(limits);
    return inputs.map(({ file, bytes }) => {
      const yaml = readYaml(file, bytes, limits, fast);
      return { yaml, schema: yaml.value !== undefined && !yaml.empty ? checkDeployment(file, yaml.value) : [] };
    });
  }
  return results.map((r, i) => ({
    yaml: reparsedFile(r.file, inputs[i].bytes, limits, toRecords(r.value), r.empty, r.diagnostics, r.hints),
    schema: r.schema,
  }));
}

function inWorker(inputs: readonly { file: string; bytes: Uint8Array }[], limits: YamlLimits): Promise<WorkerResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { files: inputs, limits } });
    worker.once('message', (results: WorkerResult[]) => {
      resolve(results);
      void worker.terminate();
    });
    worker.once('error', (e) => reject(new Error(`the deployment worker (${workerUrl.href}) failed: ${e.message}`, { cause: e })));
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the deployment worker (${workerUrl.href}) exited with code ${code}`)));
  });
}

/** Structured clone makes plain objects: make mappings records again (see core/record.ts). */
function toRecords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toRecords);
  if (typeof value !== 'object' || value === null) return value;
  const out = record();
  for (const key of Object.keys(value)) out[key] = toRecords((value as Record<string, unknown>)[key]);
  return out;
}
