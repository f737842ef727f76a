/** `edgeops apply` with the git sink on a local rendered repository: real git repositories in temp dirs. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifest } from '../src/core/manifest/render.js';
import { devicePath, shardOf } from '../src/core/manifest/layout.js';
import { diskSource } from '../src/io/disk.js';
import { fastShardOf } from '../src/io/sinks/rendered-tree.js';
import { run } from '../src/cli/main.js';
import { loadRepository } from '../src/usecases/load.js';
import { cli, commitsOf, devicesWith, fleetFiles, messageOf, shardsOf, showBlob, tipOf, treeOf } from './support/apply.js';
import { testRepo } from './support/git-repo.js';

const BRANCH = 'edgeops/rendered';
const rendered = (dir: string) => path.join(dir, '.edgeops/rendered');

/** 40 devices: ring 0 and 1 on `canary` (priority 20), the rest on `prod`; d039 has no tags (unmanaged). */
const fleet = (canaryImage = 'app:2', extra: Record<string, unknown> = {}) =>
  fleetFiles(
    {
      prod: { priority: 10, targetCondition: "tags.env = 'prod'", image: 'app:1' },
      canary: { priority: 20, targetCondition: 'tags.ring <= 1', image: canaryImage },
      ...extra,
    },
    devicesWith(40, (i) => (i === 39 ? {} : { env: 'prod', ring: i % 10 })),
  );

