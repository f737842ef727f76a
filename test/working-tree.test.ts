/**
 * The working tree has git's identities: blob ids and tree ids computed from disk
 * equal git's, so a plan against the working tree reads each unchanged file once
 * and takes nothing from git that the disk already gave.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { diskSource } from '../src/io/disk.js';
import { gitSource } from '../src/io/git.js';
import { diskTree, gitBlobIdOf } from '../src/io/git-ids.js';
import type { Source } from '../src/io/source.js';
import { planJson } from '../src/render/json.js';
import { runPlan } from '../src/usecases/plan.js';
import { deploymentYaml, fleetYaml } from './helpers.js';
import { handle, testRepo } from './support/git-repo.js';

/** Counts the files a source reads, by path. */
function counting(source: Source): { source: Source; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    source: {
      ...source,
      description: source.description,
      async list(folder) {
        const files = await source.list(folder);
        return files?.map((f) => ({ path: f.path, oid: f.oid, read: () => (reads.push(f.path), f.read()) }));
      },
    },
  };
}

/** The same source without ids: the slow path a plan takes for sources that have none. */
const withoutIds = (source: Source): Source => ({
  description: source.description,
  readFile: (p) => source.readFile(p),
  list: async (folder) => (await source.list(folder))?.map((f) => ({ path: f.path, read: () => f.read() })),
});

const devices = (n: number, env: string) => Array.from({ length: n }, (_, i) => ({ deviceId: `d${i}`, tags: { env, ring: i % 3 } }));

describe('git ids of the working tree', () => {
  it('blob ids are git hash-object', () => {
    const repo = testRepo();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        writeFileSync(path.join(repo.dir, 'x'), bytes);
        expect(gitBlobIdOf(bytes)).toBe(repo.git('hash-object', 'x'));
      }),
      { numRuns: 20 },
    );
  });

  it('tree ids equal the commit’s: nested folders, executable files, symlinks, git’s name order', async () => {
    const repo = testRepo();
    repo.write({ 'fleet/a.yaml': 'devices: []\n', 'fleet/a-b.yaml': 'x', 'fleet/a/b.yaml': 'y', 'fleet/z/deep/c.txt': 'z', 'fleet/B.yaml': '' });
    chmodSync(path.join(repo.dir, 'fleet/a-b.yaml'), 0o755);
    symlinkSync('a.yaml', path.join(repo.dir, 'fleet/link.yaml'));
    mkdirSync(path.join(repo.dir, 'fleet/empty'));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'tree');
    const tree = await diskTree(path.join(repo.dir, 'fleet'));
    expect(tree?.oid).toBe(repo.git('rev-parse', 'HEAD:fleet'));
    expect(tree?.blobs.get('a.yaml')).toBe(repo.git('rev-parse', 'HEAD:fleet/a.yaml'));
    expect(await diskTree(path.join(repo.dir, 'missing'))).toBeUndefined();
    expect(await diskSource(repo.dir).treeOid!('fleet')).toBe(repo.git('rev-parse', 'HEAD:fleet'));
  });

  it('hashes a folder of thousands of files with few file descriptors (reads are bounded, not all at once)', () => {
    const repo = testRepo();
    repo.write(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`fleet/f${i}.yaml`, `devices: [] # ${i}\n`])));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'many');
    const module = pathToFileURL(path.join(import.meta.dirname, '../src/io/git-ids.ts')).href;
    const script = `import(${JSON.stringify(module)}).then((m) => m.diskTree(${JSON.stringify(path.join(repo.dir, 'fleet'))})).then((t) => console.log(t.oid))`;
    // 1500 files under a limit of 200 open files: reading them all at once fails with EMFILE.
    const oid = execFileSync('sh', ['-c', 'ulimit -n 200 && exec "$0" --import tsx -e "$1"', process.execPath, script], { encoding: 'utf8' }).trim();
    expect(oid).toBe(repo.git('rev-parse', 'HEAD:fleet'));
  });

  it('a file whose id was computed is read from the bytes hashed, once: its id and content agree even if the file changes between', async () => {
    const repo = testRepo();
    repo.write({ 'fleet/a.yaml': 'devices: []\n' });
    const source = diskSource(repo.dir);
    await source.treeOid!('fleet');
    repo.write({ 'fleet/a.yaml': 'devices: [{deviceId: x}]\n' });
    const [file] = (await source.list('fleet'))!;
    const bytes = await file.read();
    expect(bytes.toString()).toBe('devices: []\n');
    expect(gitBlobIdOf(bytes)).toBe(file.oid);
    // Handed over once: a later read is of the disk as it is.
    expect((await file.read()).toString()).toBe('devices: [{deviceId: x}]\n');
  });
});

describe('a plan against the working tree', () => {
  it('reads the unchanged fleet and deployments once, from disk, and plans as without ids', async () => {
    const repo = testRepo();
    repo.commit({
      'deployments/a.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" }),
      'deployments/b.yaml': deploymentYaml({ priority: 20, targetCondition: 'tags.ring = 1' }),
      'fleet/one.yaml': fleetYaml(devices(20, 'prod')),
      'fleet/two.yaml': fleetYaml(devices(5, 'test').map((d) => ({ ...d, deviceId: `t${d.deviceId}` }))),
    });
    repo.write({ 'deployments/b.yaml': deploymentYaml({ priority: 20, targetCondition: 'tags.ring = 2' }) });
    const base = counting(await gitSource(handle(repo.dir), 'HEAD'));
    const head = counting(diskSource(repo.dir));
    const fast = await runPlan(base.source, head.source);
    // Head's files are read once; from git only the deployment that changed.
    expect(head.reads.sort()).toEqual(['deployments/a.yaml', 'deployments/b.yaml', 'fleet/one.yaml', 'fleet/two.yaml']);
    expect(base.reads).toEqual(['deployments/b.yaml']);
    expect(fast.base.analysis.fleetIndex).toBe(fast.head.analysis.fleetIndex);
    const slow = await runPlan(withoutIds(await gitSource(handle(repo.dir), 'HEAD')), withoutIds(diskSource(repo.dir)));
    expect(planJson(fast)).toEqual(planJson(slow));
    expect(fast.plan.summary.retargeted).toBeGreaterThan(0);
  });

  it('reads only the changed fleet file from git when the fleet folder differs', async () => {
    const repo = testRepo();
    repo.commit({
      'deployments/a.yaml': deploymentYaml({ priority: 10, targetCondition: "tags.env = 'prod'" }),
      'fleet/one.yaml': fleetYaml(devices(10, 'prod')),
      'fleet/two.yaml': fleetYaml(devices(3, 'test').map((d) => ({ ...d, deviceId: `t${d.deviceId}` }))),
    });
    repo.write({ 'fleet/two.yaml': fleetYaml(devices(3, 'prod').map((d) => ({ ...d, deviceId: `t${d.deviceId}` }))) });
    const base = counting(await gitSource(handle(repo.dir), 'HEAD'));
    const fast = await runPlan(base.source, diskSource(repo.dir));
    expect(base.reads).toEqual(['fleet/two.yaml']);
    const slow = await runPlan(withoutIds(await gitSource(handle(repo.dir), 'HEAD')), withoutIds(diskSource(repo.dir)));
    expect(planJson(fast)).toEqual(planJson(slow));
    expect(fast.plan.summary.targeted).toBe(3);
  });
});
