/**
 * The operator's repository as an apply sees it: which commit the files on disk
 * are, and whether a rendering's source is newer than ours. A rendering is never
 * replaced by one made from an older source commit.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { GitRepository } from '../git.js';
import { blobOnDisk, diskTree } from '../git-ids.js';
import { knownIn, readGitIndex, type GitIndex } from '../git-index.js';
import { isYamlFile } from '../source.js';
import { WORKING_TREE } from './rendered-tree.js';
import { SinkError } from './sink.js';

/**
 * HEAD's commit when the files an apply reads (the YAML directly inside `folders`,
 * paths from the repository's root) are exactly HEAD's; `null` when one is
 * modified, added or deleted, or when the folder is not a git repository. A file's
 * blob id comes from git's index when git says it is unchanged (git-index.ts), so
 * an unchanged fleet is not read for this: at 1M devices isomorphic-git's
 * `statusMatrix` took 1.8 s here, hashing every file.
 */
export async function cleanHead(repo: GitRepository, folders: readonly string[]): Promise<string | null> {
  const { fs, dir, gitdir, cache } = repo;
  let head: string;
  try {
    head = await git.resolveRef({ fs, dir, gitdir, ref: 'HEAD' });
  } catch {
    return null;
  }
  const index = await readGitIndex(dir);
  for (const folder of folders) {
    // The same tree on disk as at HEAD: every file the same, and HEAD's folder need not be read (it
    // may sit in a pack that isomorphic-git would read whole). Else file by file: only YAML counts.
    if (await sameTree(repo, head, folder, index)) continue;
    const [atHead, onDisk] = await Promise.all([yamlAtCommit(repo, head, folder, cache), yamlOnDisk(dir, folder, index)]);
    if (atHead.size !== onDisk.size || [...atHead].some(([name, oid]) => onDisk.get(name) !== oid)) return null;
  }
  return head;
}

/** Whether `folder` on disk has the tree id it has at `commit` (its blob ids from git's index where it knows them). */
async function sameTree(repo: GitRepository, commit: string, folder: string, index: GitIndex | undefined): Promise<boolean> {
  const { fs, dir, gitdir, cache } = repo;
  const parent = path.posix.dirname(folder);
  try {
    const { tree } = await git.readTree({ fs, dir, gitdir, oid: commit, filepath: parent === '.' ? undefined : parent, cache });
    const entry = tree.find((e) => e.path === path.posix.basename(folder) && e.type === 'tree');
    if (!entry) return false;
    const onDisk = await diskTree(path.join(dir, folder), index && knownIn(index, folder));
    return onDisk?.oid === entry.oid;
  } catch {
    return false;
  }
}

/** The blob ids of the YAML files directly inside `folder` at a commit, by name (none when it has no such folder). */
async function yamlAtCommit(repo: GitRepository, commit: string, folder: string, cache: object): Promise<Map<string, string>> {
  const { fs, dir, gitdir } = repo;
  try {
    const { tree } = await git.readTree({ fs, dir, gitdir, oid: commit, filepath: folder, cache });
    return new Map(tree.filter((e) => e.type === 'blob' && isYamlFile(e.path)).map((e) => [e.path, e.oid]));
  } catch (e) {
    if (isNotFound(e) || (e as { code?: string }).code === 'ObjectTypeError') return new Map();
    throw e;
  }
}

/** The blob ids of the YAML files (and links) directly inside `folder` on disk, by name: from git's index where it knows them, else hashed. */
async function yamlOnDisk(root: string, folder: string, index: GitIndex | undefined): Promise<Map<string, string>> {
  const full = path.join(root, folder);
  let entries;
  try {
    entries = await readdir(full, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return new Map();
    throw e;
  }
  const yaml = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && isYamlFile(e.name));
  const known = index && knownIn(index, folder);
  const blobs = await Promise.all(yaml.map((e) => blobOnDisk(full, e.name, e.isSymbolicLink(), known)));
  return new Map(yaml.map((e, i) => [e.name, blobs[i].oid]));
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
