/**
 * Reads of files on disk, at most 32 at a time. A repository's files are read
 * together (thousands of deployment files, a folder hashed for its tree id), and
 * each read holds a file descriptor while it waits: unbounded, a few hundred files
 * run out of them where the limit is 256 (macOS's default) and the run fails with
 * EMFILE. Never nest: a bounded task must not wait on another.
 */
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';

export const bounded = pLimit(32);

export const readFileBounded = (file: string): Promise<Buffer> => bounded(() => readFile(file));
