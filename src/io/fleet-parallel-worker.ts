/** Worker thread: scans fleet files (see fleet-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeValue, type EncodedValue } from './fleet-parallel-codec.js';
import type { FleetInput } from './fleet-parallel.js';
import { scanFleet } from './fleet-scanner.js';

// The very text readYaml gives the scanner: UTF-8 (TextDecoder drops a BOM), then one more BOM dropped.
const decoder = new TextDecoder('utf-8', { fatal: false });
const textOf = (bytes: Uint8Array): string => {
  const text = decoder.decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
};
const { files } = workerData as { files: FleetInput[] };
const results = files.map(({ bytes }): EncodedValue | undefined => {
  const value = scanFleet(textOf(bytes));
  return value === undefined ? undefined : encodeValue(value);
});
parentPort!.postMessage(
  results,
  results.flatMap((r) => (r ? [r.tokens.buffer as ArrayBuffer, r.numbers.buffer as ArrayBuffer] : [])),
);
