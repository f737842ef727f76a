/** The git sink on a remote: a real `git http-backend` over loopback with Basic auth; fetch, commit on top, push. */
import fs, { mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devicePath } from '../src/core/manifest/layout.js';
import { diskSource } from '../src/io/disk.js';
import { gitSource } from '../src/io/git.js';
import { gitSink, openRenderedRepository, type RenderedRepository } from '../src/io/sinks/git.js';
import { apply } from '../src/usecases/apply.js';
import { cli, commitsOf, devicesWith, fleetFiles, messageOf, showBlob, tipOf, treeOf } from './support/apply.js';
import { handle, testRepo } from './support/git-repo.js';
import { startGitServer, type GitServer } from './support/git-server.js';

const TOKEN = 'tok-3f9a1c77e2';
const BRANCH = 'edgeops/rendered';
const files = (image: string) =>
  fleetFiles(
    { prod: { priority: 10, targetCondition: "tags.env = 'prod'", image: 'app:1' }, canary: { priority: 20, targetCondition: 'tags.ring = 0', image } },
    devicesWith(30, (i) => ({ env: 'prod', ring: i % 3 })),
  );

describe('git sink on a remote over HTTP', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'edgeops-remotes-'));
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer({ root, token: TOKEN });
  });
  afterAll(() => server.close());

  let n = 0;
  /** A new repository on the server with a default branch (the operator's repository, typically). */
  const remote = () => {
    const name = `rendered-${n++}.git`;
    const seed = testRepo();
    seed.commit({ 'README.md': 'fleet\n' });
    execFileSync('git', ['clone', '-q', '--bare', seed.dir, path.join(root, name)]);
    return { url: server.urlOf(name), gitdir: path.join(root, name) };
  };

  it('fetches, commits on top and pushes with the token; the second apply pushes nothing', async () => {
    const { url, gitdir } = remote();
    const repo = testRepo();
    const head = repo.commit(files('app:2'));
    const r = await cli(repo.dir, ['apply', '--to', url, '--format', 'json'], { EDGEOPS_GIT_TOKEN: TOKEN });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ sink: { kind: 'git', target: url }, pushed: 30, source: { commit: head } });
    expect(tipOf(gitdir, BRANCH)).toBe(r.json().commit);
    expect(treeOf(gitdir, BRANCH).size).toBe(30);
    expect(messageOf(gitdir, BRANCH)).toContain(`Edgeops-Source: ${head}`);
    const pushes = server.requests.filter((q) => q.service === 'git-receive-pack' && q.user !== undefined);
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((q) => q.user === 'x-access-token')).toBe(true);

    const again = await cli(repo.dir, ['apply', '--to', url, '--format', 'json'], { GITHUB_TOKEN: TOKEN });
    expect(again.json()).toMatchObject({ pushed: 0, unchanged: 30, commit: r.json().commit });

    repo.commit(files('app:3'));
    const third = await cli(repo.dir, ['apply', '--to', url, '--format', 'json'], { GITHUB_TOKEN: TOKEN });
    expect(third.json()).toMatchObject({ pushed: 10, unchanged: 20 });
    expect(commitsOf(gitdir, BRANCH)).toHaveLength(2);
    expect(JSON.parse(showBlob(gitdir, BRANCH, devicePath('d000'))).modulesContent.$edgeAgent['properties.desired'].modules.app.settings.image).toBe('app:3');
  });

  it('a wrong token is a clear error, exit 1, the token never printed, nothing lost on the remote', async () => {
    const { url, gitdir } = remote();
    const repo = testRepo();
    repo.commit(files('app:2'));
    await cli(repo.dir, ['apply', '--to', url], { EDGEOPS_GIT_TOKEN: TOKEN });
    const tip = tipOf(gitdir, BRANCH);
    repo.commit(files('app:3'));
    const wrong = 'wrong-token-123456';
    const r = await cli(repo.dir, ['apply', '--to', url], { EDGEOPS_GIT_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fetch refused \(authentication failed\): check EDGEOPS_GIT_TOKEN/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(tipOf(gitdir, BRANCH)).toBe(tip);
    const none = await cli(repo.dir, ['apply', '--to', url], {});
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/set EDGEOPS_GIT_TOKEN or GITHUB_TOKEN/);
  });

  it('a credential in the URL is never printed', async () => {
    const { url } = remote();
    const repo = testRepo();
    repo.commit(files('app:2'));
    const withCredentials = url.replace('http://', `http://x-access-token:${TOKEN}@`);
    const r = await cli(repo.dir, ['apply', '--to', withCredentials, '--format', 'json']);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.json().sink.target).toBe(url);
  });

  it('an older source after a newer one writes nothing (exit 0)', async () => {
    const { url, gitdir } = remote();
    const repo = testRepo();
    const older = repo.commit(files('app:2'));
    repo.commit(files('app:3'));
    await cli(repo.dir, ['apply', '--to', url], { EDGEOPS_GIT_TOKEN: TOKEN });
    const tip = tipOf(gitdir, BRANCH);
    const r = await cli(repo.dir, ['apply', '--to', url, '--ref', older, '--format', 'json'], { EDGEOPS_GIT_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.json().skipped).toMatch(/^a newer source is already rendered: [0-9a-f]{40}$/);
    expect(tipOf(gitdir, BRANCH)).toBe(tip);
  });

  /** Two applies, each with its own runner (its own copy of the rendered repository), on one remote. */
  async function racer(repoDir: string, url: string, ref: string, hook?: (r: RenderedRepository) => RenderedRepository) {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'edgeops-cache-'));
    const rendered = openRenderedRepository({ fs, url, http, token: TOKEN, cacheDir });
    const source = await gitSource(handle(repoDir), ref);
    const sink = gitSink({ rendered: hook ? hook(rendered) : rendered, sourceRepo: handle(repoDir), sleep: async () => undefined });
    return () => apply(source, sink, { sourceInfo: { ref, commit: source.commit } });
  }

  it('two applies racing: the one whose push is rejected fetches and redoes on top; both land and the newer source wins', async () => {
    const { url, gitdir } = remote();
    const repo = testRepo();
    const older = repo.commit(files('app:2'));
    const newer = repo.commit(files('app:3'));
    const olderApply = await racer(repo.dir, url, older);
    let raced = false;
    // The newer apply is overtaken between its fetch and its push by the older one.
    const newerApply = await racer(repo.dir, url, newer, (r) => ({
      ...r,
      async publish(branch, from, to) {
        if (!raced) {
          raced = true;
          expect((await olderApply()).pushed).toBe(30);
        }
        return r.publish(branch, from, to);
      },
    }));
    const result = await newerApply();
    expect(raced).toBe(true);
    expect(result.skipped).toBeUndefined();
    // Redone on top of the older rendering: only canary's devices differ from it.
    expect(result.pushed).toBe(10);
    const commits = commitsOf(gitdir, BRANCH);
    expect(commits).toHaveLength(2);
    expect(messageOf(gitdir, BRANCH)).toContain(`Edgeops-Source: ${newer}`);
    expect(messageOf(gitdir, `${BRANCH}~1`)).toContain(`Edgeops-Source: ${older}`);
    expect(JSON.parse(showBlob(gitdir, BRANCH, devicePath('d000'))).modulesContent.$edgeAgent['properties.desired'].modules.app.settings.image).toBe('app:3');
  });

  it('two applies at once, in either order: both succeed, the newer source is on the tip', async () => {
    for (const order of ['older first', 'newer first']) {
      const { url, gitdir } = remote();
      const repo = testRepo();
      const older = repo.commit(files('app:2'));
      const newer = repo.commit(files('app:3'));
      const [a, b] = [await racer(repo.dir, url, older), await racer(repo.dir, url, newer)];
      const results = await Promise.all(order === 'older first' ? [a(), b()] : [b(), a()]);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(messageOf(gitdir, BRANCH)).toContain(`Edgeops-Source: ${newer}`);
      expect(treeOf(gitdir, BRANCH).size).toBe(30);
    }
  });

  it('a server error on push is an error, not a silent success', async () => {
    const { url, gitdir } = remote();
    const repo = testRepo();
    repo.commit(files('app:2'));
    const source = diskSource(repo.dir);
    const rendered = openRenderedRepository({ fs, url, http, token: TOKEN, cacheDir: mkdtempSync(path.join(tmpdir(), 'edgeops-cache-')) });
    const failing: RenderedRepository = {
      ...rendered,
      async publish(branch, from, to) {
        server.failNext(500);
        return rendered.publish(branch, from, to);
      },
    };
    await expect(apply(source, gitSink({ rendered: failing }), { sourceInfo: { ref: null, commit: null } })).rejects.toThrow(/push failed/);
    expect(() => tipOf(gitdir, BRANCH)).toThrow();
  });
});
