/**
 * The code is bundle-safe: the CLI bundled with esbuild (as the Action is) prints
 * exactly what the tsc build prints, and the fleet worker runs from the bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel, Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, root } from '../scripts/bundle.mjs';
import { columnsFleetFile } from '../src/core/fleet-columns.js';
import { buildFleetFile } from '../src/core/validate/fleet.js';
import type { ScannedColumns } from '../src/io/fleet-columns-scanner.js';
import type { WorkerMessage } from '../src/io/fleet-parallel.js';
import { scanFleet } from '../src/io/fleet-scanner.js';
import { FLEET_LIMITS } from '../src/usecases/load.js';
import { generate } from './support/fleet-generator.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

const exec = async (file: string, args: string[]) =>
  promisify(execFile)(process.execPath, [file, ...args], { cwd: root, maxBuffer: 1 << 26 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

/** A repository with many deployments, one of them invalid. */
function manyDeployments(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-bundle-repo-'));
  mkdirSync(path.join(dir, 'deployments'));
  mkdirSync(path.join(dir, 'fleet'));
  for (let i = 0; i < 80; i++) {
    writeFileSync(path.join(dir, 'deployments', `d${i}.yaml`), deploymentYaml({ priority: i, targetCondition: `tags.n = ${i}` }));
  }
  writeFileSync(path.join(dir, 'deployments', 'd7.yaml'), `colour: blue\n${deploymentYaml({ priority: 7, targetCondition: 'tags.n = 7' })}`);
  writeFileSync(path.join(dir, 'fleet', 'f.yaml'), fleetYaml(Array.from({ length: 80 }, (_, i) => ({ deviceId: `dev${i}`, tags: { n: i } }))));
  return dir;
}

describe.skipIf(!existsSync(path.join(root, 'lib/cli/main.js')))('the CLI bundled with esbuild', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'edgeops-bundle-'));
  const cli = path.join(out, 'cli.js');
  const tsc = path.join(root, 'bin/edgeops.js');

  beforeAll(async () => {
    // The tiny entry a bundle needs (bin/edgeops.js imports lib/, which a bundle has not).
    const entry = path.join(out, 'entry.ts');
    writeFileSync(
      entry,
      `import { run } from ${JSON.stringify(path.join(root, 'src/cli/main.ts'))};\n` +
        'process.exitCode = await run(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });\n',
    );
    await bundle({ entryPoints: { cli: entry }, outdir: out });
  }, 60_000);

  const commands = [['resolve'], ['resolve', '--format', 'json'], ['validate', '--format', 'json'], ['--version']];
  it.each(commands.map((args) => [args.join(' '), args] as const))('%s prints what the tsc build prints', async (_, args) => {
    const [bundled, built] = await Promise.all([exec(cli, [...args]), exec(tsc, [...args])]);
    expect(bundled.stderr).toBe('');
    expect(bundled).toEqual(built);
    expect(bundled.stdout.length).toBeGreaterThan(0);
  });

  it('reads many deployments with the same diagnostics as the tsc build', async () => {
    const repo = manyDeployments();
    const args = ['validate', '--repo', repo, '--format', 'json'];
    const [bundled, built] = await Promise.all([exec(cli, args), exec(tsc, args)]);
    expect(bundled).toEqual(built);
    expect(bundled.code).toBe(1);
    expect(JSON.parse(bundled.stdout).diagnostics.map((d: { file: string; code: string }) => `${d.file} ${d.code}`)).toContain(
      'deployments/d7.yaml schema/invalid',
    );
  });

  it('runs its fleet worker from the bundle: the files it scans come back as the scanner reads them', async () => {
    const text = Object.entries(generate(500, 5, 3, 1).files).find(([name]) => name.startsWith('fleet/'))![1];
    expect(scanFleet(text)).toBeDefined();
    const { port1, port2 } = new MessageChannel();
    const { result } = await new Promise<WorkerMessage>((resolve, reject) => {
      const worker = new Worker(path.join(out, 'fleet-parallel-worker.js'), {
        workerData: {
          files: [{ file: 'fleet/f.yaml', bytes: Buffer.from(text) }],
          queue: [],
          next: new Int32Array(new SharedArrayBuffer(4)),
          port: port2,
          limits: FLEET_LIMITS,
        },
        transferList: [port2],
      });
      port1.once('message', (r: WorkerMessage) => {
        resolve(r);
        port1.close();
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    const results = [result];
    expect(results[0]).toBeTypeOf('object');
    // It only scans: the yaml library (a third of a megabyte to load in every worker) stays out of it.
    expect(readFileSync(path.join(out, 'fleet-parallel-worker.js'), 'utf8')).not.toMatch(/parseDocument|class Composer/);
    // A clean file comes back as columns, whose devices are those built from the scanner's value.
    const { columns } = results[0] as ScannedColumns;
    expect(JSON.stringify(columnsFleetFile(columns).devices)).toBe(JSON.stringify(buildFleetFile('fleet/f.yaml', scanFleet(text)).devices));
  });
});
