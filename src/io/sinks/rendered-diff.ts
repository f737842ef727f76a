/**
 * The change set of a rendered tree (a git branch in the DESIGN §3 layout) against
 * what the apply wants, compared shard by shard on tree bytes.
 *
 * A device's file is the blob of its winning deployment's manifest, so the tree
 * each shard should have is known before anything is read: its entries sorted
 * (`100644 <name>\0<20-byte blob id>`), hashed as git hashes a tree. A shard whose
 * id is the one already there is equal, every device in it unchanged: it is not
 * read. A differing shard is read and walked beside the wanted one (both sorted),
 * entry by entry, without building a string per device; the verdicts go to core's
 * `changeSet`, which counts exactly as `diffTarget` does.
 *
 * Entries the wanted tree does not have are kept (an unmanaged device keeps its
 * file; so does anything that is not a device's file), except a device's file for
 * a device that left the fleet, which is removed.
 */
import { ADD, changeSet, UPDATE, type ApplyChanges } from '../../core/apply/changes.js';
import { indexOfSorted } from '../../core/collections.js';
import { deviceFileName } from '../../core/manifest/layout.js';
import type { Resolution } from '../../core/resolve/resolution.js';
import type { GitRepository } from '../git.js';
import nodeFs from 'node:fs';
import path from 'node:path';
import { baseFs } from '../atomic-fs.js';
import { fleetIdentity, readState, type RenderedState } from './rendered-state.js';
import { idOfName, objectId, sha256Hex, shardBytes, type RenderedTree, type Shard } from './rendered-tree.js';

type Fleet = Pick<Resolution, 'deviceIds' | 'winners'>;

/** A shard as the apply wants it: managed devices only. */
export interface WantedShard extends Shard {
  readonly bytes: Buffer;
  /** Fleet indices of the devices, in entry order. */
  readonly devices: Int32Array;
  /** Where each entry starts in `bytes`; one more at the end (`bytes.length`). */
  readonly offsets: Int32Array;
}

/** `100644 ` */
const MODE_PREFIX = Buffer.from('100644 ', 'latin1');
const JSON_SUFFIX = Buffer.from('.json', 'latin1');
/** Mode, space, `.json`, NUL, 20-byte id: an entry's bytes besides the encoded id. */
const ENTRY_OVERHEAD = MODE_PREFIX.length + JSON_SUFFIX.length + 1 + 20;

/** Characters encodeURIComponent leaves as they are. */
const PLAIN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") PLAIN[c.charCodeAt(0)] = 1;

function isPlain(id: string): boolean {
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (c >= 128 || PLAIN[c] === 0) return false;
  }
  return true;
}

const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : c - 0x57);

const wantedCache = new WeakMap<object, { keys: ReadonlyMap<string, string>; shards: Map<string, WantedShard> }>();

/**
 * The shard trees the apply wants: each managed device's file with its deployment's
 * blob, nothing else. Computed once per `fleet` and `keys` (a git sink and the IoT Hub's
 * delivered branch compare against the same one).
 */
