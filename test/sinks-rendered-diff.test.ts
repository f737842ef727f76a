/**
 * The git sink's shard comparison (io/sinks/rendered-diff.ts): counts exactly as
 * core's diffTarget, reads only the shards whose tree id differs, and writes trees
 * git itself reads back. Real repositories in temp dirs, checked with the git CLI.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffTarget } from '../src/core/apply/changes.js';
import { deviceFileName } from '../src/core/manifest/layout.js';
import { diffRendered, stateFolder, wantedShards } from '../src/io/sinks/rendered-diff.js';
import { readState, writeState, type RenderedState } from '../src/io/sinks/rendered-state.js';
import {
  commitRenderedTree,
  commitShards,
  EMPTY_TREE,
  fastShardOf,
  readReceived,
  readRenderedTree,
  writeBlobs,
  type RenderedTree,
} from '../src/io/sinks/rendered-tree.js';
import { handle, testRepo } from './support/git-repo.js';

const info = { message: 'test\n', date: new Date(0) };

/** A repository with two manifests written: their blob ids by deployment. */
async function setup() {
  const t = testRepo();
  const repo = handle(t.dir);
  const blobs = await writeBlobs(repo, ['{"a":1}', '{"b":2}']);
  const keys = new Map([
    ['a', blobs.get('{"a":1}')!],
    ['b', blobs.get('{"b":2}')!],
  ]);
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: t.dir, encoding: 'utf8', input, stdio: 'pipe' }).trim();
  return { t, repo, keys, git };
}

type Fleet = { deviceIds: string[]; winners: (string | null)[] };
const fleetOf = (entries: Record<string, string | null>): Fleet => {
  const deviceIds = Object.keys(entries).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { deviceIds, winners: deviceIds.map((id) => entries[id]) };
};

/** Ids `d0`… until `n` of them fall in `shard`. */
function idsIn(shard: string, n: number, prefix = 'd'): string[] {
  const out: string[] = [];
  for (let k = 0; out.length < n; k++) if (fastShardOf(`${prefix}${k}`) === shard) out.push(`${prefix}${k}`);
  return out;
}

/** `path → blob id` of a commit's tree, as the git CLI reads it. */
function lsTree(git: (args: string[]) => string, commit: string): Map<string, string> {
  const out = git(['ls-tree', '-r', commit]);
  return new Map(out ? out.split('\n').map((l) => [l.split('\t')[1], l.split(/\s+/)[2]]) : []);
}
const shardIds = (git: (args: string[]) => string, commit: string): Map<string, string> =>
  new Map(
    git(['ls-tree', `${commit}:devices`])
      .split('\n')
      .map((l) => [l.split('\t')[1], l.split(/\s+/)[2]]),
  );
const pathOf = (id: string) => `devices/${fastShardOf(id)}/${deviceFileName(id)}`;

/** Renders a fleet from nothing (every device added) and commits it. */
async function render(repo: ReturnType<typeof handle>, fleet: Fleet, keys: Map<string, string>, base: RenderedTree = EMPTY_TREE) {
  const { changes, shards } = await diffRendered(repo, base, { fleet, keys });
  const { commit } = await commitShards(repo, base, shards, info);
  return { changes, commit };
}

