/** A source over a folder on disk: the working tree. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { diskTree } from './git-ids.js';
import { isYamlFile, type Source } from './source.js';

export function diskSource(root: string): Source {
  // Blob ids of the files of folders whose tree id was asked for (a plan's head):
  // listed with them, files equal to base's are not read or parsed again.
  const blobIds = new Map<string, string>();
  return {
    description: root,
    async treeOid(folder) {
      const tree = await diskTree(path.join(root, folder));
      for (const [name, oid] of tree?.blobs ?? []) blobIds.set(`${folder}/${name}`, oid);
      return tree?.oid;
    },
    async list(folder) {
      let entries;
      try {
        entries = await readdir(path.join(root, folder), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw e;
      }
      return entries
        .filter((e) => e.isFile() && isYamlFile(e.name))
        .map((e) => e.name)
        .sort()
        .map((name) => ({ path: `${folder}/${name}`, oid: blobIds.get(`${folder}/${name}`), read: () => readFile(path.join(root, folder, name)) }));
    },
    async readFile(file) {
      try {
        return await readFile(path.join(root, file));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}
