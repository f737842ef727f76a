/**
 * A working tree's blob ids from git's index: a file git hashed and that has not
 * changed since is not read again, and its id is git's; a changed file, a file
 * touched in the second the index was written, or an index this does not read, is
 * hashed as before. Real repositories, made with the git CLI.
 */
import { lstatSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRepo } from './support/git-repo.js';
import { openCheckout } from '../src/io/checkout.js';
import { diskSource } from '../src/io/disk.js';
import { cleanHead } from '../src/io/sinks/source-history.js';
import { diskTree } from '../src/io/git-ids.js';
import { parseGitIndex, readGitIndex, unchangedBlobId } from '../src/io/git-index.js';
import { loadRepository } from '../src/usecases/load.js';

const fleetFile = (n: number) => `devices:\n  - deviceId: d${n}\n    tags: { ring: ${n} }\n`;

/** A repository whose fleet files were last written an hour before the commit (so none is "racy"). */
function settledRepo(prefix = '') {
  const repo = testRepo();
  const files: Record<string, string> = { [`${prefix}deployments/base.yaml`]: "priority: 0\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: '*'\n" };
  for (let n = 0; n < 4; n++) files[`${prefix}fleet/f${n}.yaml`] = fleetFile(n);
  repo.write(files);
  const past = new Date(Date.now() - 3_600_000);
  for (const file of Object.keys(files)) utimesSync(path.join(repo.dir, file), past, past);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'settled');
  return repo;
}

describe("git's index for the working tree's blob ids", () => {
  it('gives the ids git has for unchanged files, without reading them; the tree id is the commit’s', async () => {
    const repo = settledRepo();
    const index = await readGitIndex(repo.dir);
    expect(index?.entries.get('fleet/f0.yaml')?.oid).toBe(repo.git('rev-parse', 'HEAD:fleet/f0.yaml'));
    const tree = await diskTree(path.join(repo.dir, 'fleet'), (name, stats) => unchangedBlobId(index!, `fleet/${name}`, stats));
    expect(tree?.oid).toBe(repo.git('rev-parse', 'HEAD:fleet'));
    // None was read: the loader streams them from disk later.
    expect(tree?.bytes.size).toBe(0);
    expect(tree?.blobs.get('f1.yaml')).toBe(repo.git('rev-parse', 'HEAD:fleet/f1.yaml'));
  });

  it('hashes a file changed since, even one whose size and modification time were put back', async () => {
    const repo = settledRepo();
    const file = path.join(repo.dir, 'fleet/f2.yaml');
    const before = lstatSync(file);
    // Same size, another value, and the old modification time: only the change time tells.
    writeFileSync(file, fleetFile(2).replace('ring: 2', 'ring: 7'));
    utimesSync(file, before.atime, before.mtime);
    writeFileSync(path.join(repo.dir, 'fleet/f3.yaml'), fleetFile(3) + '  - deviceId: added\n');
    const index = (await readGitIndex(repo.dir))!;
    const tree = await diskTree(path.join(repo.dir, 'fleet'), (name, stats) => unchangedBlobId(index, `fleet/${name}`, stats));
    expect([...tree!.bytes.keys()].sort()).toEqual(['f2.yaml', 'f3.yaml']);
    expect(tree!.blobs.get('f2.yaml')).toBe(repo.git('hash-object', 'fleet/f2.yaml'));
    expect(tree!.blobs.get('f3.yaml')).toBe(repo.git('hash-object', 'fleet/f3.yaml'));
    expect(tree!.blobs.get('f0.yaml')).toBe(repo.git('rev-parse', 'HEAD:fleet/f0.yaml'));
    expect(tree!.oid).not.toBe(repo.git('rev-parse', 'HEAD:fleet'));
  });

  it('does not trust a file written in the second the index was, or an index it cannot read', async () => {
    const repo = settledRepo();
    const index = (await readGitIndex(repo.dir))!;
    const stats = lstatSync(path.join(repo.dir, 'fleet/f0.yaml'));
    expect(unchangedBlobId(index, 'fleet/f0.yaml', stats)).toBe(repo.git('rev-parse', 'HEAD:fleet/f0.yaml'));
    // "Racy": the same stat, but the index written in the file's own second.
    expect(unchangedBlobId({ ...index, writtenS: Math.floor(stats.mtimeMs / 1000) }, 'fleet/f0.yaml', stats)).toBeUndefined();
    expect(unchangedBlobId(index, 'fleet/missing.yaml', stats)).toBeUndefined();
    const bytes = readFileSync(path.join(repo.dir, '.git/index'));
    const v4 = Buffer.from(bytes);
    v4.writeUInt32BE(4, 4);
    expect(parseGitIndex(v4, 0)).toBeUndefined();
    expect(parseGitIndex(Buffer.from('not an index'), 0)).toBeUndefined();
    expect(parseGitIndex(bytes.subarray(0, 40), 0)).toBeUndefined();
  });

  it('reads the index of a repository the edgeops folder sits in, and loads the same repository either way', async () => {
    const repo = settledRepo('infra/edge/');
    writeFileSync(path.join(repo.dir, 'infra/edge/fleet/f1.yaml'), fleetFile(1).replace('d1', 'd1-renamed'));
    const dir = path.join(repo.dir, 'infra/edge');
    const withIndex = diskSource(dir, { root: repo.dir, prefix: 'infra/edge' });
    const without = diskSource(dir);
    const [a, b] = await Promise.all([withIndex.treeOid!('fleet'), without.treeOid!('fleet')]);
    expect(a).toBe(b);
    const ids = async (source: typeof withIndex) => (await loadRepository(source)).analysis.repository.fleet.devices.map((d) => d.deviceId);
    expect(await ids(withIndex)).toEqual(['d0', 'd1-renamed', 'd2', 'd3']);
    expect(await ids(withIndex)).toEqual(await ids(without));
    // A worktree's `.git` is a file naming its git folder.
    const worktree = path.join(repo.dir, '..', `${path.basename(repo.dir)}-wt`);
    repo.git('worktree', 'add', '-q', worktree);
    expect((await readGitIndex(worktree))?.entries.get('infra/edge/fleet/f0.yaml')?.oid).toBe(repo.git('rev-parse', 'HEAD:infra/edge/fleet/f0.yaml'));
  });
});