export function wantedShards(fleet: Fleet, keys: ReadonlyMap<string, string>): Map<string, WantedShard> {
  const known = wantedCache.get(fleet);
  if (known?.keys === keys) return known.shards;
  const { deviceIds, winners } = fleet;
  const n = deviceIds.length;
  // Each deployment's blob id as bytes (20 each), by a small index.
  const deployments = new Map<string, number>();
  const blobIds: number[] = [];
  const deploymentOf = new Int32Array(n).fill(-1);
  const shardOf = new Uint8Array(n);
  const counts = new Int32Array(256);
  const sizes = new Int32Array(256);
  /** Encoded names of the few ids encodeURIComponent changes. */
  const encoded = new Map<number, string>();
  // Two passes in fleet order (a million ids read in order, not scattered by shard): sizes, then bytes.
  for (let i = 0; i < n; i++) {
    const winner = winners[i];
    if (winner === null) continue;
    let d = deployments.get(winner);
    if (d === undefined) {
      const key = keys.get(winner);
      if (key === undefined) throw new Error(`no rendered manifest for deployment '${winner}'`);
      d = deployments.size;
      blobIds.push(...Buffer.from(key, 'hex'));
      deployments.set(winner, d);
    }
    deploymentOf[i] = d;
    const id = deviceIds[i];
    const hash = sha256Hex(id);
    const shard = (hexValue(hash.charCodeAt(0)) << 4) | hexValue(hash.charCodeAt(1));
    shardOf[i] = shard;
    counts[shard]++;
    let length = id.length;
    if (!isPlain(id)) {
      const name = encodeURIComponent(id);
      encoded.set(i, name);
      length = name.length;
    }
    sizes[shard] += length + ENTRY_OVERHEAD;
  }
  const blobs = Uint8Array.from(blobIds);
  const buffers = Array.from(sizes, (size) => Buffer.allocUnsafe(size));
  const devicesOf = Array.from(counts, (count) => new Int32Array(count));
  const offsetsOf = Array.from(counts, (count) => new Int32Array(count + 1));
  const filled = new Int32Array(256);
  const at = new Int32Array(256);
  for (let i = 0; i < n; i++) {
    const d = deploymentOf[i];
    if (d < 0) continue;
    const s = shardOf[i];
    const bytes = buffers[s];
    let o = at[s];
    const k = filled[s]++;
    devicesOf[s][k] = i;
    offsetsOf[s][k] = o;
    // Byte by byte: Buffer#copy costs a native call, too dear for a few bytes a million times.
    for (let c = 0; c < MODE_PREFIX.length; c++) bytes[o++] = MODE_PREFIX[c];
    const name = encoded.size > 0 ? (encoded.get(i) ?? deviceIds[i]) : deviceIds[i];
    for (let c = 0; c < name.length; c++) bytes[o++] = name.charCodeAt(c);
    for (let c = 0; c < JSON_SUFFIX.length; c++) bytes[o++] = JSON_SUFFIX[c];
    bytes[o++] = 0;
    for (let b = d * 20, e = b + 20; b < e; b++) bytes[o++] = blobs[b];
    at[s] = o;
  }
  const shards = new Map<string, WantedShard>();
  for (let s = 0; s < 256; s++) {
    if (counts[s] === 0) continue;
    const offsets = offsetsOf[s];
    offsets[counts[s]] = sizes[s];
    let shard: WantedShard = { oid: '', bytes: buffers[s], devices: devicesOf[s], offsets };
    // Fleet order is name order unless an id is a prefix of the next (`a` then `a-b`: `a-b.json` < `a.json`) or needs encoding.
    if (!inOrder(shard)) shard = sortShard(shard);
    const name = s.toString(16).padStart(2, '0');
    shards.set(name, { ...shard, oid: objectId('tree', shard.bytes) });
  }
  wantedCache.set(fleet, { keys, shards });
  return shards;
}

/** Whether each entry's name sorts after the one before. */
function inOrder({ bytes, offsets, devices }: WantedShard): boolean {
  for (let k = 1; k < devices.length; k++) {
    if (compareNames(bytes, offsets[k - 1] + MODE_PREFIX.length, offsets[k] - 21, bytes, offsets[k] + MODE_PREFIX.length, offsets[k + 1] - 21, false) >= 0) {
      return false;
    }
  }
  return true;
}

/** The same entries in name order. */
function sortShard({ bytes, offsets, devices }: WantedShard): WantedShard {
  const entry = (k: number) => bytes.subarray(offsets[k], offsets[k + 1]);
  const name = (k: number) => bytes.subarray(offsets[k] + MODE_PREFIX.length, offsets[k + 1] - 21);
  const order = Array.from(devices, (_, k) => k).sort((x, y) => Buffer.compare(name(x), name(y)));
  const sorted = Buffer.concat(order.map(entry));
  const out = { oid: '', bytes: sorted, devices: Int32Array.from(order, (k) => devices[k]), offsets: new Int32Array(offsets.length) };
  let o = 0;
  order.forEach((k, j) => {
    out.offsets[j] = o;
    o += offsets[k + 1] - offsets[k];
  });
  out.offsets[order.length] = o;
  return out;
}

