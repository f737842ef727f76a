/**
 * Git's index, read for one thing: the blob id of a working-tree file that git has
 * already hashed and that has not changed since, as `git status` decides it (the
 * file's size, times, inode and mode as the index recorded them). A plan against
 * the working tree then need not read and hash every fleet file to learn it is the
 * one base has, nor an apply to learn that the files are HEAD's. Nothing here writes
 * to the repository. Anything unusual (no index, a version other than 2 or 3, a file
 * changed, or written in the same second as the index: "racy") leaves the file to
 * be hashed, as before.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KnownBlobId } from './git-ids.js';

interface IndexEntry {
  readonly ctimeS: number;
  readonly ctimeNs: number;
  readonly mtimeS: number;
  readonly mtimeNs: number;
  readonly ino: number;
  readonly mode: number;
  readonly size: number;
  readonly oid: string;
}

export interface GitIndex {
  /** Stage-0 entries by path (forward slashes, from the repository's root). */
  readonly entries: ReadonlyMap<string, IndexEntry>;
  /** When the index was written, in whole seconds: a file changed in that second or later is not trusted. */
  readonly writtenS: number;
}

/** Where the index is: `.git/index`, or inside the folder a `.git` file names (a worktree, a submodule). */
async function indexPath(root: string): Promise<string | undefined> {
  const dotGit = path.join(root, '.git');
  try {
    if ((await stat(dotGit)).isDirectory()) return path.join(dotGit, 'index');
    const gitdir = /^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8'))?.[1]?.trim();
    return gitdir ? path.join(path.resolve(root, gitdir), 'index') : undefined;
  } catch {
    return undefined;
  }
}

/** The index of the repository at `root`; `undefined` when there is none or it is not one this reads. */
export async function readGitIndex(root: string): Promise<GitIndex | undefined> {
  const file = await indexPath(root);
  if (!file) return undefined;
  let bytes: Buffer;
  let written: Stats;
  try {
    // Its time first: should git write a new index meanwhile, the entries read are
    // then judged by the older time, which trusts fewer files, never more.
    written = await stat(file);
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  return parseGitIndex(bytes, Math.floor(written.mtimeMs / 1000));
}

/** Index versions 2 and 3 (`DIRC`); the entries' fixed part is 62 bytes, then the path and 1–8 NULs (8-byte aligned). */
export function parseGitIndex(bytes: Buffer, writtenS: number): GitIndex | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = bytes.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const count = bytes.readUInt32BE(8);
  const entries = new Map<string, IndexEntry>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 62 > bytes.length) return undefined;
    const flags = bytes.readUInt16BE(at + 60);
    const extended = version === 3 && (flags & 0x4000) !== 0;
    const nameStart = at + 62 + (extended ? 2 : 0);
    const end = bytes.indexOf(0, nameStart);
    if (end < 0) return undefined;
    const name = bytes.toString('utf8', nameStart, end);
    // skip-worktree and intent-to-add entries do not describe the file on disk.
    const unusual = extended && (bytes.readUInt16BE(at + 62) & 0x6000) !== 0;
    const stage = (flags >> 12) & 3;
    if (stage === 0 && !unusual && (flags & 0x8000) === 0) {
      entries.set(name, {
        ctimeS: bytes.readUInt32BE(at),
        ctimeNs: bytes.readUInt32BE(at + 4),
        mtimeS: bytes.readUInt32BE(at + 8),
        mtimeNs: bytes.readUInt32BE(at + 12),
        ino: bytes.readUInt32BE(at + 20),
        mode: bytes.readUInt32BE(at + 24),
        size: bytes.readUInt32BE(at + 36),
        oid: bytes.toString('hex', at + 40, at + 60),
      });
    }
    const length = end - at + 1;
    at += Math.ceil(length / 8) * 8;
  }
  return { entries, writtenS };
}

/** An unsigned 32-bit field as the index keeps it (sizes and inode numbers are truncated). */
const low32 = (n: number): number => n % 2 ** 32;

/**
 * Times compare to the microsecond: Node's stat times pass through a double of
 * milliseconds, which keeps only ~0.25 µs at today's dates, so git's exact
 * nanoseconds cannot be matched exactly (they differed by ~70 ns here).
 */
const sameTime = (seconds: number, nanoseconds: number, ms: number): boolean => Math.abs(seconds * 1000 + nanoseconds / 1e6 - ms) < 0.001;

/**
 * The blob id the index has for `file` (a path from the repository's root) when the
 * file on disk is, by its stat, the one the index hashed; else `undefined` (hash it).
 * Like git, a file modified in the second the index was written, or later, is not
 * trusted: a write within that second could keep size and times the same. A write
 * that put the modification time back still changes the change time, compared too.
 */
export function unchangedBlobId(index: GitIndex, file: string, stats: Stats): string | undefined {
  const entry = index.entries.get(file);
  if (!entry || !stats.isFile()) return undefined;
  if (Math.floor(stats.mtimeMs / 1000) >= index.writtenS) return undefined;
  const executable = (stats.mode & 0o100) !== 0;
  const same =
    entry.size === low32(stats.size) &&
    sameTime(entry.mtimeS, entry.mtimeNs, stats.mtimeMs) &&
    sameTime(entry.ctimeS, entry.ctimeNs, stats.ctimeMs) &&
    entry.ino === low32(stats.ino) &&
    entry.mode === (executable ? 0o100755 : 0o100644);
  return same ? entry.oid : undefined;
}

/** What the index knows of the files directly inside `folder` (its path from the repository's root, `''` at the root). */
export const knownIn =
  (index: GitIndex, folder: string): KnownBlobId =>
  (name, stats) =>
    unchangedBlobId(index, folder === '' ? name : `${folder}/${name}`, stats);
