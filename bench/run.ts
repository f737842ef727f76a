/**
 * `npm run bench`: generates fleets (never committed: bench/out/ is ignored), then
 * measures each in its own process and prints a table (or JSON with --json).
 *   npm run bench -- [--sizes 100000x100,1000000x1000] [--runs 3] [--json]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate, writeRepository } from './generate.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000x100,100000x1000,1000000x100,1000000x1000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    // Also time a plan read from two git commits (isomorphic-git) for fleets up to this size.
    'git-up-to': { type: 'string', default: '100000' },
    // The GitHub App, webhook to completed check run (bench/app.ts); '' to skip.
    'app-sizes': { type: 'string', default: '100000' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
// The CLI figure is for the built JavaScript: build it first so it is current.
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const results = [];
for (const size of values.sizes.split(',')) {
  const [devices, deployments] = size.split('x').map(Number);
  const dir = path.join(root, 'bench/out', `${devices}x${deployments}`);
  const metaFile = path.join(dir, 'meta.json');
  if (!existsSync(metaFile)) {
    const fleet = generate(devices, deployments);
    writeRepository(dir, fleet);
    writeFileSync(metaFile, JSON.stringify({ devices, deployments, fleetBytes: fleet.fleetBytes }));
  }
  const measured = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', path.join(root, 'bench/measure.ts'), dir, values.runs], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, BENCH_GIT: devices <= Number(values['git-up-to']) ? '1' : '0' },
    }),
  );
  // The CLI as a whole process, as an operator runs it (built JS, JSON to /dev/null).
  const bin = path.join(root, 'bin/edgeops.js');
  let cliMs: number | null = null;
  if (existsSync(path.join(root, 'lib/cli/main.js'))) {
    const t = performance.now();
    try {
      execFileSync(process.execPath, ['--max-old-space-size=16384', bin, 'resolve', '--repo', dir, '--format', 'json'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      // exit code 1 (warnings do not fail; errors would) still measures the run
    }
    cliMs = performance.now() - t;
  }
  results.push({ ...measured, cliResolveMs: cliMs });
  if (!values.json) process.stderr.write(`measured ${size}\n`);
}
if (values.json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const f = (n: number | null, d = 0) => (n === null ? '–' : n.toFixed(d));
  // load = read + parse + validate + index + resolve (what every command pays); index and
  // resolve are also shown alone; MB/s is of load+validate; plan compares two resolved
  // snapshots already in memory.
  // load+validate = load − index − first resolution (a derived figure).
  const header = [
    'devices',
    'deployments',
    'fleet MB',
    'load ms',
    'load+validate ms',
    'MB/s',
    'index ms',
    'resolve ms',
    'plan ms',
    'changed',
    'git plan ms',
    'disk load ms',
    'peak RSS MB',
    'CLI resolve ms',
  ];
  const rows = results.map((r) => [
    String(r.devices),
    String(r.deployments),
    f(r.fleetMB, 1),
    f(r.loadMs),
    f(r.validateMs),
    f(r.fleetMB / (r.validateMs / 1000), 1),
    f(r.indexMs),
    f(r.resolveMs),
    f(r.planMs),
    String(r.planChanged),
    f(r.gitPlanMs),
    f(r.diskLoadMs),
    f(r.peakRssMB),
    f(r.cliResolveMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padStart(widths[i])).join('  ')}\n`);
}
if (values['app-sizes']) {
  execFileSync(
    process.execPath,
    ['--max-old-space-size=16384', '--import', 'tsx', path.join(root, 'bench/app.ts'), '--sizes', values['app-sizes'], ...(values.json ? ['--json'] : [])],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}
