/**
 * `npm run bench`: generates fleets (never committed: bench/out/ is ignored), then
 * measures each size as an operator runs it first (whole `edgeops` processes, see
 * whole.ts) and then phase by phase in one process (measure.ts); prints two tables
 * (or JSON with --json).
 * Then the anchors (anchors.ts): `validate` beside `node` + JSON.parse of the fleet as
 * JSON, `resolve --format json` beside SQLite doing the same resolution.
 *   npm run bench -- [--sizes 200000x300,1000000x1000] [--runs 3] [--anchors 200000|none] [--json]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureAnchorsApart, printAnchors, type AnchorResult } from './anchors.js';
import { generatedRepository } from './fleets.js';
import { measureWhole, type WholeRow } from './whole.js';

const { values } = parseArgs({
  options: {
    // The sizes of issue #13's table: plans at 200k × 300, the rest at 1M × 1000.
    sizes: { type: 'string', default: '200000x300,1000000x1000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    // Also time plans (two git commits in-process; `plan --base HEAD~1` against the
    // working tree as a whole process) for fleets up to this size.
    'git-up-to': { type: 'string', default: '200000' },
    // The GitHub App, webhook to completed check run (bench/app.ts); '' to skip.
    'app-sizes': { type: 'string', default: '100000' },
    // Anchors: the JSON.parse one for every size, the SQLite one for fleets up to this
    // many devices; 'none' skips both.
    anchors: { type: 'string', default: '200000' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
// The CLI figure is for the built JavaScript, built as `npm run build` builds it (lib/ and the bundled
// command line that bin/edgeops.js runs): build it first so it is current.
execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
const results = [];
const whole: { size: string; rows: WholeRow[] }[] = [];
const anchors: AnchorResult[] = [];
for (const size of values.sizes.split(',')) {
  const { dir, devices } = generatedRepository(size);
  if (!values.json) process.stderr.write(`whole processes ${size}\n`);
  whole.push({ size, rows: measureWhole(dir, Number(values.runs), { plan: devices <= Number(values['git-up-to']) }) });
  if (values.anchors !== 'none') {
    if (!values.json) process.stderr.write(`anchors ${size}\n`);
    anchors.push(measureAnchorsApart(size, Number(values.runs), Number(values.anchors)));
  }
  const measured = JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', path.join(root, 'bench/measure.ts'), dir, values.runs], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, BENCH_GIT: devices <= Number(values['git-up-to']) ? '1' : '0' },
    }),
  );
  results.push(measured);
  if (!values.json) process.stderr.write(`measured ${size}\n`);
}
const f = (n: number | null, d = 0) => (n === null ? '–' : n.toFixed(d));
const printTable = (header: string[], rows: string[][]) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
};
if (values.json) {
  process.stdout.write(`${JSON.stringify({ whole, anchors, phases: results }, null, 2)}\n`);
} else {
  process.stdout.write(`Whole process (node bin/edgeops.js …, medians of ${values.runs} paired rounds; CPU = user + system, all threads)\n`);
  const rows = whole.flatMap(({ size, rows: rs }) => {
    const resolveInRepo = rs.find((r) => r.name.startsWith('resolve --format json (git'));
    return rs.map((r) => [
      `${size}  ${r.name}`,
      f(r.ms),
      f(r.cpuMs),
      f(r.rssMB),
      r.name.startsWith('plan') && resolveInRepo
        ? `${(r.ms / resolveInRepo.ms).toFixed(2)}× resolve (CPU ${r.cpuMs && resolveInRepo.cpuMs ? (r.cpuMs / resolveInRepo.cpuMs).toFixed(2) : '–'}×)`
        : '',
    ]);
  });
  printTable(['size  command', 'wall ms', 'CPU ms', 'peak RSS MB', ''], rows);
  if (anchors.length) {
    process.stdout.write('\n');
    printAnchors(anchors, Number(values.runs), (s) => process.stdout.write(s));
  }
  process.stdout.write('\nPhases in one process (built JavaScript, medians)\n');
}
if (!values.json) {
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
  ]);
  printTable(header, rows);
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
