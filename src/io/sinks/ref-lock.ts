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

/**
 * A lock is held for a few system calls: one older than this was left by a process
 * that was killed, and is taken over (git would ask a person to delete it; an apply
 * killed by a cancelled job must not block the next one).
 */
export const STALE_LOCK_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Moves `branch` from `from` (`null`: it must not exist) to `to`; `false` when it is elsewhere. */
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
  const handle = await acquire(lock);
  let held = true;
  try {
    if ((await branchTip(repo, branch)) !== from) return false;
    await handle.writeFile(`${to}\n`);
    await handle.close();
    held = false;
    await rename(lock, ref);
    return true;
  } finally {
    if (held) await handle.close();
    await unlink(lock).catch(() => undefined);
  }
}

/** Creates the lock file exclusively: waits while another process holds it, takes over one left by a killed process. */
async function acquire(lock: string) {
  for (;;) {
    try {
      return await open(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const since = (await stat(lock).catch(() => undefined))?.mtimeMs;
    if (since !== undefined && Date.now() - since > STALE_LOCK_MS) {
      await unlink(lock).catch(() => undefined);
    } else if (since !== undefined) await sleep(20);
  }
}
