/**
 * Reads deployment files: YAML (the deployment scanner, else `yaml`) and schema
 * checks (compiled at build time), on this thread. A worker thread did this once,
 * while the main thread scanned the fleet; since both got fast (a thousand files:
 * ~0.14 s of CPU) it only competed with the fleet's worker for the second core.
 */
import { error, type Diagnostic } from '../core/diagnostics.js';
import { isLayered } from '../core/manifest/checks.js';
import { checkDeploymentSchema } from './schema.js';
import { cacheKey, type ParsedFileCache } from './cache.js';
import { scanDeployment } from './deployment-scanner.js';
import type { SourceFile } from './source.js';
import { readYaml, type YamlFile, type YamlLimits } from './yaml.js';

export interface ReadDeployment {
  readonly yaml: YamlFile;
  /** Schema problems, not yet placed. */
  readonly schema: readonly Diagnostic[];
}

/** The fast path for deployment files, within the limits' nesting depth. */
const fastPath = (limits: YamlLimits) => (text: string) => scanDeployment(text, limits.maxDepth);

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
  const read = readFresh(inputs, limits);
  fresh.forEach((f, i) => {
    const k = cacheKey(f);
    if (k) cache?.set(k, read[i], inputs[i].bytes.length);
    hits.set(f.path, read[i]);
  });
  return files.map((f) => hits.get(f.path)!);
}

function readFresh(inputs: readonly { file: string; bytes: Uint8Array }[], limits: YamlLimits): ReadDeployment[] {
  const fast = fastPath(limits);
  return inputs.map(({ file, bytes }) => {
    const yaml = readYaml(file, bytes, limits, fast);
    return { yaml, schema: yaml.value !== undefined && !yaml.empty ? checkDeployment(file, yaml.value) : [] };
  });
}
