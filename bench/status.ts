/**
 * `npx tsx bench/status.ts [--devices 1000000] [--deployments 100] [--runs 3]`:
 * `edgeops status` over a generated fleet and one ndjson file with one report line
 * per device (most succeed on the current content; some fail by code or module,
 * some report older content, some never report, and their lines go to devices the
 * fleet does not have). Times the whole CLI process (built JS, JSON to /dev/null)
 * and its peak RSS (GNU time's %M). Budget: ≤ 5 s and ≤ 1.5 GB for 1M + 1M.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate, writeRepository } from '../test/support/fleet-generator.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000000' },
    deployments: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const devices = Number(values.devices);
const deployments = Number(values.deployments);
const root = path.resolve(import.meta.dirname, '..');
// Built as `npm run build` builds it: lib/ and the bundled command line that bin/edgeops.js runs.
execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
const dist = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, dist).href)) as T;

const dir = path.join(root, 'bench/out', `${devices}x${deployments}`);
if (!existsSync(path.join(dir, 'meta.json'))) {
  const fleet = generate(devices, deployments);
  writeRepository(dir, fleet);
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ devices, deployments, fleetBytes: fleet.fleetBytes }));
}

const reportsDir = path.join(root, 'bench/out', `${devices}x${deployments}-reports`);
const reportsFile = path.join(reportsDir, 'reports.ndjson');
if (!existsSync(reportsFile)) {
  const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
  const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
  const { currentContentHashes } = await built<typeof import('../src/usecases/status.js')>('usecases/status.js');
  const { analysis } = await loadRepository(diskSource(dir));
  const hashes = currentContentHashes(analysis);
  const { deviceIds, winners } = analysis.resolution;
  mkdirSync(reportsDir, { recursive: true });
  const fd = openSync(`${reportsFile}.tmp`, 'w');
  const older = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';
  let text = '';
  for (let i = 0; i < deviceIds.length; i++) {
    const deployment = winners[i] ?? 'none';
    const contentHash = hashes.get(deployment) ?? older;
    const kind = i % 20;
    const report =
      kind === 0
        ? { deviceId: `removed-${i}`, deployment, contentHash, code: 200 }
        : {
            deviceId: deviceIds[i],
            deployment,
            contentHash: kind === 1 ? older : contentHash,
            code: kind === 2 ? 500 : 200,
            description: kind === 2 ? 'failed to pull image' : '',
            modules: { sensor: kind === 3 ? { runtimeStatus: 'backoff', exitCode: 1 } : { runtimeStatus: 'running' } },
            reportedAt: '2026-11-20T10:00:00Z',
          };
    text += `${JSON.stringify(report)}\n`;
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
  renameSync(`${reportsFile}.tmp`, reportsFile);
}

const bin = path.join(root, 'bin/edgeops.js');
const gnuTime = existsSync('/usr/bin/time');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// CPU time (user + sys) is reported beside wall time: on a shared machine, wall time
// measures the neighbours too.
const measure = (args: string[]) => {
  const times: number[] = [];
  const cpu: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < Number(values.runs); r++) {
    const t = performance.now();
    const command = gnuTime ? '/usr/bin/time' : process.execPath;
    const argv = gnuTime ? ['-f', '%U %S %M', process.execPath, bin, ...args] : [bin, ...args];
    const child = spawnSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    times.push(performance.now() - t);
    if (gnuTime) {
      const [user, sys, maxRss] = child.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      cpu.push((user + sys) * 1000);
      rss.push(maxRss / 1024);
    }
    if (child.status !== 0) process.stderr.write(`exit ${child.status}: ${child.stderr.slice(0, 500)}\n`);
  }
  return { ms: Math.round(median(times)), cpuMs: gnuTime ? Math.round(median(cpu)) : null, peakRssMB: gnuTime ? Math.round(Math.max(...rss)) : null };
};
const common = ['status', '--repo', dir, '--reports', reportsDir];
const results = {
  devices,
  deployments,
  reportLines: devices,
  'status --format json': measure([...common, '--format', 'json']),
  'status (text)': measure(common),
  'status --devices --format json': measure([...common, '--devices', '--format', 'json']),
  // What every command pays before status folds a single report.
  'validate (load alone, for comparison)': measure(['validate', '--repo', dir]),
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
