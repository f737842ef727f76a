/** Where the git repository is, for an edgeops repository that may sit in a subfolder (no isomorphic-git here: it loads only to read commits). */
import path from 'node:path';

/**
 * The git repository that holds `dir`: the nearest folder, from `dir` up, with a
 * `.git` entry (a folder, or a worktree's file). `prefix` is where `dir` sits
 * inside it, with forward slashes (`infra/edge`; `''` at the root), so an edgeops
 * repository inside a monorepo is read at each commit from its subfolder.
 */
export function findGitRoot(dir: string, exists: (path: string) => boolean): { root: string; prefix: string } | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (exists(path.join(at, '.git'))) return { root: at, prefix: path.relative(at, path.resolve(dir)).split(path.sep).join('/') };
    if (path.dirname(at) === at) return undefined;
  }
}
