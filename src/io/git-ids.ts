/**
 * Git object ids for files on disk, as git computes them: a blob is
 * `sha1("blob <length>\0" + bytes)`, a tree hashes its sorted entries. With them
 * the working tree has the identities a commit has, so a plan whose head is the
 * working tree reuses what base already read (equal blob ids, equal tree ids).
 */
import { createHash } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { bounded } from './bounded-reads.js';

/** The git blob id of these bytes (`git hash-object`). */
export function gitBlobIdOf(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function gitObjectId(type: 'tree', body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

interface TreeEntry {
  readonly name: string;
  readonly mode: '100644' | '100755' | '120000' | '40000';
  readonly oid: string;
}

export interface DiskTree {
  /** The git tree id of the folder as it is on disk (what `git write-tree` would give with all of it staged). */
  readonly oid: string;
  /** Blob ids of the regular files directly inside, by name. */
  readonly blobs: ReadonlyMap<string, string>;
  /** The bytes of those files, as hashed: whoever reads them next need not read them again. */
  readonly bytes: ReadonlyMap<string, Buffer>;
}

/** Git orders tree entries by name, a folder's name as if it ended in `/`. */
const sortKey = (e: TreeEntry): string => (e.mode === '40000' ? `${e.name}/` : e.name);
const byGitOrder = (a: TreeEntry, b: TreeEntry): number => Buffer.compare(Buffer.from(sortKey(a)), Buffer.from(sortKey(b)));

/**
 * A file's blob id known without reading it (git's index says the file is unchanged
 * since git hashed it, see git-index.ts), by its name in the folder and its stat.
 */
export type KnownBlobId = (name: string, stats: Stats) => string | undefined;

/**
 * The blob id and mode of the file or link `name` in `folder` on disk: from `known`
 * where it knows the file (which is then not read), else hashed, with the bytes read.
 */
export async function blobOnDisk(
  folder: string,
  name: string,
  link: boolean,
  known?: KnownBlobId,
): Promise<{ oid: string; mode: '100644' | '100755' | '120000'; bytes?: Buffer }> {
  const full = path.join(folder, name);
  if (link) return { oid: gitBlobIdOf(Buffer.from(await readlink(full))), mode: '120000' };
  const stats = await lstat(full);
  const mode = (stats.mode & 0o100) !== 0 ? '100755' : '100644';
  const oid = known?.(name, stats);
  if (oid) return { oid, mode };
  const bytes = await bounded(() => readFile(full));
  return { oid: gitBlobIdOf(bytes), mode, bytes };
}

/** What git would store for one folder entry; `undefined` to leave it out (an empty folder), `null` for what it cannot store. */
async function entryOf(folder: string, dirent: Dirent, files: Map<string, Buffer>, known?: KnownBlobId): Promise<TreeEntry | undefined | null> {
  if (dirent.isSymbolicLink() || dirent.isFile()) {
    const { oid, mode, bytes } = await blobOnDisk(folder, dirent.name, dirent.isSymbolicLink(), known);
    if (bytes) files.set(dirent.name, bytes);
    return { name: dirent.name, mode, oid };
  }
  if (dirent.isDirectory()) {
    const sub = await diskTree(path.join(folder, dirent.name));
    return sub && { name: dirent.name, mode: '40000', oid: sub.oid };
  }
  return null;
}

/**
 * The git tree id of a folder on disk; `undefined` when it does not exist, is empty
 * (git has no empty trees) or holds something git would store differently (a
 * submodule, a socket). Files git ignores are hashed too: then the id differs from
 * the commit's, and the folder is merely read again. Entries are read all at once:
 * one after another, 300 small files took 0.13 s, mostly waiting.
 */
export async function diskTree(folder: string, known?: KnownBlobId): Promise<DiskTree | undefined> {
  let names;
  try {
    names = await readdir(folder, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  if (names.some((dirent) => dirent.name === '.git')) return undefined;
  const bytes = new Map<string, Buffer>();
  const found = await Promise.all(names.map((dirent) => entryOf(folder, dirent, bytes, known)));
  if (found.includes(null)) return undefined;
  const entries = found.filter((e): e is TreeEntry => e !== undefined);
  if (entries.length === 0) return undefined;
  entries.sort(byGitOrder);
  const blobs = new Map(entries.filter((e) => e.mode === '100644' || e.mode === '100755').map((e) => [e.name, e.oid]));
  const body = Buffer.concat(entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]));
  return { oid: gitObjectId('tree', body), blobs, bytes };
}
