/** Worker thread: scans fleet files (see fleet-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeValue } from './fleet-parallel-codec.js';
import type { FleetInput, WorkerResult } from './fleet-parallel.js';
import { scanFleet } from './fleet-scanner.js';
import { fastPathText, type YamlLimits } from './yaml.js';

const { files, limits } = workerData as { files: FleetInput[]; limits: YamlLimits };
const results = files.map(({ bytes }): WorkerResult => {
  // The checks readYaml makes before its fast path, made here: the main thread then neither decodes nor checks the file.
  const text = fastPathText(bytes, limits);
  if (text === undefined) return 'unchecked';
  const value = scanFleet(text);
  return value === undefined ? 'yaml' : encodeValue(value);
});
parentPort!.postMessage(
  results,
  results.flatMap((r) => (typeof r === 'object' ? [r.tokens.buffer as ArrayBuffer, r.numbers.buffer as ArrayBuffer] : [])),
);
