/**
 * Measures one generated repository in a fresh process (so peak RSS is its own):
 * load + validate, resolve, and plan of a one-deployment change. Prints JSON.
 *   tsx bench/measure.ts DIR RUNS
 */
import { execFileSync } from 'node:child_process';
import fs, { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// The code measured is the built JavaScript the CLI runs (tsc output in lib/), not
// the sources through tsx: tsx's transform runs the scanner markedly slower.
const dist = new URL('../lib/', import.meta.url);
const built = async <T>(module: string): Promise<T> => (await import(new URL(module, dist).href)) as T;
const { analyze } = await built<typeof import('../src/core/analysis/analyze.js')>('core/analysis/analyze.js');
const { planChange } = await built<typeof import('../src/core/plan/plan.js')>('core/plan/plan.js');
const { indexFleet, resolveFleet } = await built<typeof import('../src/core/resolve/resolve.js')>('core/resolve/resolve.js');
const { diskSource } = await built<typeof import('../src/io/disk.js')>('io/disk.js');
const { gitSource, openRepository } = await built<typeof import('../src/io/git.js')>('io/git.js');
const { loadRepository } = await built<typeof import('../src/usecases/load.js')>('usecases/load.js');
const { runPlan } = await built<typeof import('../src/usecases/plan.js')>('usecases/plan.js');

const [dir, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Collects garbage before each timed run: figures are for the work, and peak RSS is the working set, not GC slack. */
const collect = () => (globalThis as { gc?: () => void }).gc?.();
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  collect();
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
};

const loadTimes: number[] = [];
const indexTimes: number[] = [];
const resolveTimes: number[] = [];
const planTimes: number[] = [];
let loaded;
for (let i = 0; i < runs; i++) {
  loaded = undefined;
  const [l, ms] = await time(() => loadRepository(diskSource(dir)));
  loaded = l;
  loadTimes.push(ms);
}
const { analysis } = loaded!;
const { fleet } = analysis.repository;
// A fresh index, then a first resolution on it (which also computes the leaf sets the
// index keeps): together, what loading spends beyond reading and validating.
const coldResolveTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  const [index, ms] = await time(() => indexFleet(fleet.devices, analysis.targets, { mixedCaseTagNames: fleet.mixedCaseTagNames }));
  indexTimes.push(ms);
  coldResolveTimes.push((await time(() => resolveFleet(analysis.targets, index)))[1]);
}
// Resolution on the fleet index that loading built (as a plan's second resolution does).
for (let i = 0; i < runs; i++) {
  const [, ms] = await time(() => resolveFleet(analysis.targets, analysis.fleetIndex));
  resolveTimes.push(ms);
}
// Head: the same repository with one deployment's condition changed; both snapshots in memory.
// The deployment that wins the most devices, so the change really moves some.
const top = [...analysis.resolution.deployments].filter((d) => d.id !== 'baseline').sort((a, b) => b.applied - a.applied)[0];
const changed = analysis.targets.find((t) => t.deployment.id === top.id)!.deployment.file;
const parsed = [...loaded!.files.values()];
const value = (f: (typeof parsed)[number]) =>
  f.file === changed ? { ...(f.value as object), targetCondition: "tags.ring = 1 AND tags.environment = 'prod'" } : f.value;
// As runPlan does when the fleet folder is unchanged: the base's fleet and index are reused.
const headAnalysis = analyze({
  deployments: parsed.filter((f) => f.file.startsWith('deployments/')).map((f) => ({ file: f.file, value: value(f) })),
  fleet: [],
  sameFleetAs: analysis,
});
let summary;
for (let i = 0; i < runs; i++) {
  const [plan, ms] = await time(() => planChange(analysis, headAnalysis));
  summary = plan.summary;
  planTimes.push(ms);
}
// A pull request as the App sees it: two commits read with isomorphic-git, one
// deployment's condition changed. Compared with loading the working tree once.
let gitPlanMs: number | null = null;
let diskLoadMs: number | null = null;
if (process.env.BENCH_GIT === '1') {
  const repo = path.join(dir, '..', `${path.basename(dir)}-git`);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' },
    });
  if (!existsSync(path.join(repo, '.git'))) {
    cpSync(path.join(dir, 'deployments'), path.join(repo, 'deployments'), { recursive: true });
    cpSync(path.join(dir, 'fleet'), path.join(repo, 'fleet'), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    const file = path.join(repo, changed);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/targetCondition: .*/, `targetCondition: "tags.ring = 1 AND tags.environment = 'prod'"`));
    git('commit', '-q', '-am', 'head');
    git('gc', '-q');
  }
  const plans: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < runs; i++) {
    plans.push(
      (
        await time(async () =>
          runPlan(await gitSource(openRepository({ fs, dir: repo }), 'HEAD~1'), await gitSource(openRepository({ fs, dir: repo }), 'HEAD')),
        )
      )[1],
    );
    loads.push((await time(() => loadRepository(diskSource(repo))))[1]);
  }
  gitPlanMs = median(plans);
  diskLoadMs = median(loads);
}

const fleetBytes = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')).fleetBytes as number;
const load = median(loadTimes);
process.stdout.write(
  JSON.stringify({
    devices: analysis.repository.fleet.devices.length,
    deployments: analysis.repository.deployments.length,
    fleetMB: fleetBytes / 1e6,
    loadMs: load,
    loadMBps: fleetBytes / 1e6 / (load / 1000),
    indexMs: median(indexTimes),
    coldResolveMs: median(coldResolveTimes),
    validateMs: load - median(indexTimes) - median(coldResolveTimes),
    resolveMs: median(resolveTimes),
    planMs: median(planTimes),
    planChanged: summary!.changed,
    gitPlanMs,
    diskLoadMs,
    diagnostics: loaded!.diagnostics.length,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
