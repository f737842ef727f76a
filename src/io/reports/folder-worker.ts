/** Worker thread: reads a reports folder into compact form (see folder.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeCompactRead, readCompact } from './folder.js';

const { dir, display, maxDiagnostics } = workerData as { dir: string; display: string; maxDiagnostics: number };
const { message, transfer } = encodeCompactRead(await readCompact(dir, display, maxDiagnostics));
parentPort!.postMessage(message, transfer);