describe('edgeops apply (git sink, local)', () => {
  it('renders every managed device into edgeops/rendered, one blob per deployment, and ignores .edgeops/', async () => {
    const repo = testRepo();
    const head = repo.commit(fleet());
    const r = await cli(repo.dir, ['apply', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = r.json();
    expect(json).toMatchObject({
      valid: true,
      source: { ref: 'main', commit: head },
      sink: { kind: 'git', target: '.edgeops/rendered' },
      pushed: 39,
      unchanged: 0,
      removed: 0,
      unmanaged: 1,
      failed: [],
    });
    expect(json.deployments).toEqual([
      { id: 'canary', applied: 8, pushed: 8, failed: 0 },
      { id: 'prod', applied: 31, pushed: 31, failed: 0 },
    ]);
    const gitdir = rendered(repo.dir);
    expect(tipOf(gitdir, BRANCH)).toBe(json.commit);
    const tree = treeOf(gitdir, BRANCH);
    expect(tree.size).toBe(39);
    expect(tree.has(devicePath('d039'))).toBe(false);
    expect(new Set(tree.values()).size).toBe(2);
    const { analysis } = await loadRepository(diskSource(repo.dir));
    const canary = analysis.repository.deployments.find((d) => d.id === 'canary')!;
    expect(showBlob(gitdir, BRANCH, devicePath('d000'))).toBe(renderManifest(canary).json);
    expect(JSON.parse(showBlob(gitdir, BRANCH, devicePath('d005'))).deployment).toEqual({ id: 'prod' });
    expect(messageOf(gitdir, BRANCH)).toBe(`edgeops: ${head.slice(0, 7)}: 39 pushed, 0 removed\n\nEdgeops-Source: ${head}`);
    expect(readFileSync(path.join(repo.dir, '.edgeops/.gitignore'), 'utf8')).toBe('*\n');
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('pushes nothing the second time, and writes no commit', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    const first = (await cli(repo.dir, ['apply', '--format', 'json'])).json();
    const second = await cli(repo.dir, ['apply', '--format', 'json']);
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ pushed: 0, unchanged: 39, removed: 0, unmanaged: 1, commit: first.commit });
    expect(commitsOf(rendered(repo.dir), BRANCH)).toHaveLength(1);
    expect((await cli(repo.dir, ['apply'])).stdout).toMatch(/✓ nothing to push/);
  });

  it('a one-deployment change rewrites only its devices; shards without them keep their tree ids', async () => {
    const repo = testRepo();
    repo.commit(fleet('app:2'));
    await cli(repo.dir, ['apply']);
    const gitdir = rendered(repo.dir);
    const before = shardsOf(gitdir, BRANCH);
    const treeBefore = treeOf(gitdir, BRANCH);
    const head = repo.commit(fleet('app:3'));
    const r = (await cli(repo.dir, ['apply', '--format', 'json'])).json();
    expect(r).toMatchObject({ pushed: 8, unchanged: 31, removed: 0 });
    expect(r.deployments).toEqual([
      { id: 'canary', applied: 8, pushed: 8, failed: 0 },
      { id: 'prod', applied: 31, pushed: 0, failed: 0 },
    ]);
    expect(messageOf(gitdir, BRANCH)).toMatch(new RegExp(`^edgeops: ${head.slice(0, 7)}: 8 pushed, 0 removed`));
    const after = shardsOf(gitdir, BRANCH);
    const touched = new Set(
      devicesWith(40, () => ({}))
        .filter((_, i) => i % 10 <= 1 && i !== 39)
        .map((d) => shardOf(d.deviceId)),
    );
    expect(after.size).toBe(before.size);
    for (const [name, oid] of after) {
      if (touched.has(name)) expect(oid).not.toBe(before.get(name));
      else expect(oid).toBe(before.get(name));
    }
    const treeAfter = treeOf(gitdir, BRANCH);
    const changed = [...treeAfter].filter(([file, blob]) => treeBefore.get(file) !== blob).map(([file]) => file);
    expect(changed.sort()).toEqual(['d000', 'd001', 'd010', 'd011', 'd020', 'd021', 'd030', 'd031'].map(devicePath).sort());
  });

  it('leaves an unmanaged device as it was and removes a device that left the fleet', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    await cli(repo.dir, ['apply']);
    const gitdir = rendered(repo.dir);
    const d005 = showBlob(gitdir, BRANCH, devicePath('d005'));
    // d005 loses its tags (unmanaged from now on); d006 leaves the fleet.
    const devices = devicesWith(40, (i) => (i === 39 || i === 5 ? {} : { env: 'prod', ring: i % 10 })).filter((d) => d.deviceId !== 'd006');
    repo.commit({
      ...fleetFiles(
        {
          prod: { priority: 10, targetCondition: "tags.env = 'prod'", image: 'app:1' },
          canary: { priority: 20, targetCondition: 'tags.ring <= 1', image: 'app:2' },
        },
        devices,
      ),
    });
    const r = (await cli(repo.dir, ['apply', '--format', 'json'])).json();
    expect(r).toMatchObject({ pushed: 0, removed: 1, unmanaged: 2, unchanged: 37 });
    const tree = treeOf(gitdir, BRANCH);
    expect(tree.has(devicePath('d006'))).toBe(false);
    expect(showBlob(gitdir, BRANCH, devicePath('d005'))).toBe(d005);
    expect(messageOf(gitdir, BRANCH)).toMatch(/: 0 pushed, 1 removed\n/);
  });

  it('an invalid repository writes nothing and exits 1', async () => {
    const repo = testRepo();
    repo.commit({ ...fleet(), 'deployments/broken.yaml': 'priority: high\n' });
    const r = await cli(repo.dir, ['apply', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ valid: false, pushed: 0, commit: null });
    expect(r.json().diagnostics.length).toBeGreaterThan(0);
    expect(existsSync(path.join(repo.dir, '.edgeops'))).toBe(false);
    const text = await cli(repo.dir, ['apply']);
    expect(text.stdout).toMatch(/✗ invalid repository .*nothing written/);
  });

  it('--dry-run says what would change and writes nothing', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    const r = await cli(repo.dir, ['apply', '--dry-run', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ dryRun: true, pushed: 39, commit: null });
    expect(existsSync(path.join(repo.dir, '.edgeops'))).toBe(false);
    await cli(repo.dir, ['apply']);
    repo.commit(fleet('app:9'));
    const tip = tipOf(rendered(repo.dir), BRANCH);
    expect((await cli(repo.dir, ['apply', '--dry-run'])).stdout).toMatch(/dry run: would push 8 devices and remove 0/);
    expect(tipOf(rendered(repo.dir), BRANCH)).toBe(tip);
  });

  it('a modified working tree is the source: commit null, trailer working-tree', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    repo.write({ 'deployments/canary.yaml': fleet('app:7')['deployments/canary.yaml'] });
    const r = (await cli(repo.dir, ['apply', '--format', 'json'])).json();
    expect(r.source).toEqual({ ref: null, commit: null });
    expect(messageOf(rendered(repo.dir), BRANCH)).toBe('edgeops: working-tree: 39 pushed, 0 removed\n\nEdgeops-Source: working-tree');
  });

  it('an older source after a newer one writes nothing and says so (exit 0)', async () => {
    const repo = testRepo();
    const older = repo.commit(fleet('app:2'));
    const newer = repo.commit(fleet('app:3'));
    await cli(repo.dir, ['apply', '--ref', newer]);
    const tip = tipOf(rendered(repo.dir), BRANCH);
    const r = await cli(repo.dir, ['apply', '--ref', older, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ pushed: 0, skipped: `a newer source is already rendered: ${newer}`, source: { ref: older, commit: older } });
    expect(tipOf(rendered(repo.dir), BRANCH)).toBe(tip);
    // A newer one after it lands.
    const newest = repo.commit(fleet('app:4'));
    expect((await cli(repo.dir, ['apply', '--format', 'json'])).json()).toMatchObject({ pushed: 8, source: { commit: newest } });
  });

  it('refuses, saying fetch-depth: 0, when a shallow checkout cannot tell which source is newer', async () => {
    const repo = testRepo();
    repo.commit(fleet('app:2'));
    const newer = repo.commit(fleet('app:3'));
    // The rendering comes from `newer`; a shallow clone of an older commit does not have it.
    await cli(repo.dir, ['apply', '--ref', newer]);
    const tip = tipOf(rendered(repo.dir), BRANCH);
    repo.git('branch', 'old', 'HEAD~1');
    const shallow = testRepo();
    shallow.git('fetch', '-q', '--depth', '1', `file://${repo.dir}`, 'old');
    shallow.git('checkout', '-q', 'FETCH_HEAD');
    const r = await cli(shallow.dir, ['apply', '--to', rendered(repo.dir)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fetch-depth: 0/);
    expect(tipOf(rendered(repo.dir), BRANCH)).toBe(tip);
  });

  it('--branch names the branch', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    await cli(repo.dir, ['apply', '--branch', 'rendered/staging']);
    expect(treeOf(rendered(repo.dir), 'rendered/staging').size).toBe(39);
  });

  it('shows a progress line on stderr on a terminal only, and never with --format json', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    const runWith = async (args: string[], isTTY: boolean) => {
      let stderr = '';
      await run(args, { cwd: repo.dir, env: {}, stdout: { write: () => true }, stderr: Object.assign({ write: (t: string) => (stderr += t) }, { isTTY }) });
      return stderr;
    };
    expect(await runWith(['apply', '--sink', 'dir', '--to', 'a'], true)).toMatch(/39\/39 devices, \d+\/s, ETA 0s/);
    expect(await runWith(['apply', '--sink', 'dir', '--to', 'b'], false)).toBe('');
    expect(await runWith(['apply', '--sink', 'dir', '--to', 'c', '--format', 'json'], true)).toBe('');
  });

  it('usage errors exit 2', async () => {
    const repo = testRepo();
    repo.commit(fleet());
    expect((await cli(repo.dir, ['apply', '--sink', 'ftp'])).code).toBe(2);
    expect((await cli(repo.dir, ['apply', '--sink', 'dir'])).code).toBe(2);
  });
});

describe('fastShardOf', () => {
  it('is core shardOf', () => {
    for (const id of ['a', 'edge-0000001', 'ünï/cødé', '🚀', '', 'x'.repeat(300)]) expect(fastShardOf(id)).toBe(shardOf(id));
  });
});
