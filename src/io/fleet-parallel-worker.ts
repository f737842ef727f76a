/** Worker thread: scans fleet files (see fleet-parallel.ts) and posts each as it is done. */
import { workerData } from 'node:worker_threads';
import { encodeDevices, encodeValue } from './fleet-parallel-codec.js';
import type { EncodedFleetFile, QueuedFile, WorkerData, WorkerMessage, WorkerResult } from './fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from './fleet-scanner.js';
import { streamBuiltFleetFile } from './fleet-stream.js';
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
  const encoded = typeof result !== 'object' ? undefined : 'offsets' in result ? result.devices : result;
  const transfer = encoded ? [encoded.tokens.buffer as ArrayBuffer, encoded.numbers.buffer as ArrayBuffer] : [];
  if (typeof result === 'object' && 'offsets' in result) transfer.push(result.offsets.buffer as ArrayBuffer);
  if (bytes) transfer.push(bytes.buffer as ArrayBuffer);
  port.postMessage(message, transfer);
};

/**
 * A file on disk, read here as it is scanned, and its devices built here too: the main
 * thread then makes only the devices, not the file's mappings as well. Where reading
 * does not work out, the main thread reads it whole.
 */
function scanPath(slot: number, { file, path }: QueuedFile): void {
  const built = streamBuiltFleetFile(file, path, limits);
  if (!built) return post({ slot, result: 'unchecked' });
  const { fleet, offsets, stamp } = built;
  const result: EncodedFleetFile = {
    file,
    devices: encodeDevices(fleet.devices),
    diagnostics: fleet.diagnostics,
    mixedCaseTagNames: fleet.mixedCaseTagNames,
    offsets: Int32Array.from(offsets),
  };
  post({ slot, result, stamp });
}

files.forEach((f, slot) => {
  // Bytes moved here go back the same way; the others were copies (the main thread kept its own).
  post({ slot, result: scanBytes(f.bytes, limits), bytes: f.move ? f.bytes : undefined });
});
for (let q = Atomics.add(next, 0, 1); q < queue.length; q = Atomics.add(next, 0, 1)) scanPath(files.length + q, queue[q]);
