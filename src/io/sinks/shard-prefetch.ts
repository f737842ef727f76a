/**
 * Shard trees of the rendering an apply will compare against, read ahead on a
 * worker thread while the main thread loads and resolves the source: at a million
 * devices inflating ~45 MB of shard trees took ~240 ms of the main thread, and the
 * second core is idle while the fleet's columns load from the cache. The worker
 * finds the branch's tip itself: the main thread is busy loading, and would start
 * it only when it next waits.
 *
 * Each shard's bytes are handed out once (the taker may patch them in place);
 * whatever the worker did not read (another tip, a packed object) is read as before.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GitRepository } from '../git.js';
import type { ShardMessage } from './shard-reader-worker.js';

const workerUrl = new URL('./shard-reader-worker.js', import.meta.url);

type Bytes = Promise<Uint8Array | undefined>;
/** Per repository: the shards being read, by tree id, once the worker has said which. */
const reads = new WeakMap<GitRepository, Promise<Map<string, Bytes>>>();

/** Starts reading the shards of `branch`'s tip in `repo` (its git folder `gitdir`) on a worker; nothing when the built worker is not there (under a TypeScript test runner). */
export function prefetchShards(repo: GitRepository, gitdir: string, branch: string): void {
  if (!existsSync(fileURLToPath(workerUrl))) return;
  const waiting = new Map<string, (bytes: Uint8Array | undefined) => void>();
  let listed!: (shards: Map<string, Bytes>) => void;
  reads.set(repo, new Promise((resolve) => (listed = resolve)));
  const worker = new Worker(workerUrl, { workerData: { gitdir, branch } });
  // Never what keeps the process alive: an apply that needs no shard does not wait for it.
  worker.unref();
  worker.on('message', (m: ShardMessage) => {
    if ('oids' in m) {
      listed(new Map(m.oids.map((oid) => [oid, new Promise<Uint8Array | undefined>((resolve) => waiting.set(oid, resolve))])));
      return;
    }
    const resolve = waiting.get(m.oid);
    waiting.delete(m.oid);
    // The tree's content, in a buffer that has the object's header just before it (see writeObject).
    resolve?.(m.buffer ? Buffer.from(m.buffer, m.offset! + m.content!, m.length! - m.content!) : undefined);
  });
  const giveUp = () => {
    listed(new Map());
    for (const resolve of waiting.values()) resolve(undefined);
    waiting.clear();
  };
  worker.on('error', giveUp);
  worker.on('exit', giveUp);
}

/** A shard's bytes read ahead (once: they are then the taker's), or `undefined` when they were not. */
export async function takePrefetched(repo: GitRepository, oid: string): Promise<Uint8Array | undefined> {
  const shards = await reads.get(repo);
  const read = shards?.get(oid);
  shards?.delete(oid);
  return read;
}
