/**
 * Parsed files kept between reads, by path and git blob id (a plan's two commits
 * share most blobs; the App sees the same blobs event after event). Bounded by the
 * bytes of the files it holds, least recently used first out, so a long-running
 * App cannot grow without limit.
 */
import { LRUCache } from 'lru-cache';

export interface ParsedFileCache<V> {
  get(key: string): V | undefined;
  /** `bytes`: the size of the file the value was parsed from. */
  set(key: string, value: V, bytes: number): void;
}

/** A parsed file costs several times its bytes in memory: 256 MiB of files is about 1–2 GB of heap at most. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

export function parsedFileCache<V extends object>(maxBytes = DEFAULT_CACHE_BYTES): ParsedFileCache<V> {
  const lru = new LRUCache<string, V>({ maxSize: maxBytes });
  return {
    get: (key) => lru.get(key),
    // A file larger than the whole budget is simply not kept.
    set: (key, value, bytes) => void (bytes <= maxBytes && lru.set(key, value, { size: Math.max(1, bytes) })),
  };
}

/** The cache key of a file whose content is known by its blob id; `undefined` when it is not. */
export const cacheKey = (file: { readonly path: string; readonly oid?: string }): string | undefined => (file.oid ? `${file.path}\0${file.oid}` : undefined);
