/** `explain`: why one device gets what it gets. */
import { explainDevice, type DeviceExplanation } from '../core/analysis/explain.js';
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Source } from '../io/source.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from './load.js';

export interface ExplainResult {
  readonly loaded: LoadedRepository;
  /** `undefined` when the fleet has no such device. */
  readonly explanation: DeviceExplanation | undefined;
  readonly valid: boolean;
}

export async function explain(source: Source, deviceId: string, options: LoadOptions = {}): Promise<ExplainResult> {
  const loaded = await loadRepository(source, options);
  const explanation = explainDevice(loaded.analysis, deviceId);
  const winner = explanation?.winner ? loaded.analysis.repository.deployments.find((d) => d.id === explanation.winner) : undefined;
  const manifestErrors = winner ? loaded.diagnostics.filter((d) => d.file === winner.file && d.severity === 'error' && isManifestProblem(d)) : [];
  const withManifest =
    explanation && manifestErrors.length > 0
      ? { ...explanation, winnerManifest: { errors: manifestErrors.length, first: manifestErrors[0].message, line: manifestErrors[0].line } }
      : explanation;
  return { loaded, explanation: withManifest, valid: loaded.valid };
}

/** A problem of the manifest (content), not of the condition, priority or createdAt that decide who wins. */
function isManifestProblem(d: PlacedDiagnostic): boolean {
  return (
    d.code.startsWith('manifest/') ||
    d.code === 'deployment/layered' ||
    (d.code === 'schema/invalid' && !/^(priority|createdAt|targetCondition|labels|id): /.test(d.message))
  );
}