describe('diffRendered: shards compared by tree id', () => {
  it('writes shard trees as git writes them (sorted, encoded names, prefixes), and git fsck finds nothing wrong', async () => {
    const { repo, keys, git } = await setup();
    // Ids needing encoding, and an id that is a prefix of another in the same shard (`x-1.json` sorts before `x.json`).
    let k = 0;
    while (fastShardOf(`x${k}`) !== fastShardOf(`x${k}-1`)) k++;
    const entries: Record<string, string | null> = { [`x${k}`]: 'a', [`x${k}-1`]: 'b', 'ünï cødé': 'a', 'a/b': 'b', '(x)': 'a', "it's": 'b' };
    for (const id of idsIn(fastShardOf(`x${k}`), 5)) entries[id] = 'a';
    const fleet = fleetOf(entries);
    const { changes, commit } = await render(repo, fleet, keys);
    expect(changes.add).toHaveLength(fleet.deviceIds.length);
    git(['fsck', '--strict', '--no-dangling']);
    const tree = lsTree(git, commit);
    expect(tree).toEqual(new Map(fleet.deviceIds.map((id, i) => [pathOf(id), keys.get(fleet.winners[i]!)!])));
    // Each shard tree is what `git mktree` makes of its entries.
    for (const [name, oid] of shardIds(git, commit)) {
      expect(git(['mktree'], `${git(['ls-tree', oid])}\n`)).toBe(oid);
      expect(wantedShards(fleet, keys).get(name)!.oid).toBe(oid);
    }
  });

  it('does not read a shard whose tree id matches, and pushes a changed device in another shard', async () => {
    const { t, repo, keys, git } = await setup();
    const [x, y] = ['3a', 'c7'];
    const inX = idsIn(x, 4);
    const inY = idsIn(y, 4);
    const entries = Object.fromEntries([...inX, ...inY].map((id) => [id, 'a']));
    const first = await render(repo, fleetOf(entries), keys);
    const before = shardIds(git, first.commit);

    // Shard x's tree object is moved away: reading it would fail.
    const object = path.join(t.dir, '.git/objects', before.get(x)!.slice(0, 2), before.get(x)!.slice(2));
    renameSync(object, `${object}.aside`);
    const base = await readRenderedTree(repo, first.commit);
    const fleet = fleetOf({ ...entries, [inY[2]]: 'b' });
    const { changes, shards } = await diffRendered(repo, base, { fleet, keys });
    renameSync(`${object}.aside`, object);

    expect(changes).toMatchObject({ add: [], update: [{ deviceId: inY[2], deployment: 'b', key: keys.get('b') }], remove: [], unchanged: 7, unmanaged: 0 });
    const { commit } = await commitShards(repo, base, shards, info);
    const after = shardIds(git, commit);
    expect(after.get(x)).toBe(before.get(x));
    expect(after.get(y)).not.toBe(before.get(y));
    expect(lsTree(git, commit).get(pathOf(inY[2]))).toBe(keys.get('b'));
    git(['fsck', '--strict', '--no-dangling']);
  });

  it('removes a device that left the fleet from an otherwise unchanged shard; an unmanaged device keeps its file', async () => {
    const { repo, keys, git } = await setup();
    const inX = idsIn('05', 4);
    const inY = idsIn('e0', 3);
    const entries = Object.fromEntries([...inX, ...inY].map((id) => [id, 'a']));
    const first = await render(repo, fleetOf(entries), keys);
    const before = shardIds(git, first.commit);

    const { [inX[1]]: _gone, ...rest } = entries;
    const fleet = fleetOf({ ...rest, [inX[3]]: null });
    const base = await readRenderedTree(repo, first.commit);
    const { changes, commit } = await render(repo, fleet, keys, base);
    expect(changes).toMatchObject({ add: [], update: [], remove: [inX[1]], unchanged: 5, unmanaged: 1 });
    const tree = lsTree(git, commit);
    expect(tree.has(pathOf(inX[1]))).toBe(false);
    expect(tree.get(pathOf(inX[3]))).toBe(keys.get('a'));
    expect(tree.size).toBe(6);
    expect(shardIds(git, commit).get('e0')).toBe(before.get('e0'));
    git(['fsck', '--strict', '--no-dangling']);
  });

  it('keeps files of a shard that are not a device’s (written by git itself), in git’s order', async () => {
    const { repo, keys, git } = await setup();
    const inX = idsIn('9b', 3);
    const first = await render(repo, fleetOf(Object.fromEntries(inX.map((id) => [id, 'a']))), keys);
    // Someone adds `notes` (a file) and `zz` (a folder) to shard 9b with the git CLI.
    const shard = git(['rev-parse', `${first.commit}:devices/9b`]);
    const notes = git(['hash-object', '-w', '--stdin'], 'hello\n');
    const folder = git(['mktree'], `100644 blob ${notes}\tinside\n`);
    const listing = `${git(['ls-tree', shard])}\n100644 blob ${notes}\tnotes\n040000 tree ${folder}\t${inX[0]}.json.d\n`;
    const edited = git(['mktree'], listing);
    const devices = git(['mktree'], `040000 tree ${edited}\t9b\n`);
    const root = git(['mktree'], `040000 tree ${devices}\tdevices\n`);
    const commit = git(['commit-tree', root, '-p', first.commit, '-m', 'edit'], '');

    const fleet = fleetOf(Object.fromEntries(inX.map((id, i) => [id, i === 0 ? 'b' : 'a'])));
    const base = await readRenderedTree(repo, commit);
    const next = await render(repo, fleet, keys, base);
    expect(next.changes).toMatchObject({ update: [{ deviceId: inX[0] }], remove: [], unchanged: 2 });
    const tree = lsTree(git, next.commit);
    expect(tree.get('devices/9b/notes')).toBe(notes);
    expect(tree.get(`devices/9b/${inX[0]}.json.d/inside`)).toBe(notes);
    expect(tree.get(pathOf(inX[0]))).toBe(keys.get('b'));
    git(['fsck', '--strict', '--no-dangling']);
  });

  it('counts exactly as diffTarget against any previous rendering, and writes the tree that follows (property)', async () => {
    const { repo, keys, git } = await setup();
    const id = fc.stringMatching(/^[ab.\-é ]{1,3}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(id, fc.constantFrom<string | null>('a', 'b', null), { maxKeys: 20 }),
        fc.dictionary(id, fc.constantFrom('a', 'b'), { maxKeys: 20 }),
        async (entries, held) => {
          const fleet = fleetOf(entries);
          const received = new Map(Object.entries(held).map(([deviceId, d]) => [deviceId, keys.get(d)!]));
          const previous = await commitRenderedTree(
            repo,
            EMPTY_TREE,
            [...received].map(([deviceId, blob]) => ({ deviceId, blob })),
            info,
          );
          const base = await readRenderedTree(repo, previous.commit);
          const { changes, shards } = await diffRendered(repo, base, { fleet, keys });
          expect(changes).toEqual(diffTarget(fleet, keys, received));
          const { commit } = await commitShards(repo, base, shards, info);
          const expected = new Map(received);
          for (const gone of changes.remove) expected.delete(gone);
          for (const d of [...changes.add, ...changes.update]) expected.set(d.deviceId, d.key);
          expect(await readReceived(repo, await readRenderedTree(repo, commit))).toEqual(expected);
          expect(lsTree(git, commit)).toEqual(new Map([...expected].map(([deviceId, key]) => [pathOf(deviceId), key])));
        },
      ),
      { numRuns: 40 },
    );
    git(['fsck', '--strict', '--no-dangling']);
  });
});