const NO_SHARD: WantedShard = { oid: '', bytes: Buffer.alloc(0), devices: new Int32Array(0), offsets: new Int32Array(1) };

/**
 * Compares name `t[ts, te)` with `p[ps, pe)` in git's tree order (a tree's name as
 * if it ended in `/`; the wanted names are all files').
 */
function compareNames(t: Buffer, ts: number, te: number, p: Buffer, ps: number, pe: number, pIsTree: boolean): number {
  const tl = te - ts;
  const pl = pe - ps;
  const common = tl < pl ? tl : pl;
  for (let k = 0; k < common; k++) {
    const d = t[ts + k] - p[ps + k];
    if (d !== 0) return d;
  }
  if (!pIsTree) return tl - pl;
  if (tl <= pl) return -1;
  const d = t[ts + pl] - 0x2f;
  return d !== 0 ? d : tl - (pl + 1);
}

const is100644 = (p: Buffer, at: number): boolean =>
  p[at] === 0x31 && p[at + 1] === 0x30 && p[at + 2] === 0x30 && p[at + 3] === 0x36 && p[at + 4] === 0x34 && p[at + 5] === 0x34 && p[at + 6] === 0x20;

/**
 * Walks a shard as it is (`had`) beside the wanted one, both in tree order: sets
 * the verdict of each wanted device, collects the devices that left the fleet,
 * and returns the shard's new bytes (the wanted entries and the kept ones, in order).
 */
function mergeShard(want: WantedShard, had: Buffer, deviceIds: readonly string[], verdicts: Uint8Array, remove: string[], positions: Int32Array): Buffer {
  const { bytes: t, offsets, devices } = want;
  const count = devices.length;
  const end = had.length;
  /** Entries kept from `had`: [before which wanted entry, start, end]. */
  const kept: number[] = [];
  let j = 0;
  let at = 0;
  while (at < end) {
    let space = at;
    while (space < end && had[space] !== 0x20) space++;
    let nul = space + 1;
    while (nul < end && had[nul] !== 0) nul++;
    if (space >= end || nul + 21 > end) throw new Error('malformed tree object');
    const blobMode = space - at === 6;
    const isTree = !blobMode && space - at === 5 && had[at] === 0x34;
    let cmp = 1;
    while (j < count && (cmp = compareNames(t, offsets[j] + MODE_PREFIX.length, offsets[j + 1] - 21, had, space + 1, nul, isTree)) < 0) {
      verdicts[devices[j++]] = ADD;
    }
    if (j < count && cmp === 0) {
      // The device's file: unchanged when it is the same blob, a plain file.
      let same = is100644(had, at);
      const blob = offsets[j + 1] - 20;
      for (let b = 0; same && b < 20; b++) same = t[blob + b] === had[nul + 1 + b];
      if (!same) verdicts[devices[j]] = UPDATE;
      j++;
    } else {
      // Not wanted: the file of a device that left the fleet goes; anything else stays.
      const deviceId = blobMode ? idOfName(had.toString('utf8', space + 1, nul)) : undefined;
      if (deviceId !== undefined && indexOfSorted(deviceIds, deviceId) < 0) remove.push(deviceId);
      else kept.push(j, at, nul + 21);
    }
    at = nul + 21;
  }
  for (; j < count; j++) verdicts[devices[j]] = ADD;
  // Where each wanted device's blob id ends up: after the kept entries placed before it.
  let shift = 0;
  for (let k = 0, q = 0; k < count; k++) {
    for (; q < kept.length && kept[q] <= k; q += 3) shift += kept[q + 2] - kept[q + 1];
    positions[devices[k]] = offsets[k + 1] - 20 + shift;
  }
  if (kept.length === 0) return t;
  const parts: Buffer[] = [];
  let from = 0;
  for (let k = 0; k < kept.length; k += 3) {
    const cut = offsets[kept[k]];
    parts.push(t.subarray(from, cut), had.subarray(kept[k + 1], kept[k + 2]));
    from = cut;
  }
  parts.push(t.subarray(from));
  return Buffer.concat(parts);
}

