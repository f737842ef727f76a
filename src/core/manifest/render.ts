/**
 * The effective manifest a device receives (DESIGN §3): the winner's modulesContent
 * with createOptions rendered as the IoT Edge agent expects, and its content hash.
 * Rendered once per deployment; every device on a deployment shares it.
 */
import { canonicalJson, sha256Hex } from './canonical.js';
import type { Deployment } from '../model.js';
import { record } from '../record.js';
import { isMapping } from '../collections.js';

/** The IoT Edge agent reads createOptions in chunks of this many characters. */
export const CREATE_OPTIONS_CHUNK = 512;
/** createOptions, createOptions01 … createOptions07. */
export const MAX_CREATE_OPTIONS_CHUNKS = 8;

export interface EffectiveManifest {
  readonly deployment: { readonly id: string };
  readonly contentHash: string;
  readonly modulesContent: Readonly<Record<string, unknown>>;
}

export interface RenderedManifest {
  readonly manifest: EffectiveManifest;
  /** The manifest as canonical JSON: the bytes a sink writes. */
  readonly json: string;
}

type Json = Record<string, unknown>;

/** Splits a createOptions string into `createOptions`, `createOptions01`, …. */
export function chunkCreateOptions(createOptions: string): Json {
  const out: Json = {};
  for (let i = 0, n = 0; i < createOptions.length || n === 0; i += CREATE_OPTIONS_CHUNK, n++) {
    out[n === 0 ? 'createOptions' : `createOptions${String(n).padStart(2, '0')}`] = createOptions.slice(i, i + CREATE_OPTIONS_CHUNK);
  }
  return out;
}

/** The createOptions of a module's settings as the one JSON string the agent will reassemble. */
export function createOptionsString(createOptions: unknown): string {
  return typeof createOptions === 'string' ? createOptions : canonicalJson(createOptions);
}

function renderSettings(settings: Json): Json {
  // Already chunked (createOptions01 …): kept as written, which is what the agent reads.
  if (!('createOptions' in settings) || Object.keys(settings).some((k) => /^createOptions\d+$/.test(k))) return settings;
  const { createOptions, ...rest } = settings;
  return { ...rest, ...chunkCreateOptions(createOptionsString(createOptions)) };
}

function renderModules(modules: unknown): unknown {
  if (!isMapping(modules)) return modules;
  // Module names come from the operator's YAML: `__proto__` must stay a name.
  const out: Json = record();
  for (const [name, module] of Object.entries(modules)) {
    out[name] = isMapping(module) && isMapping(module.settings) ? { ...module, settings: renderSettings(module.settings) } : module;
  }
  return out;
}

/** modulesContent with every module's createOptions rendered and chunked; the input is not changed. */
export function renderModulesContent(modulesContent: Readonly<Json>): Json {
  const agent = modulesContent.$edgeAgent;
  if (!isMapping(agent) || !isMapping(agent['properties.desired'])) return { ...modulesContent };
  const desired = agent['properties.desired'];
  const renderedDesired: Json = { ...desired };
  if ('systemModules' in desired) renderedDesired.systemModules = renderModules(desired.systemModules);
  if ('modules' in desired) renderedDesired.modules = renderModules(desired.modules);
  return { ...modulesContent, $edgeAgent: { ...agent, 'properties.desired': renderedDesired } };
}

/** Renders a deployment's effective manifest and its canonical JSON. */
export function renderManifest(deployment: Pick<Deployment, 'id' | 'modulesContent'>): RenderedManifest {
  const modulesContent = renderModulesContent(deployment.modulesContent);
  const contentHash = contentHashOf(deployment);
  const manifest: EffectiveManifest = { deployment: { id: deployment.id }, contentHash, modulesContent };
  return { manifest, json: canonicalJson(manifest) };
}

/**
 * The content hash alone, remembered per modulesContent object: a plan's base and
 * head share the parsed value of every deployment file that did not change.
 */
const hashes = new WeakMap<object, string>();
export function contentHashOf(deployment: Pick<Deployment, 'modulesContent'>): string {
  let hash = hashes.get(deployment.modulesContent);
  if (hash === undefined) {
    hash = sha256Hex(canonicalJson(renderModulesContent(deployment.modulesContent)));
    hashes.set(deployment.modulesContent, hash);
  }
  return hash;
}
