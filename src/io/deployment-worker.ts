/** Worker thread: reads deployment files (see deployment-reader.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { readDeployment } from './deployment-reader.js';
import type { YamlLimits } from './yaml.js';

const { files, limits } = workerData as { files: { file: string; bytes: Uint8Array }[]; limits: YamlLimits };
parentPort!.postMessage(files.map(({ file, bytes }) => readDeployment(file, bytes, limits)));
