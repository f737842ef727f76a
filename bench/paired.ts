/**
 * Before/after, paired: the same commands with two builds of edgeops (e.g. main
 * exported and built elsewhere, and this tree), alternating run by run, medians.
 *   tsx bench/paired.ts BEFORE_BIN DIR [RUNS] [plan: 1|0]
 */
import path from 'node:path';
import { gitRepository, spawnRun, type Run } from './whole.js';

const [before, dirArg, runsArg = '3', planArg = '1'] = process.argv.slice(2);
const dir = path.resolve(dirArg);
const after = path.resolve(import.meta.dirname, '../bin/edgeops.js');
const commands: [string, string[], string][] = [
  ['edgeops --version', ['--version'], dir],
  ['validate', ['validate', '--repo', dir], dir],
  ['resolve --format json', ['resolve', '--repo', dir, '--format', 'json'], dir],
];
if (planArg === '1') {
  const repo = gitRepository(dir);
  commands.push(['resolve --format json (git repo)', ['resolve', '--format', 'json'], repo]);
  commands.push(['plan --base HEAD~1 (working tree)', ['plan', '--base', 'HEAD~1', '--format', 'json'], repo]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = commands.map(() => ({ before: [] as Run[], after: [] as Run[] }));
for (let round = 0; round < Number(runsArg); round++) {
  commands.forEach(([, args, cwd], i) => {
    runs[i].before.push(spawnRun(args, cwd, before));
    runs[i].after.push(spawnRun(args, cwd, after));
  });
}
const show = (rs: Run[]) =>
  `${median(rs.map((r) => r.ms))
    .toFixed(0)
    .padStart(7)} ms ${median(rs.map((r) => r.cpuMs ?? NaN))
    .toFixed(0)
    .padStart(7)} ms CPU ${median(rs.map((r) => r.rssMB ?? NaN))
    .toFixed(0)
    .padStart(6)} MB`;
process.stdout.write(`${'command'.padEnd(36)} ${'before'.padEnd(36)} after\n`);
commands.forEach(([name], i) => process.stdout.write(`${name.padEnd(36)} ${show(runs[i].before)}   ${show(runs[i].after)}\n`));
