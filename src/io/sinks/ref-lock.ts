/**
 * Moves a local branch from one commit to another, or not at all, with git's own
 * lock protocol: `<ref>.lock` is created exclusively, the tip is checked under it,
 * the new id is written to the lock and renamed over the ref. Two applies into one
 * local rendered repository (or an apply and a `git` command) can then never both
 * move the branch from the same tip: one of them redoes its commit on the other's.
 */
import nodeFs from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { baseFs } from '../atomic-fs.js';
import type { GitRepository } from '../git.js';
import { branchTip, setBranch } from './rendered-tree.js';
import { SinkError } from './sink.js';

/** A lock is held for milliseconds: one older than this was left by a process that died, and is said, not waited on. */
export const STALE_LOCK_MS = 5_000;

/** Moves `branch` from `from` (`null`: it must not exist) to `to`; `false` when it is elsewhere or being moved. */
export async function moveBranch(repo: GitRepository, branch: string, from: string | null, to: string): Promise<boolean> {
  // Only node's fs can create a file exclusively; any other fs is one process's own (tests, memory).
  if (baseFs(repo.fs) !== nodeFs) {
    if ((await branchTip(repo, branch)) !== from) return false;
    await setBranch(repo, branch, to);
    return true;
  }
  const ref = path.join(repo.gitdir ?? path.join(repo.dir, '.git'), 'refs', 'heads', ...branch.split('/'));
  const lock = `${ref}.lock`;
  await mkdir(path.dirname(ref), { recursive: true });
  let handle;
  try {
    handle = await open(lock, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) {
      throw new SinkError(
        `${lock} exists since ${Math.round(age / 1000)} s (left by a process that was killed?): if no other apply or git command is running, delete it`,
      );
    }
    return false;
  }
  try {
    if ((await branchTip(repo, branch)) !== from) return false;
    await handle.writeFile(`${to}\n`);
    await handle.close();
    handle = undefined;
    await rename(lock, ref);
    return true;
  } finally {
    await handle?.close();
    await unlink(lock).catch(() => undefined);
  }
}
