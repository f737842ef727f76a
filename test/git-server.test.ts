/** The loopback git server the App, apply and Action tests fetch from and push to. */
import fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRepo } from './support/git-repo.js';
import { startGitServer, type GitServer } from './support/git-server.js';

describe('loopback git http-backend', () => {
  const repo = testRepo();
  let server: GitServer;
  let head: string;
  beforeAll(async () => {
    head = repo.commit({ 'fleet/a.yaml': 'devices: []\n' });
    server = await startGitServer({ root: path.dirname(repo.dir), token: 's3cret' });
  });
  afterAll(() => server.close());
  const url = () => server.urlOf(path.basename(repo.dir));

  it('serves a clone with the right token and refuses a wrong one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-clone-'));
    await git.clone({ fs, http, dir, url: url(), singleBranch: true, onAuth: () => ({ username: 'x-access-token', password: 's3cret' }) });
    expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(head);
    const other = mkdtempSync(path.join(tmpdir(), 'edgeops-clone-'));
    await expect(
      git.clone({
        fs,
        http,
        dir: other,
        url: url(),
        onAuth: () => ({ username: 'x-access-token', password: 'nope' }),
        onAuthFailure: () => ({ cancel: true }),
      }),
    ).rejects.toThrow();
  });

  it('accepts a push', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-clone-'));
    const onAuth = () => ({ username: 'x-access-token', password: 's3cret' });
    await git.clone({ fs, http, dir, url: url(), singleBranch: true, onAuth });
    fs.writeFileSync(path.join(dir, 'x.txt'), 'x');
    await git.add({ fs, dir, filepath: 'x.txt' });
    const oid = await git.commit({ fs, dir, message: 'x', author: { name: 't', email: 't@example.com' } });
    await git.push({ fs, http, dir, remote: 'origin', ref: 'main', remoteRef: 'refs/heads/pushed', onAuth });
    expect(repo.git('rev-parse', 'refs/heads/pushed')).toBe(oid);
    expect(server.requests.some((r) => r.service === 'git-receive-pack')).toBe(true);
  });

  it('injects failures', async () => {
    server.failNext(500);
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-clone-'));
    await expect(git.clone({ fs, http, dir, url: url(), onAuth: () => ({ username: 'x-access-token', password: 's3cret' }) })).rejects.toThrow(/500/);
  });
});
