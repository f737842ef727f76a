/**
 * `simulate`: every device in a rendering "receives" its manifest, checks it the
 * way the IoT Edge agent would, and reports — success, a failure with the
 * agent's codes and module states, or nothing (pending). Deterministic for a
 * seed: each device's fate depends only on the seed and its id, never on order.
 */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import { MAX_MODULES } from '../core/manifest/limits.js';
import { MAX_CREATE_OPTIONS_CHUNKS } from '../core/manifest/render.js';
import type { DeviceReport, ModuleReport } from '../core/status/report.js';
import { failureOf } from '../core/status/status.js';
import type { Rendering } from '../io/rendering.js';
import { isMapping } from '../core/collections.js';

export interface SimulateOptions {
  readonly seed?: number;
  /** Share of devices (0..1) whose valid manifest fails anyway: not connected, or a module crashing. */
  readonly failRate?: number;
  /** Share of devices (0..1) that do not report at all. */
  readonly pendingRate?: number;
  /** Every device running this module reports it failed (exit 1). */
  readonly failModule?: string;
}

export interface SimulateResult {
  readonly devices: number;
  readonly success: number;
  readonly failure: number;
  readonly pending: number;
  /** Device files that are not a manifest (bad JSON, wrong shape). */
  readonly diagnostics: readonly PlacedDiagnostic[];
}

type Json = Record<string, unknown>;

const WRITE_CHUNK = 1 << 20;

/** Agent schema versions the IoT Edge agent accepts for `$edgeAgent`. */
const KNOWN_SCHEMA_VERSIONS = new Set(['1.0', '1.1']);

/** What the agent makes of a manifest: a failure code and description, or the modules it will run. */
export type AgentVerdict = { readonly code: number; readonly description: string } | { readonly code: 200; readonly modules: Readonly<Record<string, string>> };

const createOptionsOf = (settings: Json): string | undefined => {
  if (!('createOptions' in settings)) return undefined;
  let joined = '';
  for (let n = 0; n < MAX_CREATE_OPTIONS_CHUNKS; n++) {
    const value = settings[n === 0 ? 'createOptions' : `createOptions${String(n).padStart(2, '0')}`];
    if (typeof value !== 'string') break;
    joined += value;
  }
  return joined;
};

/** Checks a rendered `modulesContent` as the IoT Edge agent does before applying it. */
export function checkAsAgent(modulesContent: unknown): AgentVerdict {
  const agent = isMapping(modulesContent) ? modulesContent.$edgeAgent : undefined;
  const desired = isMapping(agent) ? agent['properties.desired'] : undefined;
  if (!isMapping(desired)) return { code: 417, description: 'empty configuration: no $edgeAgent desired properties' };
  if (typeof desired.schemaVersion !== 'string' || !KNOWN_SCHEMA_VERSIONS.has(desired.schemaVersion)) {
    return { code: 412, description: `schema version ${JSON.stringify(desired.schemaVersion ?? null)} is not supported` };
  }
  const modules = isMapping(desired.modules) ? desired.modules : {};
  const names = Object.keys(modules);
  if (names.length > MAX_MODULES) return { code: 400, description: `invalid configuration: ${names.length} modules, at most ${MAX_MODULES} are supported` };
  const all: [string, unknown][] = [...Object.entries(isMapping(desired.systemModules) ? desired.systemModules : {}), ...Object.entries(modules)];
  for (const [name, module] of all) {
    const settings = isMapping(module) && isMapping(module.settings) ? module.settings : undefined;
    if (!settings || typeof settings.image !== 'string' || settings.image === '') {
      return { code: 400, description: `invalid configuration: module ${name} has no image` };
    }
    const createOptions = createOptionsOf(settings);
    if (createOptions !== undefined) {
      try {
        JSON.parse(createOptions);
      } catch {
        return { code: 400, description: `invalid configuration: createOptions of module ${name} is not valid JSON` };
      }
    }
  }
  const running: Record<string, string> = {};
  for (const name of names) {
    const module = modules[name] as Json;
    running[name] = module.status === 'stopped' ? 'stopped' : 'running';
  }
  return { code: 200, modules: running };
}

