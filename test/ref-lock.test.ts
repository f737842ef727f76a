import fs, { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../src/io/git.js';
import { moveBranch } from '../src/io/sinks/ref-lock.js';

async function bare() {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-lock-'));
  const repo = openRepository({ fs, dir, gitdir: dir });
  await git.init({ fs: repo.fs, dir, gitdir: dir, bare: true });
  const blob = (text: string) => git.writeBlob({ fs: repo.fs, dir, gitdir: dir, blob: new TextEncoder().encode(text) });
  const commit = async (text: string) => {
    const tree = await git.writeTree({ fs: repo.fs, dir, gitdir: dir, tree: [{ mode: '100644', path: 'f', oid: await blob(text), type: 'blob' }] });
    const author = { name: 't', email: 't@example.com', timestamp: 0, timezoneOffset: 0 };
    return git.commit({ fs: repo.fs, dir, gitdir: dir, message: text, tree, parent: [], author, committer: author, noUpdateBranch: true });
  };
  const tip = () => execFileSync('git', ['--git-dir', dir, 'rev-parse', '--verify', '-q', 'edgeops/rendered'], { encoding: 'utf8' }).trim();
  return { dir, repo, commit, tip, lock: path.join(dir, 'refs/heads/edgeops/rendered.lock') };
}

describe('moving a local branch under git’s ref lock', () => {
  it('moves it only from the tip the caller saw, and leaves no lock behind', async () => {
    const { repo, commit, tip, lock } = await bare();
    const [a, b, c] = [await commit('a'), await commit('b'), await commit('c')];
    expect(await moveBranch(repo, 'edgeops/rendered', null, a)).toBe(true);
    expect(tip()).toBe(a);
    // A second apply that also started from "no branch" lost the race: it must redo, not overwrite.
    expect(await moveBranch(repo, 'edgeops/rendered', null, b)).toBe(false);
    expect(tip()).toBe(a);
    expect(await moveBranch(repo, 'edgeops/rendered', a, c)).toBe(true);
    expect(tip()).toBe(c);
    expect(existsSync(lock)).toBe(false);
  });

  it('waits while another process holds the lock, and names a lock left by a killed one', async () => {
    const { repo, commit, tip, lock } = await bare();
    const [a, b] = [await commit('a'), await commit('b')];
    await moveBranch(repo, 'edgeops/rendered', null, a);
    writeFileSync(lock, '');
    expect(await moveBranch(repo, 'edgeops/rendered', a, b)).toBe(false);
    expect(tip()).toBe(a);
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    await expect(moveBranch(repo, 'edgeops/rendered', a, b)).rejects.toThrow(/rendered\.lock exists since \d+ s .*delete it/);
    expect(existsSync(lock)).toBe(true);
    expect(tip()).toBe(a);
  });
});
