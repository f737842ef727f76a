/**
 * A rendered tree in a git repository (DESIGN §3): `devices/<xx>/<id>.json`, one
 * blob per distinct manifest, one tree per shard. Shared by the git sink
 * (`edgeops/rendered`) and the IoT Hub sink (`edgeops/delivered/<host>`).
 *
 * Written as loose objects (blobs and trees deflated with node's zlib when the fs
 * is node's, else isomorphic-git's writeObject; commits with isomorphic-git),
 * never through a work tree or an index: a million devices make 256 shard trees,
 * and a change rewrites only the shards it touches (the others keep their tree
 * ids, so git stores and sends nothing for them). rendered-diff.ts compares a
 * rendering with what is wanted without reading the shards that are equal.
 */
import crypto, { createHash } from 'node:crypto';
import nodeFs, { existsSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import git, { type TreeEntry } from 'isomorphic-git';
import { DEVICES_FOLDER, deviceFileName, deviceIdOfFileName } from '../../core/manifest/layout.js';
import { baseFs, writeFileAtomicSync } from '../atomic-fs.js';
import { readFileBounded } from '../bounded-reads.js';
import type { GitRepository } from '../git.js';
import { inflateObject, looseObjectPath, parseTree, treeContentStart } from './loose-objects.js';
import { takePrefetched } from './shard-prefetch.js';

/** The trailer naming the source a rendering was made from: a commit SHA, or `working-tree`. */
export const SOURCE_TRAILER = 'Edgeops-Source';
export const WORKING_TREE = 'working-tree';

/** SHA-256 in hex: node's one-shot `crypto.hash` where there is one (Node 20.12+; several times faster than createHash per call). */
export const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The same as core's `shardOf` (a property test says so), with node's SHA-256: many times faster at a million devices. */
export const fastShardOf = (deviceId: string): string => sha256Hex(deviceId).slice(0, 2);

// Objects are deflated and written synchronously: at a million devices (256 shard trees, ~45 MB,
// ~5 MB deflated) that took 173 ms here, against 270 ms through the thread pool, whose round trips
// cost more than the waits they hide. The main thread has nothing else to do meanwhile. Level 1
// with zlib's largest hash memory: ~20 % faster than the default memory, the same size (level 0
// would take a sixth of the time and write eight times the bytes).

/** A tree object's entries, parsed from its bytes (`<mode> <name>\0<20-byte id>` each). */
export interface RawEntry {
  readonly mode: string;
  readonly name: string;
  readonly oid: string;
}

/** Serializes tree entries in git's order (names compared as bytes, a tree's name as if it ended in `/`). */
export function serializeTree(entries: Iterable<RawEntry>): Uint8Array {
  const list = [...entries];
  // A shard: files only, ASCII names (encodeURIComponent's); string order is byte order, one buffer is written.
  if (list.every((e) => e.mode !== TREE_MODE && /^[\x20-\x7e]*$/.test(e.name))) {
    list.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    let size = 0;
    for (const e of list) size += e.mode.length + e.name.length + 22;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const e of list) {
      at += out.write(`${e.mode} ${e.name}\0`, at, 'latin1');
      at += out.write(e.oid, at, 'hex');
    }
    return out;
  }
  const keyed = list.map((e) => ({ e, key: Buffer.from(e.mode === TREE_MODE ? `${e.name}/` : e.name, 'utf8') }));
  keyed.sort((x, y) => Buffer.compare(x.key, y.key));
  const parts: Buffer[] = [];
  for (const { e } of keyed) parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  return Buffer.concat(parts);
}

export const TREE_MODE = '40000';
const BLOB_MODE = '100644';

/** A device's id from its file name; most need no decoding. */
export const idOfName = (name: string): string | undefined => (name.endsWith('.json') && !name.includes('%') ? name.slice(0, -5) : deviceIdOfFileName(name));

/** A shard folder of a rendered tree: its tree id, and its bytes once read or built. */
export interface Shard {
  readonly oid: string;
  readonly bytes?: Uint8Array;
}

/** A branch's rendered tree as read: the commit, and its shards by tree id (their bytes are read only when needed). */
export interface RenderedTree {
  /** The commit read; `null` when the branch does not exist yet. */
  readonly commit: string | null;
  /** The commit's `Edgeops-Source` trailer: a SHA, `working-tree`, or `null` when it has none. */
  readonly source: string | null;
  /** Root entries other than `devices/`, kept as they are. */
  readonly rest: readonly TreeEntry[];
  /** Shard name → its tree. */
  readonly shards: ReadonlyMap<string, Shard>;
}

export const EMPTY_TREE: RenderedTree = { commit: null, source: null, rest: [], shards: new Map() };

/** The commit a branch points at, or `null` when it does not exist. */
export async function branchTip(repo: GitRepository, branch: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, ref: `refs/heads/${branch}` });
  } catch (e) {
    if ((e as { code?: string }).code === 'NotFoundError') return null;
    throw e;
  }
}

