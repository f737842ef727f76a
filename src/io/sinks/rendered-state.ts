/**
 * What a rendered commit holds for each device of the fleet it was made for, kept
 * beside the repository's objects (`<gitdir>/edgeops-state/<commit>`): each device's
 * blob, its shard, and where the blob's id sits in that shard's tree bytes.
 *
 * With it, the usual apply (the same fleet, a deployment changed: devices move
 * between deployments, none added, removed or turned unmanaged) patches the 20-byte
 * ids in the shards it touches, in place, instead of laying out a million entries
 * and walking every old shard beside them (rendered-diff.ts, which any other change
 * still takes). An entry's position does not move when only its id changes, so the
 * state of the new commit is the old one with new blobs.
 *
 * Keyed by commit, a state can only describe that commit's tree; it is checked
 * against the fleet (a hash of the device ids) before use, each patch against the
 * bytes it replaces (the old blob id, the device's file name), and one that cannot
 * be read or does not add up is no state: the full diff runs.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../atomic-fs.js';

const MAGIC = 'edgeops-state-1\n';
/** States of the newest commits kept (a rendered and a delivered branch, and one before each). */
const KEPT = 4;

export interface RenderedState {
  /** The fleet's identity: SHA-1 of its device ids, in order. */
  readonly fleet: string;
  /** Blob ids (hex) the devices have. */
  readonly blobs: readonly string[];
  /** Per device: its blob's index in `blobs`; -1 when the commit has no file of ours for it (unmanaged). */
  readonly blobOf: Int32Array;
  /** Per device: its shard (0–255). */
  readonly shardOf: Uint8Array;
  /** Per device: where its blob id starts in its shard's tree bytes. */
  readonly at: Int32Array;
}

/**
 * The identity of a fleet's device list: its length and two 32-bit hashes of the ids
 * in order (~20 ms a million; SHA-1 of the joined ids took ~250 ms). A collision
 * would still be caught: a patch checks each device's file name where it writes.
 */
export function fleetIdentity(deviceIds: readonly string[]): string {
  let a = 0x811c9dc5 | 0;
  let b = 0x01000193 | 0;
  for (let i = 0; i < deviceIds.length; i++) {
    const id = deviceIds[i];
    for (let k = 0; k < id.length; k++) {
      const c = id.charCodeAt(k);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
    }
    // A separator, so that ids that only split differently differ.
    a = Math.imul(a ^ 0x0a, 0x01000193);
    b = Math.imul(b ^ 0x0a, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${deviceIds.length}:${(a >>> 0).toString(16)}:${(b >>> 0).toString(16)}`;
}

const folderOf = (gitdir: string) => path.join(gitdir, 'edgeops-state');

/** The state of `commit`, if one was kept and is whole; `undefined` otherwise. */
export function readState(gitdir: string, commit: string): RenderedState | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(folderOf(gitdir), commit));
  } catch {
    return undefined;
  }
  try {
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerEnd = MAGIC.length + 4 + 20;
    const digest = createHash('sha1').update(bytes.subarray(headerEnd)).digest();
    if (!digest.equals(bytes.subarray(MAGIC.length + 4, headerEnd))) return undefined;
    const jsonLength = bytes.readUInt32LE(MAGIC.length);
    const header = JSON.parse(bytes.toString('utf8', headerEnd, headerEnd + jsonLength)) as { commit: string; fleet: string; blobs: string[]; rows: number };
    const { rows } = header;
    let at = align(headerEnd + jsonLength);
    // Views into the file's bytes (its own buffer: sections are aligned), copied only where they are not.
    const take = (n: number) => {
      const view = bytes.subarray(at, at + n);
      at = align(at + n);
      return view.byteOffset % 4 === 0 ? view : new Uint8Array(view);
    };
    if (header.commit !== commit || bytes.length !== align(headerEnd + jsonLength) + align(rows * 4) * 2 + align(rows)) return undefined;
    const ints = (view: Uint8Array) => new Int32Array(view.buffer, view.byteOffset, view.byteLength / 4);
    const blobOf = ints(take(rows * 4));
    const positions = ints(take(rows * 4));
    const shardOf = take(rows);
    for (let i = 0; i < rows; i++) if (!(blobOf[i] >= -1 && blobOf[i] < header.blobs.length)) return undefined;
    return { fleet: header.fleet, blobs: header.blobs, blobOf, shardOf, at: positions };
  } catch {
    return undefined;
  }
}

const align = (n: number) => Math.ceil(n / 8) * 8;

/** Keeps the state of `commit` (and those of the few newest commits before it). Never throws: without it the next apply runs the full diff. */
export function writeState(gitdir: string, commit: string, state: RenderedState): void {
  const folder = folderOf(gitdir);
  const rows = state.blobOf.length;
  const json = Buffer.from(JSON.stringify({ commit, fleet: state.fleet, blobs: state.blobs, rows }), 'utf8');
  const headerEnd = MAGIC.length + 4 + 20;
  const parts = [
    json,
    new Uint8Array(state.blobOf.buffer, state.blobOf.byteOffset, rows * 4),
    new Uint8Array(state.at.buffer, state.at.byteOffset, rows * 4),
    state.shardOf,
  ];
  const hash = createHash('sha1');
  const pad = Buffer.alloc(8);
  const padded: Uint8Array[] = [];
  for (const part of parts) {
    padded.push(part);
    const extra = align(part.length) - part.length;
    if (extra > 0) padded.push(pad.subarray(0, extra));
  }
  for (const p of padded) hash.update(p);
  const head = Buffer.alloc(headerEnd);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  hash.digest().copy(head, MAGIC.length + 4);
  try {
    writeFileAtomicSync(path.join(folder, commit), [head, ...padded]);
    const old = readdirSync(folder)
      .map((name) => ({ name, time: statSync(path.join(folder, name)).mtimeMs }))
      .sort((a, b) => b.time - a.time)
      .slice(KEPT);
    for (const { name } of old) unlinkSync(path.join(folder, name));
  } catch {
    // Without it the next apply runs the full diff.
  }
}
