/**
 * A source over a folder on disk: the working tree. Links are never followed:
 * nothing outside the repository is read, a loop cannot hang or crash, and a
 * linked file gets the same verdict as at a commit (skipped, with a warning).
 */
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { readFileBounded } from './bounded-reads.js';
import type { ColumnCache } from './column-cache.js';
import { diskTree, type KnownBlobId } from './git-ids.js';
import { knownIn, readGitIndex, type GitIndex } from './git-index.js';
import { isYamlFile, notAFolderEntry, symlinkEntry, type Source } from './source.js';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** The git repository the folder is in: its root and where the folder sits inside it (`''` at the root, else `infra/edge`). */
export interface DiskGit {
  readonly root: string;
  readonly prefix: string;
}

export interface DiskSourceOptions {
  /** Kept columns (column-cache.ts): used only in a git working tree, where blob ids come from git's index. */
  readonly columns?: ColumnCache;
}

export function diskSource(root: string, git?: DiskGit, options: DiskSourceOptions = {}): Source {
  // Git's index, read once when a tree id is first asked for: files it says are
  // unchanged are neither read nor hashed for their blob ids (see git-index.ts).
  let index: Promise<GitIndex | undefined> | undefined;
  const known = async (folder: string): Promise<KnownBlobId | undefined> => {
    const read = git && (await (index ??= readGitIndex(git.root)));
    return read && knownIn(read, [git.prefix, folder].filter((p) => p !== '').join('/'));
  };
  // Blob ids of the files of folders whose tree id was asked for (a plan's head):
  // listed with them, files equal to base's are not read or parsed again.
  const blobIds = new Map<string, string>();
  // The bytes hashed for those ids, until they are read once: a plan does not read its head twice.
  const hashed = new Map<string, Buffer>();
  // Asked once per folder: the loader and a plan's content key both ask.
  const trees = new Map<string, Promise<string | undefined>>();
  const readOnce = (file: string, full: string): Promise<Buffer> => {
    const bytes = hashed.get(file);
    hashed.delete(file);
    return bytes ? Promise.resolve(bytes) : readFileBounded(full);
  };
  return {
    description: root,
    columns: git ? options.columns : undefined,
    treeOid(folder) {
      let oid = trees.get(folder);
      if (!oid) {
        oid = (async () => {
          const tree = await diskTree(path.join(root, folder), await known(folder));
          for (const [name, blob] of tree?.blobs ?? []) blobIds.set(`${folder}/${name}`, blob);
          for (const [name, bytes] of tree?.bytes ?? []) hashed.set(`${folder}/${name}`, bytes);
          return tree?.oid;
        })();
        trees.set(folder, oid);
      }
      return oid;
    },
    async list(folder) {
      const dir = path.join(root, folder);
      let stat;
      try {
        stat = await lstat(dir);
      } catch (e) {
        if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
        throw e;
      }
      if (stat.isSymbolicLink()) {
        const loop = await realpath(dir).then(
          () => false,
          (e) => errno(e) === 'ELOOP',
        );
        return [notAFolderEntry(folder, loop ? 'a symbolic link loop' : 'a symbolic link')];
      }
      if (!stat.isDirectory()) return [notAFolderEntry(folder, 'a file')];
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && isYamlFile(e.name))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((e) =>
          e.isSymbolicLink()
            ? symlinkEntry(`${folder}/${e.name}`)
            : {
                path: `${folder}/${e.name}`,
                oid: blobIds.get(`${folder}/${e.name}`),
                owned: true,
                // Bytes already read to hash the file are used, not read again.
                localPath: hashed.has(`${folder}/${e.name}`) ? undefined : path.join(dir, e.name),
                read: () => readOnce(`${folder}/${e.name}`, path.join(dir, e.name)),
              },
        );
    },
    async readFile(file) {
      const full = path.join(root, file);
      try {
        // A file reached through a link outside the repository is not read.
        const [real, base] = await Promise.all([realpath(full), realpath(root)]);
        if (real !== base && !real.startsWith(`${base}${path.sep}`)) return undefined;
        return await readFile(real);
      } catch (e) {
        if (errno(e) === 'ENOENT' || errno(e) === 'ELOOP' || errno(e) === 'ENOTDIR') return undefined;
        throw e;
      }
    },
  };
}
