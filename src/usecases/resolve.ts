/** `resolve`: the winning deployment of every device. */
import type { Resolution } from '../core/resolve/resolution.js';
import type { PlacedDiagnostic } from '../core/diagnostics.js';
import type { Source } from '../io/source.js';
import { loadRepository, type LoadedRepository, type LoadOptions } from './load.js';

export interface ResolveResult {
  readonly loaded: LoadedRepository;
  readonly resolution: Resolution;
  readonly diagnostics: readonly PlacedDiagnostic[];
  readonly valid: boolean;
}

export async function resolve(source: Source, options: LoadOptions = {}): Promise<ResolveResult> {
  const loaded = await loadRepository(source, options);
  return { loaded, resolution: loaded.analysis.resolution, diagnostics: loaded.diagnostics, valid: loaded.valid };
}
