/** `validate`: read a repository and report every problem (resolution included: ties are only visible on shared devices). */
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Source } from '../io/source.js';
import { compareDiagnostics, loadRepository, type LoadedRepository, type LoadOptions } from './load.js';
import { loadPolicy } from './policy.js';

export interface ValidateResult {
  readonly loaded: LoadedRepository;
  readonly valid: boolean;
  /** The repository's problems and those of `.github/edgeops.yml`. */
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly deployments: number;
  readonly devices: number;
  readonly files: number;
}

export async function validate(source: Source, options: LoadOptions = {}): Promise<ValidateResult> {
  const [loaded, settings] = await Promise.all([loadRepository(source, options), loadPolicy(source)]);
  const { repository } = loaded.analysis;
  const diagnostics = [...loaded.diagnostics, ...settings.diagnostics].sort(compareDiagnostics);
  return {
    loaded,
    valid: !diagnostics.some((d) => d.severity === 'error'),
    diagnostics,
    deployments: repository.deployments.length,
    devices: loaded.analysis.fleetIndex.size,
    files: loaded.files.size + (settings.present ? 1 : 0),
  };
}