/** A diff's outcome: the change set, the shards of the tree to write, and the state of that tree (rendered-state.ts). */
export interface RenderedDiff {
  readonly changes: ApplyChanges;
  readonly shards: Map<string, Shard>;
  readonly state: RenderedState;
  /** The state was `tree`'s, kept before (the ids were patched); else worked out by the full diff. */
  readonly patched: boolean;
}

/**
 * The change set of `tree` against the wanted rendering, and the shards of the tree
 * to write for it: patched in place from the kept state of `tree`'s commit when the
 * change allows (see rendered-state.ts), else by the full diff.
 */
export async function diffRendered(
  repo: GitRepository,
  tree: RenderedTree,
  desired: { readonly fleet: Fleet; readonly keys: ReadonlyMap<string, string> },
): Promise<RenderedDiff> {
  const gitdir = stateFolder(repo);
  const kept = gitdir && tree.commit ? readState(gitdir, tree.commit) : undefined;
  const patched = kept && (await patchShards(repo, tree, desired, kept));
  return patched ?? fullDiff(repo, tree, desired);
}

/** Where states are kept: the repository's git folder, when it is on this machine's disk. */
export const stateFolder = (repo: GitRepository): string | undefined => (baseFs(repo.fs) === nodeFs ? (repo.gitdir ?? path.join(repo.dir, '.git')) : undefined);

const shardName = (s: number): string => s.toString(16).padStart(2, '0');

/**
 * The diff from `tree`'s kept state: `undefined` unless every device is in the
 * fleet the state was made for and keeps its file (managed then and now, or
 * unmanaged then and now); then only the devices whose blob changes are rewritten,
 * their 20-byte ids patched where the state says they are.
 */
async function patchShards(
  repo: GitRepository,
  tree: RenderedTree,
  { fleet, keys }: { readonly fleet: Fleet; readonly keys: ReadonlyMap<string, string> },
  state: RenderedState,
): Promise<RenderedDiff | undefined> {
  const { deviceIds } = fleet;
  const n = deviceIds.length;
  if (state.blobOf.length !== n) return undefined;
  const blobs = [...state.blobs];
  const blobOf = blobIndices(fleet, keys, blobs);
  const verdicts = new Uint8Array(n);
  const touched = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const b = blobOf[i];
    const had = state.blobOf[i];
    if (b < 0 !== had < 0) return undefined;
    if (b !== had) {
      verdicts[i] = UPDATE;
      const list = touched.get(state.shardOf[i]);
      if (list) list.push(i);
      else touched.set(state.shardOf[i], [i]);
    }
  }
  if (fleetIdentity(deviceIds) !== state.fleet) return undefined;
  const blobBytes = Buffer.from(blobs.join(''), 'hex');
  const shards = new Map(tree.shards);
  for (const [s, devices] of touched) {
    const shard = tree.shards.get(shardName(s));
    if (!shard) return undefined;
    // A shard read from disk is this diff's own to patch; one held in memory is copied first.
    const read = shard.bytes ? undefined : await shardBytes(repo, shard);
    const bytes = read ? Buffer.from(read.buffer, read.byteOffset, read.byteLength) : Buffer.from(shard.bytes!);
    for (const i of devices) {
      const at = state.at[i];
      // The state must say what the tree holds: else it is not this tree's, and the full diff runs.
      if (!holds(bytes, at, deviceIds[i], blobBytes, state.blobOf[i])) return undefined;
      // Byte by byte: a native copy per device costs more than the 20 bytes it moves.
      for (let k = 0, from = blobOf[i] * 20; k < 20; k++) bytes[at + k] = blobBytes[from + k];
    }
    shards.set(shardName(s), { oid: objectId('tree', bytes), bytes });
  }
  return {
    changes: changeSet(fleet, keys, verdicts, []),
    shards,
    state: { fleet: state.fleet, blobs, blobOf, shardOf: state.shardOf, at: state.at },
    patched: true,
  };
}

