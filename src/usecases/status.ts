/** `status`: deployment metrics from device reports, against the repository's current resolution. */
import { contentHashOf, renderModulesContent } from '../core/manifest/render.js';
import { append, type PlacedDiagnostic } from '../core/diagnostics.js';
import type { Analysis } from '../core/analysis/analyze.js';
import { statusFolder, type StatusResult } from '../core/status/status.js';
import { edgeAgentDesiredKey } from '../io/reports/iothub.js';
import type { ReportSource } from '../io/reports/report-source.js';
import type { Source } from '../io/source.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from './load.js';
import { isMapping } from '../core/collections.js';
import { andMore } from '../core/text.js';

export interface StatusOutcome {
  readonly loaded: LoadedRepository;
  readonly status: StatusResult;
  /** The repository's problems, then the reports' (bad reports, unknown devices). */
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly valid: boolean;
}

/** Each deployment's current content hash, by deployment id. */
export function currentContentHashes(analysis: Analysis): Map<string, string> {
  return new Map(analysis.repository.deployments.map((d) => [d.id, contentHashOf(d)]));
}

/** Maps a twin's `$edgeAgent` desired properties to the content hash of what edgeops delivered. */
export type DesiredContentLookup = (desiredAgentProperties: unknown) => string | undefined;

/**
 * `contentHashOf(desiredAgentProperties)` for the IoT Hub report source: the
 * `$edgeAgent` desired properties a device's twin holds (with or without `$version`
 * and `$metadata`) → the content hash of the current deployment that renders
 * exactly them, or `undefined` when none does (older content, or set by hand).
 */
export function desiredContentLookup(analysis: Analysis): DesiredContentLookup {
  const byDesired = new Map<string, string>();
  for (const d of analysis.repository.deployments) {
    const agent = renderModulesContent(d.modulesContent).$edgeAgent;
    const desired = isMapping(agent) ? agent['properties.desired'] : undefined;
    if (isMapping(desired)) byDesired.set(edgeAgentDesiredKey(desired), contentHashOf(d));
  }
  return (desired) => (isMapping(desired) ? byDesired.get(edgeAgentDesiredKey(desired)) : undefined);
}

async function* single<T>(items: AsyncIterable<T>): AsyncGenerator<readonly T[]> {
  for await (const item of items) yield [item];
}

/** Bad reports listed one by one; the rest are counted in one last diagnostic. */
export const MAX_REPORT_DIAGNOSTICS = 1000;

/** Reads the repository, then folds every report the source yields (a source, or a function making one from the lookup). */
export async function status(
  source: Source,
  reports: ReportSource | ((contentHashOf: DesiredContentLookup) => ReportSource),
  options: LoadOptions = {},
): Promise<StatusOutcome> {
  // A folder's reports are read on another thread while the repository loads.
  const early = typeof reports === 'function' ? undefined : reports.compact?.(MAX_REPORT_DIAGNOSTICS);
  // Not awaited until the repository is read: a failure then must not be an unhandled rejection meanwhile.
  early?.catch(() => undefined);
  const loaded = await loadRepository(source, options);
  const { analysis } = loaded;
  // The IoT Hub source needs to know what edgeops delivered: it is made once the repository is read.
  const reportSource = typeof reports === 'function' ? reports(desiredContentLookup(analysis)) : reports;
  const folder = statusFolder(analysis.resolution, currentContentHashes(analysis));
  const diagnostics: PlacedDiagnostic[] = [];
  append(diagnostics, loaded.diagnostics);
  let bad = 0;
  if (early) {
    const read = await early;
    folder.addCompact(read.reports);
    append(diagnostics, read.diagnostics);
    bad = read.bad;
  } else {
    for await (const batch of reportSource.batches?.() ?? single(reportSource.reports())) {
      for (const item of batch) {
        if ('report' in item) folder.add(item.report);
        else if (++bad <= MAX_REPORT_DIAGNOSTICS) diagnostics.push(item.diagnostic);
      }
    }
  }
  if (bad > MAX_REPORT_DIAGNOSTICS) {
    diagnostics.push({
      severity: 'warning',
      code: 'report/invalid',
      message: `${andMore(bad - MAX_REPORT_DIAGNOSTICS, 'bad reports')}, not listed`,
      file: reportSource.description,
      line: 1,
      column: 1,
    });
  }
  const result = folder.finish();
  for (const d of result.diagnostics) {
    diagnostics.push({ severity: d.severity, code: d.code, message: d.message, file: reportSource.description, line: 1, column: 1 });
  }
  return { loaded, status: result, diagnostics, valid: loaded.valid };
}
