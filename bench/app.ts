/**
 * Part of `npm run bench` (`--app-sizes 100000,1000000`), or alone: `tsx bench/app.ts [--sizes 100000,1000000]`: the App from
 * webhook to completed check run, for a one-deployment change, against the loopback
 * git http-backend (GitHub's REST API stubbed as in the tests). Per size:
 *   cold   first event, empty clone cache and parse cache (fetch everything, parse everything)
 *   warm   the next push on the same pull request (fetch the new objects, parse the changed file)
 *   fetch  the cold fetch alone; plan = `edgeops plan` of the same commits as a process
 * Prints a table (or JSON with --json).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import http from 'isomorphic-git/http/node';
import nock from 'nock';
import { repositoryCache } from '../src/io/github/fetch-pull-request.js';
import { appProbot, delivery, fakeGitHub, pullPayload, pullRequestRepo, setupNock, TOKEN } from '../test/support/github-app.js';
import { deploymentFile, generate } from '../test/support/fleet-generator.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000' }, json: { type: 'boolean', default: false } } });
const root = path.resolve(import.meta.dirname, '..');
setupNock();
const results = [];
for (const size of values.sizes.split(',').map(Number)) {
  const gh = fakeGitHub();
  const pr = await pullRequestRepo(generate(size, 100).files);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'edgeops-bench-app-'));
  const { probot, logs } = await appProbot({ cacheDir });
  let n = 0;
  const change = (file: string, priority: number, image: string) => {
    pr.repo.git('checkout', '-q', 'rollout');
    pr.repo.commit({ [file]: deploymentFile(priority, '2026-11-01T00:00:00Z', "tags.ring = '1'", 'bench', image) }, `change ${n}`);
    pr.repo.git('checkout', '-q', 'main');
  };
  const event = async (action: string) => {
    const { head, base } = pr.publish(1, 'rollout');
    const p = pullPayload(action, { head, base, cloneUrl: pr.cloneUrl });
    gh.pulls.set(1, { ...p.pull_request, mergeable: true });
    const before = gh.checkRuns.length;
    const t = performance.now();
    await probot.receive(delivery(`bench-${++n}`, 'pull_request', p));
    // This event's own check run: the one created after the `before` earlier ones.
    const done = gh.checkRuns[before]?.completedAt;
    const run = gh.checkRuns.at(-1);
    if (run?.conclusion !== 'success') {
      process.stderr.write(`${JSON.stringify({ run: run && { ...run, output: run.output?.title }, logs: logs.filter((l) => l.level >= 40) }, null, 2)}\n`);
      throw new Error('the check run did not complete with success');
    }
    return { checkRunMs: (done ?? performance.now()) - t, eventMs: performance.now() - t, head, base };
  };
  pr.repo.git('branch', 'rollout');
  change('deployments/d0001.yaml', 5000, 'contoso.azurecr.io/sensor:9.1');
  const cold = await event('opened');
  change('deployments/d0001.yaml', 5001, 'contoso.azurecr.io/sensor:9.2');
  const warm = await event('synchronize');

  // The cold fetch alone, into a fresh cache.
  const fetchDir = mkdtempSync(path.join(tmpdir(), 'edgeops-bench-fetch-'));
  const t = performance.now();
  await repositoryCache({ fs, http, dir: fetchDir }).fetchPullRequest(
    { repositoryId: 1, cloneUrl: pr.cloneUrl, number: 1, baseRef: 'main', baseSha: warm.base, headSha: warm.head },
    { token: TOKEN },
  );
  const fetchMs = performance.now() - t;
  // A plain `edgeops plan` of the same commits, as a process (built JS).
  const t2 = performance.now();
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'bin/edgeops.js'), 'plan', '--repo', pr.repo.dir, '--base', 'main', '--head', 'rollout', '--format', 'json'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  } catch {
    // exit 1 (policy or invalid) still measures the run
  }
  const planMs = performance.now() - t2;
  results.push({ devices: size, coldMs: cold.checkRunMs, warmMs: warm.checkRunMs, warmEventMs: warm.eventMs, fetchMs, cliPlanMs: planMs });
  await pr.close();
  nock.cleanAll(); // the next size stubs the API afresh
  for (const dir of [cacheDir, fetchDir, pr.repo.dir]) rmSync(dir, { recursive: true, force: true });
  if (!values.json) process.stderr.write(`measured ${size}\n`);
}
nock.cleanAll();
if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  const f = (x: number) => x.toFixed(0);
  process.stdout.write('devices | cold: webhook → completed check run ms | warm ms (event incl. comment) | cold fetch ms | CLI plan ms\n');
  for (const r of results) process.stdout.write(`${r.devices} | ${f(r.coldMs)} | ${f(r.warmMs)} (${f(r.warmEventMs)}) | ${f(r.fetchMs)} | ${f(r.cliPlanMs)}\n`);
}
