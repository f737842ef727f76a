/**
 * The operator's repository as an apply sees it: which commit the files on disk
 * are, and whether a rendering's source is newer than ours. A rendering is never
 * replaced by one made from an older source commit.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { GitRepository } from '../git.js';
import { isYamlFile } from '../source.js';
import { WORKING_TREE } from './rendered-tree.js';
import { SinkError } from './sink.js';

/**
 * HEAD's commit when the files an apply reads (the YAML directly inside `folders`)
 * are exactly HEAD's; `null` when one is modified, added or deleted, or when the
 * folder is not a git repository.
 */
export async function cleanHead(repo: GitRepository, folders: readonly string[]): Promise<string | null> {
  const { fs, dir, gitdir, cache } = repo;
  let head: string;
  try {
    head = await git.resolveRef({ fs, dir, gitdir, ref: 'HEAD' });
  } catch {
    return null;
  }
  const read = new RegExp(`^(?:${folders.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})/([^/]+)$`);
  const matrix = await git.statusMatrix({ fs, dir, gitdir, cache, filepaths: [...folders] });
  const dirty = matrix.some(([file, inHead, inWorkdir]) => {
    const m = read.exec(file);
    return m !== null && isYamlFile(m[1]) && !(inHead === 1 && inWorkdir === 1);
  });
  return dirty ? null : head;
}

async function isShallow(repo: GitRepository): Promise<boolean> {
  try {
    return (await readFile(path.join(repo.gitdir ?? path.join(repo.dir, '.git'), 'shallow'), 'utf8')).trim() !== '';
  } catch {
    return false;
  }
}

const isNotFound = (e: unknown): boolean => (e as { code?: string }).code === 'NotFoundError';

/**
 * Compares our source with the source of the rendering on the target. Returns the
 * `skipped` message when theirs is newer (ours is its ancestor); `null` when ours
 * may be written (newer, the same, unrelated, or either is a working tree).
 * Throws SinkError when history needed to decide is missing.
 */
export async function newerSourceRendered(repo: GitRepository, ours: string | null, theirs: string | null): Promise<string | null> {
  if (ours === null || theirs === null || theirs === WORKING_TREE || theirs === ours) return null;
  const { fs, dir, gitdir, cache } = repo;
  const descends = (oid: string, ancestor: string) => git.isDescendent({ fs, dir, gitdir, cache, oid, ancestor, depth: -1 });
  const shallow = await isShallow(repo);
  const missing = () =>
    new SinkError(
      `the rendering on the target was made from ${theirs}, and ${dir} lacks the history to tell whether it is newer than ${ours.slice(0, 7)}: ` +
        (shallow ? 'fetch the whole history (actions/checkout with fetch-depth: 0, or git fetch --unshallow) and apply again' : 'git fetch, then apply again'),
    );
  try {
    // The usual case first: ours is the newer one, a short walk back.
    if (await descends(ours, theirs)) return null;
    if (await descends(theirs, ours)) return `a newer source is already rendered: ${theirs}`;
  } catch (e) {
    if (isNotFound(e)) throw missing();
    throw e;
  }
  // A shallow walk stops at the cut: "not an ancestor" may only mean "not fetched".
  if (shallow) throw missing();
  return null;
}
