/**
 * The App's cache repositories only grow (a pack per event, new blobs per changed
 * fleet): past its limits one is retired, the next fetch starts a fresh one, and the
 * retired one is deleted once plans that began on it are long done. Real fetches
 * over the loopback git server.
 */
import fs, { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'isomorphic-git/http/node';
import { afterEach, describe, expect, it } from 'vitest';
import { repositoryCache, type PullRequestRefs } from '../src/io/github/fetch-pull-request.js';
import { gitSource } from '../src/io/git.js';
import { validate } from '../src/usecases/validate.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { pullRequestRepo, TOKEN, type PullRequestRepo } from './support/github-app.js';

const ID = 777;

function fleetOf(n: number, env: string): string {
  return fleetYaml(Array.from({ length: n }, (_, i) => ({ deviceId: `dev-${i}`, tags: { env } })));
}

describe('the App’s cache repositories', () => {
  let pr: PullRequestRepo | undefined;
  afterEach(async () => {
    await pr?.close();
    pr = undefined;
  });

  it('are retired past their pack limit: the next fetch starts a fresh one, and the old one goes once its time is up', async () => {
    pr = await pullRequestRepo({
      'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" }),
      'fleet/devices.yaml': fleetOf(5, 'prod'),
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-rotation-'));
    let clock = 1_000_000;
    const cache = repositoryCache({ fs, http, dir, mergeRetries: 0, maxPacks: 2, retiredForMs: 60_000, now: () => clock });
    const refs = (n: number): PullRequestRefs => {
      const { head, base } = pr!.publish(n, `pr-${n}`);
      return { repositoryId: ID, cloneUrl: pr!.cloneUrl, number: n, baseRef: 'main', baseSha: base, headSha: head };
    };
    const packs = (gitdir: string) => readdirSync(path.join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;

    const plans: string[] = [];
    for (let n = 1; n <= 4; n++) {
      pr.repo.git('checkout', '-q', '-b', `pr-${n}`, 'main');
      pr.repo.commit({ 'fleet/devices.yaml': fleetOf(5 + n, 'prod') }, `pull request ${n}`);
      pr.repo.git('checkout', '-q', 'main');
      const fetched = await cache.fetchPullRequest(refs(n), { token: TOKEN });
      plans.push(fetched.repo.dir);
      // What was fetched is whole: the pull request's head reads and validates, with its devices.
      const result = await validate(await gitSource(fetched.repo, fetched.head));
      expect(result.valid).toBe(true);
      expect(result.devices).toBe(5 + n);
      clock += 1000;
    }
    const first = path.join(dir, `${ID}.git`);
    const second = path.join(dir, `${ID}.1.git`);
    // Each event added packs; once the first repository held more than two, the next fetch went to a new one.
    expect(plans[0]).toBe(first);
    expect(plans.at(-1)).toBe(second);
    expect(cache.repository(ID).dir).toBe(second);
    expect(packs(second)).toBeGreaterThan(0);
    // Retired, but a plan that began on it may still be reading: it stays for now.
    expect(existsSync(first)).toBe(true);

    clock += 60_000;
    pr.repo.git('checkout', '-q', '-b', 'pr-5', 'main');
    pr.repo.commit({ 'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: '*' }) }, 'pull request 5');
    pr.repo.git('checkout', '-q', 'main');
    await cache.fetchPullRequest(refs(5), { token: TOKEN });
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(true);
  });

  it('after a restart, continue in the newest generation and delete the older ones', async () => {
    pr = await pullRequestRepo({ 'deployments/prod.yaml': deploymentYaml({ priority: 10, targetCondition: '*' }), 'fleet/devices.yaml': fleetOf(3, 'prod') });
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-rotation-'));
    for (const name of [`${ID}.git`, `${ID}.3.git`, `${ID}.12.git`, `${ID + 1}.git`]) fs.mkdirSync(path.join(dir, name));
    const cache = repositoryCache({ fs, http, dir, mergeRetries: 0 });
    pr.repo.git('checkout', '-q', '-b', 'pr-1', 'main');
    pr.repo.commit({ 'fleet/devices.yaml': fleetOf(4, 'prod') }, 'pull request 1');
    pr.repo.git('checkout', '-q', 'main');
    const { head, base } = pr.publish(1, 'pr-1');
    const fetched = await cache.fetchPullRequest(
      { repositoryId: ID, cloneUrl: pr.cloneUrl, number: 1, baseRef: 'main', baseSha: base, headSha: head },
      { token: TOKEN },
    );
    expect(fetched.repo.dir).toBe(path.join(dir, `${ID}.12.git`));
    // Another repository's cache is not touched.
    expect(readdirSync(dir).sort()).toEqual([`${ID}.12.git`, `${ID + 1}.git`].sort());
  });
});