describe('diffRendered from a kept state (rendered-state.ts)', () => {
  /** Renders `fleet` on `base` the full way and keeps the state of the commit, as the git sink does. */
  async function renderKept(repo: ReturnType<typeof handle>, fleet: Fleet, keys: Map<string, string>, base: RenderedTree) {
    const diff = await diffRendered(repo, base, { fleet, keys });
    const { commit } = await commitShards(repo, base, diff.shards, info);
    writeState(stateFolder(repo)!, commit, diff.state);
    return { ...diff, commit };
  }

  it('patches the shards in place, with the counts and the tree of the full diff (property)', async () => {
    const { repo, keys, git } = await setup();
    keys.set('c', (await writeBlobs(repo, ['{"c":3}'])).get('{"c":3}')!);
    const id = fc.stringMatching(/^[ab.\-é ]{1,3}$/);
    let patchedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(id, fc.constantFrom<string | null>('a', 'b', null), { minKeys: 1, maxKeys: 30 }),
        fc.dictionary(id, fc.constantFrom('a', 'b'), { maxKeys: 10 }),
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 30, maxLength: 30 }),
        async (entries, held, moves) => {
          // What was there before (some devices held files edgeops did not write), then a full render with its state.
          const previous = await commitRenderedTree(
            repo,
            EMPTY_TREE,
            Object.entries(held).map(([deviceId, d]) => ({ deviceId, blob: keys.get(d)! })),
            info,
          );
          const first = await renderKept(repo, fleetOf(entries), keys, await readRenderedTree(repo, previous.commit));
          expect(first.patched).toBe(false);
          // The same devices, each managed one moved to any deployment.
          const next = fleetOf(Object.fromEntries(Object.entries(entries).map(([deviceId, d], k) => [deviceId, d === null ? null : moves[k]])));
          const base = await readRenderedTree(repo, first.commit);
          const received = await readReceived(repo, base);
          const patched = await diffRendered(repo, base, { fleet: next, keys });
          expect(patched.patched).toBe(true);
          patchedRuns++;
          expect(patched.changes).toEqual(diffTarget(next, keys, received));
          // The full diff of the same: the same shards, to the byte.
          rmSync(path.join(stateFolder(repo)!, 'edgeops-state'), { recursive: true, force: true });
          const full = await diffRendered(repo, base, { fleet: next, keys });
          expect(full.patched).toBe(false);
          expect(new Map([...patched.shards].map(([n, s]) => [n, s.oid]))).toEqual(new Map([...full.shards].map(([n, s]) => [n, s.oid])));
          // The same state (the blob list may be in another order).
          const plainState = ({ fleet, blobs, blobOf, shardOf, at }: RenderedState) => ({
            fleet,
            blobs: Array.from(blobOf, (b) => blobs[b] ?? null),
            shardOf: Array.from(shardOf),
            at: Array.from(at),
          });
          expect(plainState(patched.state)).toEqual(plainState(full.state));
          const { commit } = await commitShards(repo, base, patched.shards, info);
          expect(lsTree(git, commit)).toEqual(lsTree(git, (await commitShards(repo, base, full.shards, info)).commit));
        },
      ),
      { numRuns: 40 },
    );
    expect(patchedRuns).toBe(40);
    git(['fsck', '--strict', '--no-dangling']);
  });

  it('takes the full diff when a device joins, leaves or turns unmanaged, or the state does not hold what the tree holds', async () => {
    const { repo, keys } = await setup();
    const ids = idsIn('4f', 6);
    const entries = Object.fromEntries(ids.map((id) => [id, 'a']));
    const first = await renderKept(repo, fleetOf(entries), keys, EMPTY_TREE);
    const base = await readRenderedTree(repo, first.commit);
    const received = await readReceived(repo, base);
    const cases: Record<string, string | null>[] = [
      { ...entries, [ids[0]]: 'b', 'new-one': 'a' },
      Object.fromEntries(ids.slice(1).map((id) => [id, 'b'])),
      { ...entries, [ids[0]]: 'b', [ids[1]]: null },
    ];
    for (const c of cases) {
      const fleet = fleetOf(c);
      const diff = await diffRendered(repo, base, { fleet, keys });
      expect(diff.patched).toBe(false);
      expect(diff.changes).toEqual(diffTarget(fleet, keys, received));
    }
    // A state whose positions are off by one entry: caught where it would write, and the full diff runs.
    const fleet = fleetOf({ ...entries, [ids[2]]: 'b' });
    const state = readState(stateFolder(repo)!, first.commit)!;
    const shifted = Int32Array.from(state.at, (at, i) => (i === 2 ? state.at[3] : at));
    writeState(stateFolder(repo)!, first.commit, { ...state, at: shifted });
    const diff = await diffRendered(repo, base, { fleet, keys });
    expect(diff.patched).toBe(false);
    expect(diff.changes.update.map((d) => d.deviceId)).toEqual([ids[2]]);
    // A damaged state file is no state.
    const file = path.join(stateFolder(repo)!, 'edgeops-state', first.commit);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(file, bytes);
    expect(readState(stateFolder(repo)!, first.commit)).toBeUndefined();
  });
});