export const sourceTrailer = (message: string): string | null => new RegExp(`^${SOURCE_TRAILER}: (\\S+)\\s*$`, 'm').exec(message)?.[1] ?? null;

/**
 * A tree object's bytes. A loose object is read and inflated with node's zlib
 * (isomorphic-git inflates in JavaScript: a million devices' shards are ~50 MB);
 * a packed one (fetched from a remote) through isomorphic-git.
 */
async function readTreeBytes(repo: GitRepository, oid: string): Promise<Uint8Array> {
  if (baseFs(repo.fs) === nodeFs) {
    const deflated = await readFileBounded(looseObjectPath(repo.gitdir ?? path.join(repo.dir, '.git'), oid)).catch(() => undefined);
    if (deflated) {
      const raw = inflateObject(deflated);
      const start = treeContentStart(raw);
      if (start > 0) return raw.subarray(start);
    }
  }
  const { object } = await git.readObject({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, cache: repo.cache, oid, format: 'content' });
  return object as Uint8Array;
}

/** The id git gives an object: SHA-1 of `<type> <length>\0` and the content. */
export const objectId = (type: 'blob' | 'tree', content: Uint8Array): string =>
  createHash('sha1').update(`${type} ${content.byteLength}\0`, 'latin1').update(content).digest('hex');

/**
 * Writes a loose object (deflated with node's zlib when the fs is node's) and
 * returns its id; `oid` when the caller has it already. An existing object is not
 * written again.
 */
async function writeObject(repo: GitRepository, type: 'blob' | 'tree', content: Uint8Array, oid = objectId(type, content)): Promise<string> {
  if (baseFs(repo.fs) !== nodeFs) return git.writeObject({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, type, format: 'content', object: content });
  const folder = path.join(repo.gitdir ?? path.join(repo.dir, '.git'), 'objects', oid.slice(0, 2));
  const file = path.join(folder, oid.slice(2));
  if (!existsSync(file)) {
    // Written aside and renamed: a reader never sees half an object.
    writeFileAtomicSync(file, [deflateSync(withHeader(type, content), { level: 1, memLevel: 9 })]);
  }
  return oid;
}

/**
 * The object's bytes, header first. A tree read from disk and patched in place
 * (rendered-diff.ts) still has its header just before it, in the same buffer: used
 * as it is, not copied (~40 MB of shards at a million devices).
 */
function withHeader(type: 'blob' | 'tree', content: Uint8Array): Buffer {
  const header = Buffer.from(`${type} ${content.byteLength}\0`, 'latin1');
  const start = content.byteOffset - header.length;
  if (start >= 0) {
    const before = Buffer.from(content.buffer, start, header.length);
    if (before.equals(header)) return Buffer.from(content.buffer, start, header.length + content.byteLength);
  }
  return Buffer.concat([header, content]);
}

/** A shard's bytes: as held, read ahead (shard-prefetch.ts), or read now. */
export const shardBytes = async (repo: GitRepository, shard: Shard): Promise<Uint8Array> =>
  shard.bytes ?? (await takePrefetched(repo, shard.oid)) ?? (await readTreeBytes(repo, shard.oid));

/** The devices of one shard tree into `received` (device id → blob id): the hot loop of reading a million devices. */
function readShard(bytes: Uint8Array, received: Map<string, string>): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    const nul = b.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > b.length) throw new Error('malformed tree object');
    // A device's file: mode 100644 (6 bytes), an ASCII name (encodeURIComponent's) ending in `.json`.
    if (space - i === 6) {
      const name = b.toString('latin1', space + 1, nul);
      const deviceId = idOfName(name);
      if (deviceId !== undefined) received.set(deviceId, b.toString('hex', nul + 1, nul + 21));
    }
    i = nul + 21;
  }
}

/** Reads the rendered tree of a commit (`null`: the empty tree): its root and shard ids, not the shards. */
export async function readRenderedTree(repo: GitRepository, commit: string | null): Promise<RenderedTree> {
  if (commit === null) return EMPTY_TREE;
  const { fs, dir, gitdir, cache } = repo;
  const { commit: c } = await git.readCommit({ fs, dir, gitdir, oid: commit, cache });
  const root = await git.readTree({ fs, dir, gitdir, oid: c.tree, cache });
  const devices = root.tree.find((e) => e.path === DEVICES_FOLDER && e.type === 'tree');
  const rest = root.tree.filter((e) => e !== devices);
  const shards = new Map<string, Shard>();
  if (devices) parseTree(await readTreeBytes(repo, devices.oid), (mode, name, oid) => void (mode === TREE_MODE && shards.set(name, { oid })));
  return { commit, source: sourceTrailer(c.message), rest, shards };
}

/** What each device of a rendered tree last got: deviceId → blob id of its file (every shard read). */
export async function readReceived(repo: GitRepository, tree: RenderedTree): Promise<Map<string, string>> {
  const received = new Map<string, string>();
  const read = await Promise.all([...tree.shards.values()].map((shard) => shardBytes(repo, shard)));
  for (const bytes of read) readShard(bytes, received);
  return received;
}

