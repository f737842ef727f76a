/** `explain`: why one device gets what it gets. */
import { explainDevice, type DeviceExplanation } from '../core/explain.js';
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
  return { loaded, explanation: explainDevice(loaded.analysis, deviceId), valid: loaded.valid };
}
