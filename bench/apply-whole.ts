/**
 * `npx tsx bench/apply-whole.ts [--size 1000000x1000] [--rounds 5]`: whole `edgeops
 * apply` processes in a git working tree (as the Action runs it), into the embedded
 * rendered repository. A fresh copy of the generated repository is committed, then:
 * the first apply (nothing kept yet), a re-apply (pushes nothing), `rounds` applies
 * each after one deployment's content changed and was committed (what an operator's
 * merge does; the columns and the rendered state kept by the apply before are used),
 * and one more such apply with nothing kept (a fresh runner without actions/cache).
 * Wall clock and peak RSS per run; medians. bench/out/ is never committed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchRoot, generatedRepository } from './fleets.js';
import { median, spawnRun, type Run } from './whole.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '1000000x1000' }, rounds: { type: 'string', default: '5' } } });
execFileSync('npm', ['run', '-s', 'build'], { cwd: benchRoot, stdio: 'inherit' });

const source = generatedRepository(values.size);
const dir = path.join(benchRoot, 'bench/out', `${values.size}-apply`);
rmSync(dir, { recursive: true, force: true });
for (const folder of ['deployments', 'fleet']) cpSync(path.join(source.dir, folder), path.join(dir, folder), { recursive: true });
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd: dir, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-qm', 'fleet');

const apply = (): Run => spawnRun(['apply', '--repo', dir, '--format', 'json'], benchRoot);
/** Changes the agent image of the last deployment by name (the generator gives it the highest priority: it wins devices), and commits. */
function changeOneDeployment(tag: string): void {
  const folder = path.join(dir, 'deployments');
  const file = path.join(folder, readdirSync(folder).sort().at(-1)!);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/image: "([^":]*)(:[^"]*)?"/, `image: "$1:bench-${tag}"`));
  git('commit', '-qam', `change ${tag}`);
}
const show = (label: string, runs: readonly Run[]) =>
  process.stdout.write(
    `${label.padEnd(44)} ${runs.map((r) => (r.ms / 1000).toFixed(2)).join(' ')} s` +
      (runs.length > 1 ? `, median ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s` : '') +
      `, peak ${Math.max(...runs.map((r) => r.rssMB ?? 0)).toFixed(0)} MB\n`,
  );

process.stdout.write(`${values.size}, whole \`edgeops apply\` processes, ${new Date().toISOString()}\n`);
show('first apply (nothing kept)', [apply()]);
show('re-apply (pushes nothing)', [apply()]);
const changed: Run[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  changeOneDeployment(`${Date.now()}`);
  changed.push(apply());
}
show('after a one-deployment change', changed);
rmSync(path.join(dir, '.edgeops', 'cache'), { recursive: true, force: true });
rmSync(path.join(dir, '.edgeops', 'rendered', 'edgeops-state'), { recursive: true, force: true });
changeOneDeployment(`${Date.now()}`);
show('after a one-deployment change, nothing kept', [apply()]);
