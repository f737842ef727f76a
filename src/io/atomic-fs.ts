/**
 * An fs client for isomorphic-git whose `writeFile` is atomic: the bytes go to a
 * temporary sibling, then a rename puts them in place. isomorphic-git writes refs
 * and loose objects in place, so a process killed mid-write (a cancelled job, an
 * OOM kill) would leave an empty ref or half an object, and the next run would
 * find the record of what devices received broken. With this, a reader sees the
 * old file or the new one, never a part.
 *
 * The temporary name starts with a dot: git skips dotfiles among refs, and no
 * object id starts with one, so a leftover from a kill is never read as data.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CallbackFsClient, PromiseFsClient } from 'isomorphic-git';

type Write = (file: string, data: string | Uint8Array, options?: unknown) => Promise<void>;
interface Promises {
  writeFile: Write;
  unlink(file: string): Promise<void>;
  rename?: (from: string, to: string) => Promise<void>;
}

const wrapped = new WeakMap<object, PromiseFsClient>();
const bases = new WeakMap<object, object>();
let counter = 0;

/** The same client with atomic writes (one wrapper per client, so identity is stable). */
export function atomicWrites(fs: CallbackFsClient | PromiseFsClient): PromiseFsClient {
  if (bases.has(fs)) return fs as PromiseFsClient;
  const known = wrapped.get(fs);
  if (known) return known;
  const inner = promisesOf(fs);
  const rename = inner.rename?.bind(inner);
  const writeFile: Write = async (file, data, options) => {
    if (!rename) return inner.writeFile(file, data, options);
    const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
    const temp = `${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.${process.pid}.${++counter}.tmp`;
    try {
      await inner.writeFile(temp, data, options);
      await rename(temp, file);
    } catch (e) {
      await inner.unlink(temp).catch(() => undefined);
      throw e;
    }
  };
  const client = { promises: { ...bind(inner), writeFile } } as unknown as PromiseFsClient;
  wrapped.set(fs, client);
  bases.set(client, fs);
  return client;
}

/** The client a wrapper was made from (itself when it is not a wrapper): for fast paths that need node's fs. */
export const baseFs = (fs: CallbackFsClient | PromiseFsClient): object => bases.get(fs) ?? fs;

const METHODS = ['readFile', 'writeFile', 'unlink', 'readdir', 'mkdir', 'rmdir', 'stat', 'lstat', 'readlink', 'symlink', 'chmod', 'rm', 'rename'] as const;

function promisesOf(fs: CallbackFsClient | PromiseFsClient): Promises {
  if ('promises' in fs && fs.promises) return fs.promises as unknown as Promises;
  const callbacks = fs as unknown as Record<string, ((...args: unknown[]) => void) | undefined>;
  const out: Record<string, unknown> = {};
  for (const name of METHODS) {
    const method = callbacks[name];
    if (typeof method === 'function') out[name] = promisify(method.bind(fs));
  }
  return out as unknown as Promises;
}

/** An fs client's methods (isomorphic-git's set, and `rename`), as promise functions bound to the client. */
export const fsMethods = (fs: CallbackFsClient | PromiseFsClient): Record<string, (...args: unknown[]) => Promise<unknown>> =>
  bind(promisesOf(fs)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

/** Own functions bound to their client (node's `fs.promises` methods do not need it; others may). */
function bind(inner: Promises): Promises {
  const out: Record<string, unknown> = {};
  for (const name of METHODS) {
    const method = (inner as unknown as Record<string, unknown>)[name];
    if (typeof method === 'function') out[name] = (method as (...args: unknown[]) => unknown).bind(inner);
  }
  return out as unknown as Promises;
}

let synced = 0;

/**
 * Writes `parts` to `file` through a temporary sibling (a dotfile) and a rename, so
 * a reader sees the old file or the new one, never a part; creates the folder. The
 * temporary is removed if the write fails, and the error thrown.
 */
export function writeFileAtomicSync(file: string, parts: readonly Uint8Array[]): void {
  const folder = path.dirname(file);
  const temp = path.join(folder, `.${path.basename(file)}.${process.pid}.${++synced}.tmp`);
  mkdirSync(folder, { recursive: true });
  try {
    const fd = openSync(temp, 'w');
    try {
      for (const part of parts) writeSync(fd, part);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
