/** Worker thread: scans fleet files (see fleet-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeValue } from './fleet-parallel-codec.js';
import type { FleetInput, WorkerMessage, WorkerResult } from './fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from './fleet-scanner.js';
import { streamFleetFile, type FileStamp } from './fleet-stream.js';
import { fastPathText, type YamlLimits } from './yaml-text.js';

const { files, limits } = workerData as { files: FleetInput[]; limits: YamlLimits };
const stamps: (FileStamp | undefined)[] = files.map(() => undefined);
const results = files.map(({ bytes, path }, i): WorkerResult => {
  if (path !== undefined) {
    // Read here as it is scanned; where that does not work out, the main thread reads it whole.
    const streamed = streamFleetFile(path, limits);
    stamps[i] = streamed?.stamp;
    return streamed ? encodeValue(streamed.value) : 'unchecked';
  }
  const windowed = scanFleetWindowed(bytes, limits);
  if (windowed !== undefined) return encodeValue(windowed);
  // The checks readYaml makes before its fast path, made here: the main thread then neither decodes nor checks the file.
  const text = fastPathText(bytes, limits);
  if (text === undefined) return 'unchecked';
  const value = scanFleet(text);
  return value === undefined ? 'yaml' : encodeValue(value);
});
// Bytes that were moved here go back the same way; the others were copies (the main thread kept its own).
const bytes = files.map((f) => (f.move ? f.bytes : new Uint8Array(0)));
const message: WorkerMessage = { results, bytes, stamps };
parentPort!.postMessage(message, [
  ...results.flatMap((r) => (typeof r === 'object' ? [r.tokens.buffer as ArrayBuffer, r.numbers.buffer as ArrayBuffer] : [])),
  ...files.flatMap((f) => (f.move ? [f.bytes.buffer as ArrayBuffer] : [])),
]);
