/**
 * A rendered tree in a git repository (DESIGN §3): `devices/<xx>/<id>.json`, one
 * blob per distinct manifest, one tree per shard. Shared by the git sink
 * (`edgeops/rendered`) and the IoT Hub sink (`edgeops/delivered/<host>`).
 *
 * Written with isomorphic-git's writeBlob / writeTree / commit, never through a
 * work tree or an index: a million devices make 256 shard trees, and a change
 * rewrites only the shards it touches (the others keep their tree ids, so git
 * stores and sends nothing for them).
 */
import { createHash } from 'node:crypto';
import nodeFs, { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import git, { type TreeEntry } from 'isomorphic-git';
import { DEVICES_FOLDER, deviceFileName, deviceIdOfFileName } from '../../core/manifest/layout.js';
import { baseFs } from '../atomic-fs.js';
import type { GitRepository } from '../git.js';

/** The trailer naming the source a rendering was made from: a commit SHA, or `working-tree`. */
export const SOURCE_TRAILER = 'Edgeops-Source';
export const WORKING_TREE = 'working-tree';

/** The same as core's `shardOf` (a property test says so), with node's SHA-256: three times faster at a million devices. */
export const fastShardOf = (deviceId: string): string => createHash('sha256').update(deviceId, 'utf8').digest().subarray(0, 1).toString('hex');

/** A tree object's entries, parsed from its bytes (`<mode> <name>\0<20-byte id>` each). */
export interface RawEntry {
  readonly mode: string;
  readonly name: string;
  readonly oid: string;
}

/** Parses a git tree object. Faster than isomorphic-git's readTree at a million entries: no per-entry objects beyond these. */
export function parseTree(bytes: Uint8Array, each: (mode: string, name: string, oid: string) => void): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    const nul = b.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > b.length) throw new Error('malformed tree object');
    each(b.toString('latin1', i, space), b.toString('utf8', space + 1, nul), b.toString('hex', nul + 1, nul + 21));
    i = nul + 21;
  }
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

const TREE_MODE = '40000';
const BLOB_MODE = '100644';

/** A device's id from its file name; most need no decoding. */
const idOfName = (name: string): string | undefined => (name.endsWith('.json') && !name.includes('%') ? name.slice(0, -5) : deviceIdOfFileName(name));

/** A branch's rendered tree as read: what each device last got, by blob id. */
export interface RenderedTree {
  /** The commit read; `null` when the branch does not exist yet. */
  readonly commit: string | null;
  /** The commit's `Edgeops-Source` trailer: a SHA, `working-tree`, or `null` when it has none. */
  readonly source: string | null;
  /** deviceId → blob id of its manifest file. */
  readonly received: ReadonlyMap<string, string>;
  /** Root entries other than `devices/`, kept as they are. */
  readonly rest: readonly TreeEntry[];
  /** Shard name → its tree id and bytes (parsed again only when the shard changes). */
  readonly shards: ReadonlyMap<string, { readonly oid: string; readonly bytes: Uint8Array }>;
}

export const EMPTY_TREE: RenderedTree = { commit: null, source: null, received: new Map(), rest: [], shards: new Map() };

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
    const gitdir = repo.gitdir ?? path.join(repo.dir, '.git');
    const deflated = await readFile(path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2))).catch(() => undefined);
    if (deflated) {
      const raw = inflateSync(deflated);
      const nul = raw.indexOf(0);
      if (raw.subarray(0, 5).toString('latin1') === 'tree ') return raw.subarray(nul + 1);
    }
  }
  const { object } = await git.readObject({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, cache: repo.cache, oid, format: 'content' });
  return object as Uint8Array;
}

