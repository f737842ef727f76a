/** `validate`: read a repository and report every problem (resolution included: ties are only visible on shared devices). */
import type { Source } from '../io/source.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from './load.js';

export interface ValidateResult {
  readonly loaded: LoadedRepository;
  readonly valid: boolean;
  readonly deployments: number;
  readonly devices: number;
  readonly files: number;
}

export async function validate(source: Source, options: LoadOptions = {}): Promise<ValidateResult> {
  const loaded = await loadRepository(source, options);
  const { repository } = loaded.analysis;
  return {
    loaded,
    valid: loaded.valid,
    deployments: repository.deployments.length,
    devices: repository.fleet.devices.length,
    files: loaded.files.size,
  };
}