/** Three numbers in [0, 1) from the seed and a device id (FNV-1a, then a splitmix-style mixer). */
function fate(seed: number, deviceId: string): [number, number, number] {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < deviceId.length; i++) h = Math.imul(h ^ deviceId.charCodeAt(i), 0x01000193) >>> 0;
  const next = (): number => {
    h = (h + 0x9e3779b9) >>> 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  return [next(), next(), next()];
}

/** A device's manifest as the simulator needs it. */
export interface Manifest {
  readonly deployment: string;
  readonly contentHash: string;
  readonly verdict: AgentVerdict;
}

function parseManifest(bytes: Uint8Array): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (!isMapping(value) || !isMapping(value.deployment) || typeof value.deployment.id !== 'string' || typeof value.contentHash !== 'string') {
    return 'not a rendered manifest: expected { "deployment": { "id" }, "contentHash", "modulesContent" }';
  }
  return { deployment: value.deployment.id, contentHash: value.contentHash, verdict: checkAsAgent(value.modulesContent) };
}

/** One device's report, or `undefined` when it stays silent (pending). */
export function simulateDevice(deviceId: string, manifest: Manifest, options: SimulateOptions, reportedAt?: string): DeviceReport | undefined {
  const [silent, fails, kind] = fate(options.seed ?? 0, deviceId);
  if (silent < (options.pendingRate ?? 0)) return undefined;
  const base = { deviceId, deployment: manifest.deployment, contentHash: manifest.contentHash, ...(reportedAt ? { reportedAt } : {}) };
  const { verdict } = manifest;
  if (!('modules' in verdict)) return { ...base, code: verdict.code, description: verdict.description, modules: {} };
  const modules: Record<string, ModuleReport> = {};
  for (const [name, runtimeStatus] of Object.entries(verdict.modules)) modules[name] = { runtimeStatus };
  const names = Object.keys(modules);
  if (options.failModule !== undefined && options.failModule in modules) {
    modules[options.failModule] = { runtimeStatus: 'failed', exitCode: 1 };
    return { ...base, code: 200, description: '', modules };
  }
  if (fails < (options.failRate ?? 0)) {
    if (kind < 0.5 && names.length > 0) {
      const crashing = names[Math.floor(kind * 2 * names.length)];
      modules[crashing] = { runtimeStatus: 'backoff', exitCode: 1 };
      return { ...base, code: 500, description: `failed to start module ${crashing}`, modules };
    }
    return { ...base, code: 406, description: 'not connected to IoT Hub', modules: {} };
  }
  return { ...base, code: 200, description: '', modules };
}

/**
 * Simulates every device of the rendering and writes its report as one ndjson
 * line through `write` (several lines per call). Manifests are parsed and checked once per blob.
 */
export async function simulate(rendering: Rendering, write: (lines: string) => Promise<void> | void, options: SimulateOptions = {}): Promise<SimulateResult> {
  const byBlob = new Map<string, Manifest | string>();
  const diagnostics: PlacedDiagnostic[] = [];
  let devices = 0;
  let success = 0;
  let failure = 0;
  let pending = 0;
  let text = '';
  for await (const file of rendering.files()) {
    let manifest = file.oid ? byBlob.get(file.oid) : undefined;
    if (manifest === undefined) {
      manifest = parseManifest(await file.read());
      if (file.oid) byBlob.set(file.oid, manifest);
    }
    if (typeof manifest === 'string') {
      diagnostics.push({ severity: 'warning', code: 'rendering/invalid', message: `${manifest}: the device is skipped`, file: file.path, line: 1, column: 1 });
      continue;
    }
    devices++;
    const report = simulateDevice(file.deviceId, manifest, options, rendering.committedAt);
    if (report === undefined) {
      pending++;
      continue;
    }
    if (failureOf(report) !== undefined) failure++;
    else success++;
    // Written in ~1 MB pieces: a million single writes cost more than the reports.
    text += `${JSON.stringify(report)}\n`;
    if (text.length >= WRITE_CHUNK) {
      await write(text);
      text = '';
    }
  }
  if (text) await write(text);
  return { devices, success, failure, pending, diagnostics };
}