/** Writes a tree object (loose, deflated with node's zlib when the fs is node's) and returns its id. */
async function writeTreeBytes(repo: GitRepository, content: Uint8Array): Promise<string> {
  if (baseFs(repo.fs) !== nodeFs) return git.writeObject({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, type: 'tree', format: 'content', object: content });
  const raw = Buffer.concat([Buffer.from(`tree ${content.byteLength}\0`, 'latin1'), content]);
  const oid = createHash('sha1').update(raw).digest('hex');
  const folder = path.join(repo.gitdir ?? path.join(repo.dir, '.git'), 'objects', oid.slice(0, 2));
  const file = path.join(folder, oid.slice(2));
  if (!existsSync(file)) {
    await mkdir(folder, { recursive: true });
    // Written aside and renamed: a reader never sees half an object.
    const temp = path.join(folder, `.${oid.slice(2)}.${process.pid}.tmp`);
    await writeFile(temp, deflateSync(raw, { level: 1 }));
    await rename(temp, file);
  }
  return oid;
}

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

/** Reads the rendered tree of a commit (`null`: the empty tree). */
export async function readRenderedTree(repo: GitRepository, commit: string | null): Promise<RenderedTree> {
  if (commit === null) return EMPTY_TREE;
  const { fs, dir, gitdir, cache } = repo;
  const { commit: c } = await git.readCommit({ fs, dir, gitdir, oid: commit, cache });
  const root = await git.readTree({ fs, dir, gitdir, oid: c.tree, cache });
  const devices = root.tree.find((e) => e.path === DEVICES_FOLDER && e.type === 'tree');
  const rest = root.tree.filter((e) => e !== devices);
  const received = new Map<string, string>();
  const shards = new Map<string, { oid: string; bytes: Uint8Array }>();
  if (devices) {
    const folders: { name: string; oid: string }[] = [];
    parseTree(await readTreeBytes(repo, devices.oid), (mode, name, oid) => void (mode === TREE_MODE && folders.push({ name, oid })));
    const read = await Promise.all(folders.map(async (f) => ({ ...f, bytes: await readTreeBytes(repo, f.oid) })));
    for (const { name, oid, bytes } of read) {
      shards.set(name, { oid, bytes });
      readShard(bytes, received);
    }
  }
  return { commit, source: sourceTrailer(c.message), received, rest, shards };
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
  const { fs, dir, gitdir } = repo;
  const oids = new Map<string, string>();
  const encoder = new TextEncoder();
  for (const text of texts) oids.set(text, await git.writeBlob({ fs, dir, gitdir, blob: encoder.encode(text) }));
  return oids;
}

/**
 * Writes the tree of `base` with `changes` carried out, and a commit of it on top
 * of `base.commit` (no ref is moved: the caller decides where it goes). The
 * blobs must exist (writeBlobs). Returns the commit and its shards, to commit on
 * top again without reading it back (`received` is not updated).
 */
export async function commitRenderedTree(
  repo: GitRepository,
  base: RenderedTree,
  changes: Iterable<EntryChange>,
  info: CommitInfo,
): Promise<RenderedTree & { readonly commit: string }> {
  const { fs, dir, gitdir } = repo;
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
    if (previous) parseTree(previous.bytes, (mode, file, oid) => entries.set(file, { mode, name: file, oid }));
    for (const { deviceId, blob } of list) {
      const file = deviceFileName(deviceId);
      if (blob === null) entries.delete(file);
      else entries.set(file, { mode: BLOB_MODE, name: file, oid: blob });
    }
    if (entries.size === 0) shards.delete(name);
    else {
      const bytes = serializeTree(entries.values());
      shards.set(name, { oid: await writeTreeBytes(repo, bytes), bytes });
    }
  }
  const root: TreeEntry[] = [...base.rest];
  if (shards.size > 0) {
    const devices = await git.writeTree({
      fs,
      dir,
      gitdir,
      tree: [...shards].map(([path, { oid }]) => ({ mode: '040000', path, oid, type: 'tree' as const })),
    });
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
  return { commit, source: sourceTrailer(info.message), received: base.received, rest: base.rest, shards };
}

/** Points a local branch at a commit. */
export async function setBranch(repo: GitRepository, branch: string, commit: string): Promise<void> {
  await git.writeRef({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, ref: `refs/heads/${branch}`, value: commit, force: true });
}
