/**
 * The git repository of a checkout on disk, whatever shape it has. Usually
 * `<dir>/.git` is the git directory. In a submodule it is a file naming one
 * (`gitdir: ../.git/modules/x`). In a `git worktree` checkout it is a file naming
 * the worktree's own directory (`<common>/worktrees/<name>`), which holds only
 * HEAD and the index; objects and refs are in the common directory its
 * `commondir` file names. isomorphic-git knows one git directory, so there the
 * handle reads the common one, with HEAD and the index taken from the worktree's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PromiseFsClient } from 'isomorphic-git';
import { fsMethods } from './atomic-fs.js';
import { openRepository, type GitRepository } from './git.js';

/** Files a worktree keeps for itself (git's per-worktree refs that edgeops reads). */
const OWN_FILES = ['HEAD', 'index'];

interface Layout {
  readonly gitdir: string;
  /** The worktree's own directory, when `dir` is a `git worktree` checkout. */
  readonly worktree?: string;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Where the git data of the checkout at `dir` is; `undefined` when `.git` is neither a folder nor a `gitdir:` file. */
export function checkoutLayout(dir: string): Layout | undefined {
  const dotGit = path.join(dir, '.git');
  let stat;
  try {
    stat = fs.statSync(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return { gitdir: dotGit };
  const named = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '')?.[1].trim();
  if (!named) return undefined;
  const own = path.resolve(dir, named);
  const common = readText(path.join(own, 'commondir'))?.trim();
  return common ? { gitdir: path.resolve(own, common), worktree: own } : { gitdir: own };
}

/** An fs client that reads and writes a worktree's own files where git keeps them. */
function worktreeFs(gitdir: string, worktree: string): PromiseFsClient {
  const moved = new Map(OWN_FILES.map((name) => [path.join(gitdir, name), path.join(worktree, name)]));
  const methods = fsMethods(fs);
  const promises: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(methods)) {
    promises[name] = (...args) => method(...args.map((a) => (typeof a === 'string' ? (moved.get(path.normalize(a)) ?? a) : a)));
  }
  return { promises } as unknown as PromiseFsClient;
}

/** A handle on the repository checked out at `dir` (node's fs): a worktree's or a submodule's too. */
export function openCheckout(dir: string): GitRepository {
  const layout = checkoutLayout(dir);
  if (!layout) return openRepository({ fs, dir });
  const client = layout.worktree ? worktreeFs(layout.gitdir, layout.worktree) : fs;
  return openRepository({ fs: client, dir, gitdir: layout.gitdir });
}
