/**
 * `npx tsx bench/apply-iothub.ts [--devices 100000] [--concurrency 16]`: the iothub sink
 * against the loopback emulator (test/support, in its own process so the hub and the
 * sender do not share a core): devices delivered per second on a first apply,
 * batches committed to edgeops/delivered/<host> included.
 */
import { spawn } from 'node:child_process';
import fs, { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { diskSource } from '../src/io/disk.js';
import { createIotHubClient } from '../src/io/iothub/client.js';
import { openRenderedRepository } from '../src/io/sinks/git.js';
import { iotHubSink } from '../src/io/sinks/iothub.js';
import { apply } from '../src/usecases/apply.js';
import { startIotHubEmulator } from '../test/support/iothub-emulator.js';
import { deviceIdOf, generate, writeRepository } from '../test/support/fleet-generator.js';

const { values } = parseArgs({
  options: { devices: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '16' }, serve: { type: 'boolean', default: false } },
});
if (values.serve) {
  // The hub's process: prints where it listens, serves until killed.
  const e = await startIotHubEmulator({ devices: Array.from({ length: Number(values.devices) }, (_, i) => deviceIdOf(i)) });
  process.stdout.write(`${JSON.stringify({ url: e.url, connectionString: e.connectionString })}\n`);
  await new Promise(() => undefined);
}
const devices = Number(values.devices);
const deployments = Math.max(10, Math.round(devices / 1000));
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'bench/out', `${devices}x${deployments}`);
if (!existsSync(path.join(dir, 'meta.json'))) {
  const fleet = generate(devices, deployments);
  writeRepository(dir, fleet);
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ devices, deployments, fleetBytes: fleet.fleetBytes }));
}
const renderedDir = path.join(root, 'bench/out', `rendered-iothub-${devices}x${deployments}`);
rmSync(renderedDir, { recursive: true, force: true });
const hubProcess = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve', '--devices', String(devices)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const emulator = await new Promise<{ url: string; connectionString: string }>((resolve) => {
  let out = '';
  hubProcess.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('\n')) resolve(JSON.parse(out));
  });
});
const client = createIotHubClient({ connectionString: emulator.connectionString, endpoint: emulator.url, concurrency: Number(values.concurrency) });
const sink = iotHubSink({ client, rendered: openRenderedRepository({ fs, dir: renderedDir }) });
let sendStart = 0;
const t = performance.now();
const result = await apply(diskSource(dir), sink, {
  sourceInfo: { ref: null, commit: null },
  onProgress: (done) => {
    if (done > 0 && sendStart === 0) sendStart = performance.now();
  },
});
const end = performance.now();
hubProcess.kill();
const sendSeconds = (end - sendStart) / 1000;
process.stdout.write(
  `${JSON.stringify({
    devices,
    pushed: result.pushed,
    failed: result.failed.length,
    totalSeconds: (end - t) / 1000,
    sendSeconds,
    devicesPerSecond: Math.round(result.pushed / sendSeconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
