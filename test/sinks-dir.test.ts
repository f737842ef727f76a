/** The dir sink: the rendered layout in a folder, each file replaced atomically. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devicePath, shardOf } from '../src/core/manifest/layout.js';
import { dirSink, writeAtomically } from '../src/io/sinks/dir.js';
import { memorySource } from '../src/io/source.js';
import { apply } from '../src/usecases/apply.js';
import { cli, devicesWith, fleetFiles } from './support/apply.js';
import { testRepo } from './support/git-repo.js';

const files = (image: string, devices = devicesWith(20, (i) => (i === 19 ? {} : { env: 'prod', ring: i % 4 }))) =>
  fleetFiles(
    { prod: { priority: 10, targetCondition: "tags.env = 'prod'", image: 'app:1' }, canary: { priority: 20, targetCondition: 'tags.ring = 0', image } },
    devices,
  );

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));

describe('edgeops apply --sink dir', () => {
  it('writes the layout, pushes nothing the second time, removes devices that left, keeps unmanaged ones', async () => {
    const repo = testRepo();
    repo.commit(files('app:2'));
    const out = path.join(repo.dir, 'out');
    const first = await cli(repo.dir, ['apply', '--sink', 'dir', '--to', 'out', '--format', 'json']);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ sink: { kind: 'dir', target: 'out' }, pushed: 19, unmanaged: 1, commit: null });
    expect(walk(out).sort()).toEqual(
      devicesWith(19, () => ({}))
        .map((d) => devicePath(d.deviceId))
        .sort(),
    );
    expect(JSON.parse(readFileSync(path.join(out, devicePath('d000')), 'utf8')).deployment).toEqual({ id: 'canary' });
    expect((await cli(repo.dir, ['apply', '--sink', 'dir', '--to', 'out', '--format', 'json'])).json()).toMatchObject({ pushed: 0, unchanged: 19 });

    // canary changes; d001 leaves the fleet; d002 becomes unmanaged.
    const before = readFileSync(path.join(out, devicePath('d002')), 'utf8');
    const devices = devicesWith(20, (i) => (i === 19 || i === 2 ? {} : { env: 'prod', ring: i % 4 })).filter((d) => d.deviceId !== 'd001');
    repo.commit(files('app:3', devices));
    const third = (await cli(repo.dir, ['apply', '--sink', 'dir', '--to', 'out', '--format', 'json'])).json();
    expect(third).toMatchObject({ pushed: 5, removed: 1, unmanaged: 2 });
    expect(existsSync(path.join(out, devicePath('d001')))).toBe(false);
    expect(readFileSync(path.join(out, devicePath('d002')), 'utf8')).toBe(before);
    expect(walk(out).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  describe('device ids that differ only by case', () => {
    // Two such ids in one shard: on a filesystem that folds case they would be one file.
    let n = 0;
    while (shardOf(`dev${n}`) !== shardOf(`DEV${n}`)) n++;
    const [lower, upper] = [`dev${n}`, `DEV${n}`];
    const source = () =>
      memorySource(
        fleetFiles(
          { prod: { priority: 10, targetCondition: "tags.env = 'prod'" } },
          [lower, upper, 'other'].map((deviceId) => ({ deviceId, tags: { env: 'prod' } })),
        ) as Record<string, string>,
      );
    const sourceInfo = { ref: null, commit: null };

    it('fail, with the reason, where the filesystem folds case; the other devices are written', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-dir-'));
      const result = await apply(source(), dirSink({ dir, foldsCase: true }), { sourceInfo });
      expect(result.failed.map((f) => f.deviceId).sort()).toEqual([lower, upper].sort());
      expect(result.failed[0].error).toMatch(/only by case.*use the git sink/);
      expect(result.pushed).toBe(1);
      expect(walk(dir)).toEqual([devicePath('other')]);
    });

    it('are two files where it does not (this machine’s filesystem, probed)', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-dir-'));
      const result = await apply(source(), dirSink({ dir }), { sourceInfo });
      expect(result.failed).toEqual([]);
      expect(walk(dir).sort()).toEqual([devicePath(lower), devicePath(upper), devicePath('other')].sort());
    });
  });

  it('replaces a file by renaming a complete temporary file over it, never rewriting it in place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-dir-'));
    const file = path.join(dir, 'd.json');
    writeFileSync(file, 'old');
    const inode = statSync(file).ino;
    await writeAtomically(file, 'x'.repeat(1 << 20));
    expect(readFileSync(file, 'utf8')).toHaveLength(1 << 20);
    expect(statSync(file).ino).not.toBe(inode);
    expect(readdirSync(dir)).toEqual(['d.json']);
  });

  it('a failed write leaves the old file and no temporary file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgeops-dir-'));
    await expect(writeAtomically(path.join(dir, 'missing', 'd.json'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an invalid repository writes nothing', async () => {
    const repo = testRepo();
    repo.commit({ ...files('app:2'), 'fleet/broken.yaml': 'devices: [ {deviceId: 12} ]\n' });
    const r = await cli(repo.dir, ['apply', '--sink', 'dir', '--to', 'out']);
    expect(r.code).toBe(1);
    expect(existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });
});
