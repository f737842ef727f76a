/** Worker thread: scans fleet files (see fleet-parallel.ts) and posts each as it is done. */
import { workerData } from 'node:worker_threads';
import { scanFleetColumnsBytes } from './fleet-columns-scanner.js';
import { encodeDevices, encodeValue } from './fleet-parallel-codec.js';
import type { EncodedFleetFile, QueuedFile, WorkerData, WorkerMessage, WorkerResult } from './fleet-parallel.js';
import { scanFleet, scanFleetWindowed } from './fleet-scanner.js';
import { streamBuiltFleetFile, streamFleetColumns } from './fleet-stream.js';
import { fastPathText, type YamlLimits } from './yaml-text.js';

const { files, queue, next, port, limits } = workerData as WorkerData;

/** A file given as bytes: the checks readYaml makes before its fast path, made here, so the main thread neither decodes nor checks it. */
function scanBytes(file: string, bytes: Uint8Array, limits: YamlLimits): WorkerResult {
  const columns = scanFleetColumnsBytes(file, bytes, limits);
  if (columns) return columns;
  const windowed = scanFleetWindowed(bytes, limits);
  if (windowed !== undefined) return encodeValue(windowed);
  const text = fastPathText(bytes, limits);
  if (text === undefined) return 'unchecked';
  const value = scanFleet(text);
  return value === undefined ? 'yaml' : encodeValue(value);
}

const post = (message: WorkerMessage): void => {
  const { result, bytes } = message;
  const transfer: ArrayBuffer[] = [];
  if (typeof result === 'object' && 'columns' in result) {
    const { shapeOf, columns } = result.columns;
    transfer.push(shapeOf.buffer as ArrayBuffer, result.offsets.buffer as ArrayBuffer, ...columns.map((c) => c.buffer as ArrayBuffer));
  } else if (typeof result === 'object') {
    const encoded = 'offsets' in result ? result.devices : result;
    transfer.push(encoded.tokens.buffer as ArrayBuffer, encoded.numbers.buffer as ArrayBuffer);
    if ('offsets' in result) transfer.push(result.offsets.buffer as ArrayBuffer);
  }
  if (bytes) transfer.push(bytes.buffer as ArrayBuffer);
  port.postMessage(message, transfer);
};

/**
 * A file on disk, read here as it is scanned, and its devices built here too: the main
 * thread then makes only the devices, not the file's mappings as well. Where reading
 * does not work out, the main thread reads it whole.
 */
function scanPath(slot: number, { file, path }: QueuedFile): void {
  const columns = streamFleetColumns(file, path, limits);
  if (columns) {
    const { stamp, ...result } = columns;
    return post({ slot, result, stamp });
  }
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
  post({ slot, result: scanBytes(f.file, f.bytes, limits), bytes: f.move ? f.bytes : undefined });
});
for (let q = Atomics.add(next, 0, 1); q < queue.length; q = Atomics.add(next, 0, 1)) scanPath(files.length + q, queue[q]);
