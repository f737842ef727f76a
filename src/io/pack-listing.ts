/**
 * An fs client that remembers the listing of `objects/pack` folders. isomorphic-git
 * lists that folder on every read of a packed object, and the App's cache
 * repositories gain a pack or two per webhook event: after thousands of events every
 * object read would list thousands of files. Only for repositories no other process
 * writes (the App's private cache): a write, rename or removal through this client
 * inside such a folder forgets its listing, and nothing else changes it.
 */
import type { CallbackFsClient, PromiseFsClient } from 'isomorphic-git';
import { fsMethods } from './atomic-fs.js';

const isPackFolder = (p: string): boolean => /[\\/]objects[\\/]pack[\\/]?$/.test(p);
const folderOf = (file: unknown): string | undefined => {
  if (typeof file !== 'string') return undefined;
  const folder = file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')));
  return isPackFolder(folder) ? folder : undefined;
};

export function withPackListingCache(fs: CallbackFsClient | PromiseFsClient): PromiseFsClient {
  const inner = fsMethods(fs);
  const listings = new Map<string, Promise<unknown>>();
  // `paths`: how many leading arguments are paths that may lie in a pack folder.
  const changing = (name: string, paths: number) =>
    inner[name] &&
    (async (...args: unknown[]) => {
      try {
        return await inner[name](...args);
      } finally {
        for (const f of args.slice(0, paths)) {
          const folder = folderOf(f);
          if (folder !== undefined) listings.delete(folder);
        }
      }
    });
  const readdir = async (...args: unknown[]) => {
    const [dir] = args;
    if (typeof dir !== 'string' || args.length > 1 || !isPackFolder(dir)) return inner.readdir(...args);
    let listing = listings.get(dir);
    if (!listing) {
      listing = inner.readdir(dir);
      listings.set(dir, listing);
      // A failed listing (no folder yet) is not remembered.
      listing.catch(() => listings.get(dir) === listing && listings.delete(dir));
    }
    // A copy: the caller may change its array.
    return [...((await listing) as string[])];
  };
  const promises = {
    ...inner,
    readdir,
    writeFile: changing('writeFile', 1),
    unlink: changing('unlink', 1),
    rename: changing('rename', 2),
    rm: changing('rm', 1),
  };
  for (const [name, method] of Object.entries(promises)) if (!method) delete promises[name as keyof typeof promises];
  return { promises } as unknown as PromiseFsClient;
}