/** Each device's blob as an index into `blobs` (added to as needed), -1 when it is unmanaged: looked up once per deployment. */
function blobIndices({ deviceIds, winners }: Fleet, keys: ReadonlyMap<string, string>, blobs: string[]): Int32Array {
  const index = new Map(blobs.map((b, i) => [b, i]));
  const ofDeployment = new Map<string, number>();
  const out = new Int32Array(deviceIds.length);
  for (let i = 0; i < out.length; i++) {
    const winner = winners[i];
    if (winner === null) {
      out[i] = -1;
      continue;
    }
    let b = ofDeployment.get(winner);
    if (b === undefined) {
      const key = keys.get(winner);
      if (key === undefined) throw new Error(`no rendered manifest for deployment '${winner}'`);
      b = index.get(key);
      if (b === undefined) index.set(key, (b = blobs.push(key) - 1));
      ofDeployment.set(winner, b);
    }
    out[i] = b;
  }
  return out;
}

/** Whether a shard's bytes hold, with its blob id at `at`, the file of `deviceId` with blob `blob` of `blobBytes`. */
function holds(bytes: Buffer, at: number, deviceId: string, blobBytes: Buffer, blob: number): boolean {
  if (at + 20 > bytes.length) return false;
  for (let k = 0, from = blob * 20; k < 20; k++) if (bytes[at + k] !== blobBytes[from + k]) return false;
  const name = isPlain(deviceId) ? deviceId : deviceFileName(deviceId).slice(0, -JSON_SUFFIX.length);
  // `100644 <name>.json\0` just before.
  let o = at - 1 - JSON_SUFFIX.length - name.length;
  if (o < MODE_PREFIX.length || bytes[o - 1] !== 0x20 || bytes[at - 1] !== 0) return false;
  for (let k = 0; k < name.length; k++, o++) if (bytes[o] !== name.charCodeAt(k)) return false;
  for (let k = 0; k < JSON_SUFFIX.length; k++, o++) if (bytes[o] !== JSON_SUFFIX[k]) return false;
  return true;
}

/** The full diff: every wanted shard laid out, each one that differs walked beside the old one. */
async function fullDiff(
  repo: GitRepository,
  tree: RenderedTree,
  desired: { readonly fleet: Fleet; readonly keys: ReadonlyMap<string, string> },
): Promise<RenderedDiff> {
  const { fleet, keys } = desired;
  const wanted = wantedShards(fleet, keys);
  const n = fleet.deviceIds.length;
  const verdicts = new Uint8Array(n);
  const positions = new Int32Array(n).fill(-1);
  const shardOf = new Uint8Array(n);
  const remove: string[] = [];
  const shards = new Map<string, Shard>();
  const names = [...new Set([...wanted.keys(), ...tree.shards.keys()])].sort();
  const merged = await Promise.all(
    names.map(async (name): Promise<Shard | undefined> => {
      const want = wanted.get(name);
      const had = tree.shards.get(name);
      if (want) {
        const s = Number.parseInt(name, 16);
        for (let k = 0; k < want.devices.length; k++) {
          shardOf[want.devices[k]] = s;
          positions[want.devices[k]] = want.offsets[k + 1] - 20;
        }
      }
      if (want && had?.oid === want.oid) return want;
      if (!had) {
        for (const i of want!.devices) verdicts[i] = ADD;
        return want;
      }
      const read = await shardBytes(repo, had);
      const bytes = mergeShard(want ?? NO_SHARD, Buffer.from(read.buffer, read.byteOffset, read.byteLength), fleet.deviceIds, verdicts, remove, positions);
      if (bytes.length === 0) return undefined;
      return bytes === want?.bytes ? want : { oid: objectId('tree', bytes), bytes };
    }),
  );
  names.forEach((name, k) => merged[k] && shards.set(name, merged[k]));
  // The state of the tree written (each managed device's blob, and where its id is), worked out when asked for:
  // the IoT Hub sink's diff of its delivered branch never asks.
  let state: RenderedState | undefined;
  const stateOf = (): RenderedState => {
    const blobs: string[] = [];
    return (state ??= { fleet: fleetIdentity(fleet.deviceIds), blobOf: blobIndices(fleet, keys, blobs), blobs, shardOf, at: positions });
  };
  return {
    changes: changeSet(fleet, keys, verdicts, remove),
    shards,
    get state() {
      return stateOf();
    },
    patched: false,
  };
}
