import { describe, expect, it } from 'vitest';
import { gitSource, resolveCommit } from '../src/io/git.js';
import { loadRepository, parseCache } from '../src/usecases/load.js';
import { deploymentYaml } from './helpers.js';
import { handle, testRepo } from './support/git-repo.js';

describe('git source', () => {
  const repo = testRepo();
  const first = repo.commit({
    'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
    'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    'README.md': 'x',
  });
  repo.git('tag', 'v1');
  repo.git('tag', '-a', 'v1-annotated', '-m', 'annotated');
  const second = repo.commit({ 'fleet/f.yaml': 'devices: [{ deviceId: d1 }, { deviceId: d2 }]' });
  const third = repo.commit({ 'fleet/g.yaml': 'devices: [{ deviceId: d3 }]' });
  repo.git('branch', 'feature', second);
  repo.git('pack-refs', '--all');
  repo.git('gc', '-q');

  it.each([
    ['HEAD', third],
    ['main', third],
    ['feature', second],
    ['v1', first],
    ['v1-annotated', first],
    [third, third],
    [third.slice(0, 7), third],
    ['HEAD~1', second],
    ['main~2', first],
    ['HEAD^', second],
    ['HEAD~1^', first],
  ])('resolves %s', async (ref, expected) => {
    expect(await resolveCommit(handle(repo.dir), ref)).toBe(expected);
  });

  it.each(['nope', 'HEAD~5', 'deadbeef'])('rejects %s clearly', async (ref) => {
    await expect(resolveCommit(handle(repo.dir), ref)).rejects.toThrow(/unknown ref|past the first commit/);
  });

  it('reads deployments and fleet at a commit, from packed objects, without a checkout', async () => {
    const loaded = await loadRepository(await gitSource(handle(repo.dir), 'HEAD~1'));
    expect(loaded.analysis.resolution.devices.map((d) => d.deviceId)).toEqual(['d1', 'd2']);
    const now = await loadRepository(await gitSource(handle(repo.dir), 'main'));
    expect(now.analysis.resolution.devices.map((d) => d.deviceId)).toEqual(['d1', 'd2', 'd3']);
  });

  it('reads each blob once across commits that share it', async () => {
    const cache = parseCache();
    await loadRepository(await gitSource(handle(repo.dir), 'HEAD~1'), { cache });
    const counted = await gitSource(handle(repo.dir), 'HEAD');
    let reads = 0;
    const source = {
      ...counted,
      list: async (folder: string) => (await counted.list(folder))?.map((f) => ({ ...f, read: () => (reads++, f.read()) })),
    };
    await loadRepository(source, { cache });
    expect(reads).toBe(1); // only fleet/g.yaml is new
  });
});