/** A change to one device's entry: its new blob id, or `null` to remove it. */
export interface EntryChange {
  readonly deviceId: string;
  readonly blob: string | null;
}

export interface CommitInfo {
  readonly message: string;
  /** The commit time (handed in: tests and reproducible runs pass a clock). */
  readonly date: Date;
}

export const EDGEOPS_AUTHOR = { name: 'edgeops', email: 'edgeops@users.noreply.github.com' };

/** `edgeops: <short sha>: N pushed, M removed` and the `Edgeops-Source` trailer. */
export function renderedMessage(source: string | null, pushed: number, removed: number, title = 'edgeops'): string {
  const short = source === null ? WORKING_TREE : source.slice(0, 7);
  return `${title}: ${short}: ${pushed} pushed, ${removed} removed\n\n${SOURCE_TRAILER}: ${source ?? WORKING_TREE}\n`;
}

/** Writes the blobs (one per distinct manifest; an existing object is not written again). */
export async function writeBlobs(repo: GitRepository, texts: Iterable<string>): Promise<Map<string, string>> {
  const oids = new Map<string, string>();
  const all = [...texts];
  // A few dozen at a time: a first apply writes a thousand, and each waits on the disk and on deflate.
  for (let i = 0; i < all.length; i += 32) {
    const chunk = all.slice(i, i + 32);
    const written = await Promise.all(chunk.map((text) => writeObject(repo, 'blob', Buffer.from(text, 'utf8'))));
    chunk.forEach((text, k) => oids.set(text, written[k]));
  }
  return oids;
}

/**
 * Writes the tree of `base` with `changes` carried out, and a commit of it on top
 * of `base.commit` (no ref is moved: the caller decides where it goes). The
 * blobs must exist (writeBlobs). Returns the commit and its shards, to commit on
 * top again without reading it back.
 */
export async function commitRenderedTree(
  repo: GitRepository,
  base: RenderedTree,
  changes: Iterable<EntryChange>,
  info: CommitInfo,
): Promise<RenderedTree & { readonly commit: string }> {
  const byShard = new Map<string, EntryChange[]>();
  for (const change of changes) {
    const shard = fastShardOf(change.deviceId);
    let list = byShard.get(shard);
    if (!list) byShard.set(shard, (list = []));
    list.push(change);
  }
  const shards = new Map(base.shards);
  for (const [name, list] of byShard) {
    const entries = new Map<string, RawEntry>();
    const previous = base.shards.get(name);
    if (previous) parseTree(await shardBytes(repo, previous), (mode, file, oid) => entries.set(file, { mode, name: file, oid }));
    for (const { deviceId, blob } of list) {
      const file = deviceFileName(deviceId);
      if (blob === null) entries.delete(file);
      else entries.set(file, { mode: BLOB_MODE, name: file, oid: blob });
    }
    if (entries.size === 0) shards.delete(name);
    else {
      const bytes = serializeTree(entries.values());
      shards.set(name, { oid: objectId('tree', bytes), bytes });
    }
  }
  return commitShards(repo, base, shards, info);
}

/**
 * Writes a commit on top of `base.commit` whose `devices/` holds `shards` (the
 * shard trees not in `base` are written; the others keep their ids and are not
 * touched) and whose other root entries are `base`'s.
 */
export async function commitShards(
  repo: GitRepository,
  base: RenderedTree,
  shards: ReadonlyMap<string, Shard>,
  info: CommitInfo,
): Promise<RenderedTree & { readonly commit: string }> {
  const { fs, dir, gitdir } = repo;
  const fresh = [...shards].filter(([name, shard]) => base.shards.get(name)?.oid !== shard.oid);
  await Promise.all(
    fresh.map(([name, shard]) => {
      if (!shard.bytes) throw new Error(`shard ${name} has no bytes to write`);
      return writeObject(repo, 'tree', shard.bytes, shard.oid);
    }),
  );
  const root: TreeEntry[] = [...base.rest];
  if (shards.size > 0) {
    const devices = await writeObject(repo, 'tree', serializeTree([...shards].map(([name, { oid }]) => ({ mode: TREE_MODE, name, oid }))));
    root.push({ mode: '040000', path: DEVICES_FOLDER, oid: devices, type: 'tree' });
  }
  const tree = await git.writeTree({ fs, dir, gitdir, tree: root });
  const when = { ...EDGEOPS_AUTHOR, timestamp: Math.floor(info.date.getTime() / 1000), timezoneOffset: 0 };
  const commit = await git.commit({
    fs,
    dir,
    gitdir,
    message: info.message,
    tree,
    parent: base.commit ? [base.commit] : [],
    author: when,
    committer: when,
    noUpdateBranch: true,
  });
  return { commit, source: sourceTrailer(info.message), rest: base.rest, shards };
}

/** Points a local branch at a commit. */
export async function setBranch(repo: GitRepository, branch: string, commit: string): Promise<void> {
  await git.writeRef({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, ref: `refs/heads/${branch}`, value: commit, force: true });
}
