/**
 * Device reports from Azure IoT Hub: each device's `$edgeAgent` module twin,
 * mapped the way IoT Hub computes its own deployment metrics. The agent's
 * report (`lastDesiredStatus`, module runtime states) is about the current
 * desired content only when `properties.reported.lastDesiredVersion` equals
 * `properties.desired.$version`; only then does the report carry the content
 * hash of what edgeops delivered (via `contentHashOf`), so status counts a
 * report about older content as pending. A device whose agent has not reported
 * yet yields nothing (no report: pending). A twin that cannot be read is a
 * warning naming its position in the query results, never fatal; a hub that
 * cannot be queried rejects with an `IotHubError` whose message is safe to print.
 */
import type { PlacedDiagnostic } from '../../core/diagnostics.js';
import { canonicalJson } from '../../core/manifest/canonical.js';
import { record } from '../../core/record.js';
import type { DeviceReport, ModuleReport } from '../../core/status/report.js';
import { EDGE_AGENT_TWINS_QUERY, type IotHubClient } from '../iothub/client.js';
import type { ReportItem, ReportSource } from './report-source.js';
import { isMapping } from '../../core/collections.js';

type Json = Record<string, unknown>;

export interface IotHubReportSourceOptions {
  readonly client: Pick<IotHubClient, 'hostName' | 'queryModuleTwins'>;
  /**
   * The edgeops content hash (`sha256:…`) of the manifest whose `$edgeAgent`
   * desired properties these are (top-level `$metadata` and `$version` removed),
   * or undefined when edgeops did not deliver them. `edgeAgentDesiredKey` gives
   * the canonical JSON to compare. Without it, reports carry no content hash.
   */
  readonly contentHashOf?: (desiredAgentProperties: Readonly<Json>, deviceId: string) => string | undefined;
  /** Default: every `$edgeAgent` module twin. */
  readonly query?: string;
}

/** The `$edgeAgent` desired properties without the twin's own `$metadata` and `$version`. */
export function edgeAgentDesired(desired: Readonly<Json>): Json {
  const { $metadata: _metadata, $version: _version, ...content } = desired;
  return content;
}

/**
 * Canonical JSON of `$edgeAgent` desired properties, equal for a twin's desired
 * properties and for the `modulesContent.$edgeAgent['properties.desired']` edgeops
 * rendered and delivered: the key to map one to the other.
 */
export const edgeAgentDesiredKey = (desired: Readonly<Json>): string => canonicalJson(edgeAgentDesired(desired));

/** Runtime states from reported `systemModules` and `modules` (a module of the same name as a system module wins). */
function modulesOf(reported: Json): Record<string, ModuleReport> | undefined {
  // Module names come from the device: `__proto__` must stay a name.
  const out = record<ModuleReport>();
  let any = false;
  for (const group of [reported.systemModules, reported.modules]) {
    if (!isMapping(group)) continue;
    for (const [name, module] of Object.entries(group)) {
      if (!isMapping(module)) continue;
      any = true;
      out[name] = {
        runtimeStatus: typeof module.runtimeStatus === 'string' ? module.runtimeStatus : 'unknown',
        ...(typeof module.exitCode === 'number' ? { exitCode: module.exitCode } : {}),
        ...(typeof module.statusDescription === 'string' && module.statusDescription !== '' ? { statusDescription: module.statusDescription } : {}),
      };
    }
  }
  return any ? out : undefined;
}

function reportedAtOf(reported: Json): string | undefined {
  const metadata = reported.$metadata;
  if (!isMapping(metadata)) return undefined;
  const status = metadata.lastDesiredStatus;
  const at = isMapping(status) && typeof status.$lastUpdated === 'string' ? status.$lastUpdated : metadata.$lastUpdated;
  return typeof at === 'string' ? at : undefined;
}

/** A twin → a report, nothing (the agent has not reported), or why it cannot be read. */
export function reportOfTwin(twin: Readonly<Json>, contentHashOf: IotHubReportSourceOptions['contentHashOf']): DeviceReport | undefined | { problem: string } {
  const deviceId = twin.deviceId;
  if (typeof deviceId !== 'string' || deviceId === '') return { problem: 'no deviceId' };
  if (twin.moduleId !== undefined && twin.moduleId !== '$edgeAgent') return { problem: `module ${String(twin.moduleId)} is not $edgeAgent` };
  const properties = twin.properties;
  if (!isMapping(properties) || !isMapping(properties.desired)) return { problem: 'no properties.desired' };
  const { desired } = properties;
  const reported = isMapping(properties.reported) ? properties.reported : {};
  const status = reported.lastDesiredStatus;
  if (status === undefined) return undefined;
  if (!isMapping(status) || typeof status.code !== 'number' || !Number.isInteger(status.code)) {
    return { problem: 'properties.reported.lastDesiredStatus has no numeric code' };
  }
  const version = desired.$version;
  const lastDesiredVersion = reported.lastDesiredVersion;
  if (lastDesiredVersion !== undefined && typeof lastDesiredVersion !== 'number') return { problem: 'properties.reported.lastDesiredVersion is not a number' };
  const current = typeof version === 'number' && lastDesiredVersion === version;
  const contentHash = current && contentHashOf ? contentHashOf(edgeAgentDesired(desired), deviceId) : undefined;
  const modules = modulesOf(reported);
  const reportedAt = reportedAtOf(reported);
  return {
    deviceId,
    ...(contentHash !== undefined ? { contentHash } : {}),
    code: status.code,
    ...(typeof status.description === 'string' && status.description !== '' ? { description: status.description } : {}),
    ...(modules ? { modules } : {}),
    ...(reportedAt ? { reportedAt } : {}),
  };
}

/** Reports from the `$edgeAgent` module twins of an IoT hub, e.g. `iothubReportSource({ client, contentHashOf })`. */
export function iothubReportSource(options: IotHubReportSourceOptions): ReportSource {
  const file = `iothub:${options.client.hostName}`;
  return {
    description: file,
    async *reports(): AsyncGenerator<ReportItem> {
      let n = 0;
      for await (const twin of options.client.queryModuleTwins(options.query ?? EDGE_AGENT_TWINS_QUERY)) {
        n++;
        const mapped = reportOfTwin(twin, options.contentHashOf);
        if (mapped === undefined) continue;
        if ('problem' in mapped) {
          const who = typeof twin.deviceId === 'string' ? ` (device ${JSON.stringify(twin.deviceId)})` : '';
          const diagnostic: PlacedDiagnostic = {
            severity: 'warning',
            code: 'report/invalid',
            message: `module twin ${n}${who}: ${mapped.problem}: this twin is skipped`,
            file,
            line: n,
            column: 1,
          };
          yield { diagnostic };
        } else yield { report: mapped };
      }
    },
  };
}
