/**
 * Reads and inflates the shard trees of a rendered branch's tip (loose objects)
 * while the main thread loads the source (shard-prefetch.ts), and hands each one
 * over, moved, not copied. It first posts the tip's shard ids (none when the branch
 * or an object on the way is not loose here: the main thread then reads as usual),
 * then each shard; one it cannot read is posted without bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { inflateObject, looseObjectPath, parseTree, treeContentStart } from './loose-objects.js';

export type ShardMessage =
  | { readonly oids: readonly string[] }
  | {
      readonly oid: string;
      /** The inflated object, header included; `content` is where the tree's content starts. */
      readonly buffer?: ArrayBuffer;
      readonly offset?: number;
      readonly length?: number;
      readonly content?: number;
    };

const { gitdir, branch } = workerData as { gitdir: string; branch: string };

const readObject = (oid: string): Buffer => inflateObject(readFileSync(looseObjectPath(gitdir, oid)));

/** A tree's entries: name → [mode, id]. */
function entries(raw: Buffer): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  const start = treeContentStart(raw);
  if (start > 0) parseTree(raw.subarray(start), (mode, name, oid) => out.set(name, [mode, oid]));
  return out;
}

/** The shard tree ids of the branch's tip; none when something on the way is not here. */
function shardIds(): string[] {
  try {
    const tip = readFileSync(path.join(gitdir, 'refs', 'heads', ...branch.split('/')), 'latin1').trim();
    const commit = readObject(tip).toString('latin1');
    const tree = /\0tree ([0-9a-f]{40})\n/.exec(commit)?.[1];
    const devices = tree && entries(readObject(tree)).get('devices');
    if (!devices || devices[0] !== '40000') return [];
    return [...entries(readObject(devices[1])).values()].filter(([mode]) => mode === '40000').map(([, oid]) => oid);
  } catch {
    return [];
  }
}

const oids = shardIds();
parentPort!.postMessage({ oids } satisfies ShardMessage);
for (const oid of oids) {
  let message: ShardMessage = { oid };
  const transfer: ArrayBuffer[] = [];
  try {
    let raw = readObject(oid);
    const content = treeContentStart(raw);
    if (content > 0) {
      // Only a buffer of its own is moved (one from node's pool, or a piece of a larger one, is copied).
      if (raw.byteOffset !== 0 || raw.buffer.byteLength !== raw.length) raw = Buffer.from(Uint8Array.prototype.slice.call(raw));
      message = { oid, buffer: raw.buffer as ArrayBuffer, offset: raw.byteOffset, length: raw.length, content };
      transfer.push(raw.buffer as ArrayBuffer);
    }
  } catch {
    // Not a loose object here: read on the main thread.
  }
  parentPort!.postMessage(message, transfer);
}