describe('the commit the files on disk are (cleanHead)', () => {
  const folders = ['deployments', 'fleet'];

  it('is HEAD while the YAML directly inside the folders is HEAD’s, whatever else changes; it writes nothing to .git', async () => {
    const repo = settledRepo();
    const head = repo.git('rev-parse', 'HEAD');
    const indexFile = path.join(repo.dir, '.git/index');
    const written = lstatSync(indexFile).mtimeMs;
    expect(await cleanHead(openCheckout(repo.dir), folders)).toBe(head);
    // Not read by edgeops: a README, a file in a subfolder, a file outside the folders.
    repo.write({ 'fleet/README.md': 'notes\n', 'fleet/archive/old.yaml': fleetFile(9), 'other.yaml': 'x: 1\n' });
    expect(await cleanHead(openCheckout(repo.dir), folders)).toBe(head);
    expect(lstatSync(indexFile).mtimeMs).toBe(written);
  });

  it('is null when a YAML file is modified, added or deleted, or the folder is not a repository', async () => {
    const cases: [string, Record<string, string | null>][] = [
      ['modified', { 'fleet/f1.yaml': fleetFile(1).replace('ring: 1', 'ring: 5') }],
      ['added', { 'fleet/new.yml': fleetFile(8) }],
      ['deleted', { 'deployments/base.yaml': null }],
      // Ignored by git, read by edgeops: the files are not HEAD's.
      ['ignored', { 'fleet/local.yaml': fleetFile(6) }],
    ];
    for (const [, change] of cases) {
      const repo = settledRepo();
      repo.commit({ '.gitignore': 'fleet/local.yaml\n' });
      repo.write(change);
      expect(await cleanHead(openCheckout(repo.dir), folders)).toBeNull();
    }
    expect(await cleanHead(openCheckout(mkdtempSync(path.join(tmpdir(), 'edgeops-not-git-'))), folders)).toBeNull();
  });
});
