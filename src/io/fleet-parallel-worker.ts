/** Worker thread: scans fleet files (see fleet-parallel.ts) and posts each as it is done. */
import { workerData } from 'node:worker_threads';
import { encodeValue } from './fleet-parallel-codec.js';
import type { WorkerData, WorkerMessage, WorkerResult } from './fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from './fleet-scanner.js';
import { streamFleetFile } from './fleet-stream.js';
import { fastPathText, type YamlLimits } from './yaml-text.js';

const { files, queue, next, port, limits } = workerData as WorkerData;

/** A file given as bytes: the checks readYaml makes before its fast path, made here, so the main thread neither decodes nor checks it. */
function scanBytes(bytes: Uint8Array, limits: YamlLimits): WorkerResult {
  const windowed = scanFleetWindowed(bytes, limits);
  if (windowed !== undefined) return encodeValue(windowed);
  const text = fastPathText(bytes, limits);
  if (text === undefined) return 'unchecked';
  const value = scanFleet(text);
  return value === undefined ? 'yaml' : encodeValue(value);
}

const post = (message: WorkerMessage): void => {
  const { result, bytes } = message;
  const transfer = typeof result === 'object' ? [result.tokens.buffer as ArrayBuffer, result.numbers.buffer as ArrayBuffer] : [];
  if (bytes) transfer.push(bytes.buffer as ArrayBuffer);
  port.postMessage(message, transfer);
};

/** A file on disk, read here as it is scanned; where that does not work out, the main thread reads it whole. */
function scanPath(slot: number, path: string): void {
  const streamed = streamFleetFile(path, limits);
  post({ slot, result: streamed ? encodeValue(streamed.value) : 'unchecked', stamp: streamed?.stamp });
}

files.forEach((f, slot) => {
  if (f.path !== undefined) return scanPath(slot, f.path);
  // Bytes moved here go back the same way; the others were copies (the main thread kept its own).
  post({ slot, result: scanBytes(f.bytes, limits), bytes: f.move ? f.bytes : undefined });
});
for (let q = Atomics.add(next, 0, 1); q < queue.length; q = Atomics.add(next, 0, 1)) scanPath(files.length + q, queue[q]);
