/**
 * Reads of files on disk. A repository's files are read together (thousands of
 * deployment files, a folder hashed for its tree id), and each asynchronous read
 * holds a file descriptor while it waits: unbounded, a few hundred files run out of
 * them where the limit is 256 (macOS's default) and the run fails with EMFILE. So
 * they run at most 32 at a time. Never nest: a bounded task must not wait on another.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';

export const bounded = pLimit(32);

/**
 * Up to this size a file is read at once, synchronously. For the small files a
 * repository is mostly made of, the promise API's file handles cost more than the
 * reads: a thousand deployment files took ~130 ms (~195 ms of CPU) that way and
 * ~25 ms read synchronously, and the thread that waits for them is the one that
 * parses them. Larger files are read asynchronously, so a slow disk keeps several
 * reads in flight.
 */
export const SMALL_FILE = 256 * 1024;

export async function readFileBounded(file: string): Promise<Buffer> {
  const size = statSync(file, { throwIfNoEntry: false })?.size;
  // Errors (a folder, no permission, a file gone since) are those of the read below: the promise rejects with them.
  if (size !== undefined && size <= SMALL_FILE) return readFileSync(file);
  return bounded(() => readFile(file));
}
