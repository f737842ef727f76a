/**
 * Whole-process figures: `node bin/edgeops.js …` spawned as an operator runs it
 * (built JavaScript, output to /dev/null), wall clock and peak RSS per run. The
 * commands of one size run round-robin (paired runs: each round measures every
 * command under the same machine conditions); the figures are medians.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/edgeops.js');
const TIME = '/usr/bin/time';

export interface Run {
  readonly ms: number;
  /** Peak resident set size of the process, MB (null when /usr/bin/time is missing). */
  readonly rssMB: number | null;
  /** User + system CPU time, ms (null without /usr/bin/time): steadier than wall clock on a busy machine. */
  readonly cpuMs: number | null;
}

/** One spawned run of edgeops (or another node `program`): wall clock, and peak RSS from GNU time. */
export function spawnRun(args: readonly string[], cwd: string, program = bin): Run {
  return spawnTimed(process.execPath, [program, ...args], cwd, { ok: [0, 1] });
}

export interface SpawnOptions {
  /** A file for the process's standard input (default: none). */
  readonly stdin?: string;
  /** A file for its standard output (default: discarded). */
  readonly stdout?: string;
  /** Exit codes that are not failures (default: 0). */
  readonly ok?: readonly number[];
}

/** One spawned run of any program, timed as `spawnRun` does (under GNU time when there is one). */
export function spawnTimed(command: string, args: readonly string[], cwd: string, options: SpawnOptions = {}): Run {
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-f', '%M %U %S', command, ...args]] : [command, [...args]];
  const stdin = options.stdin === undefined ? 'ignore' : openSync(options.stdin, 'r');
  const stdout = options.stdout === undefined ? 'ignore' : openSync(options.stdout, 'w');
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd, stdio: [stdin, stdout, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  for (const fd of [stdin, stdout]) if (typeof fd === 'number') closeSync(fd);
  if (r.status === null || !(options.ok ?? [0]).includes(r.status)) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  }
  const [kb, user, system] = useTime ? (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number) : [NaN, NaN, NaN];
  return { ms, rssMB: Number.isFinite(kb) ? kb / 1024 : null, cpuMs: Number.isFinite(user + system) ? (user + system) * 1000 : null };
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A git repository beside a generated one (`DIR-git`): base commit, then a head
 * commit with one deployment's condition changed; the working tree is head.
 */
export function gitRepository(dir: string): string {
  const repo = `${dir}-git`;
  if (existsSync(path.join(repo, '.git'))) return repo;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' },
    });
  cpSync(path.join(dir, 'deployments'), path.join(repo, 'deployments'), { recursive: true });
  cpSync(path.join(dir, 'fleet'), path.join(repo, 'fleet'), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  // A deployment that wins many devices in the generator: the second file (the first is the baseline).
  const file = path.join(repo, 'deployments', readdirSync(path.join(repo, 'deployments')).sort()[1]);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/targetCondition: .*/, `targetCondition: "tags.ring = 1 AND tags.environment = 'prod'"`));
  git('commit', '-q', '-am', 'head');
  git('gc', '-q');
  return repo;
}

export interface WholeRow {
  readonly name: string;
  readonly ms: number;
  readonly rssMB: number | null;
  readonly cpuMs: number | null;
}

/** The whole-process rows for one generated repository. */
export function measureWhole(dir: string, runs: number, options: { plan: boolean }): WholeRow[] {
  const commands: [string, string[], string][] = [
    ['edgeops --version', ['--version'], dir],
    ['validate', ['validate', '--repo', dir], dir],
    ['resolve --format json', ['resolve', '--repo', dir, '--format', 'json'], dir],
  ];
  if (options.plan) {
    const repo = gitRepository(dir);
    commands.push(['resolve --format json (git repo)', ['resolve', '--format', 'json'], repo]);
    commands.push(['plan --base HEAD~1 (working tree)', ['plan', '--base', 'HEAD~1', '--format', 'json'], repo]);
  }
  const runsOf = commands.map((): Run[] => []);
  spawnRun(['validate', '--repo', dir], dir); // warm the page cache
  for (let round = 0; round < runs; round++) commands.forEach(([, args, cwd], i) => runsOf[i].push(spawnRun(args, cwd)));
  return commands.map(([name], i) => {
    const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
    const rss = known(runsOf[i].map((r) => r.rssMB));
    const cpu = known(runsOf[i].map((r) => r.cpuMs));
    return { name, ms: median(runsOf[i].map((r) => r.ms)), rssMB: rss.length ? median(rss) : null, cpuMs: cpu.length ? median(cpu) : null };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, runs = '3', plan = '1'] = process.argv.slice(2);
  for (const r of measureWhole(path.resolve(dir), Number(runs), { plan: plan === '1' })) {
    const f = (x: number | null, unit: string) => (x === null ? '–' : `${x.toFixed(0)} ${unit}`).padStart(9);
    process.stdout.write(`${r.name.padEnd(36)} ${f(r.ms, 'ms')} ${f(r.cpuMs, 'ms CPU')} ${f(r.rssMB, 'MB')}\n`);
  }
}
