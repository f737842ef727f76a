/** The parse cache is bounded by bytes: a long-running App cannot grow without limit. */
import { describe, expect, it } from 'vitest';
import { parsedFileCache } from '../src/io/cache.js';
import { memorySource, type Source } from '../src/io/source.js';
import { parseCache, loadRepository } from '../src/usecases/load.js';
import { deploymentYaml, fleetYaml } from './helpers.js';

/** A memory source whose files have blob ids (as a git commit's do), counting reads. */
function countingSource(files: Record<string, string>, reads: string[]): Source {
  const inner = memorySource(files);
  return {
    ...inner,
    async list(folder) {
      const list = await inner.list(folder);
      return list?.map((f) => ({ ...f, oid: `oid-${files[f.path].length}-${f.path}`, read: () => (reads.push(f.path), f.read()) }));
    },
  };
}

describe('parse cache', () => {
  it('evicts the least recently used file once the bytes exceed the budget', () => {
    const cache = parsedFileCache<{ n: number }>(100);
    cache.set('a', { n: 1 }, 60);
    cache.set('b', { n: 2 }, 60);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual({ n: 2 });
    cache.set('huge', { n: 3 }, 1000);
    expect(cache.get('huge')).toBeUndefined();
  });

  it('reuses parsed files by blob id, and re-reads what was evicted', async () => {
    const files = {
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/devices.yaml': fleetYaml([{ deviceId: 'd1' }, { deviceId: 'd2' }]),
    };
    const reads: string[] = [];
    const roomy = parseCache();
    await loadRepository(countingSource(files, reads), { cache: roomy });
    await loadRepository(countingSource(files, reads), { cache: roomy });
    expect(reads).toEqual(['deployments/a.yaml', 'fleet/devices.yaml']);

    reads.length = 0;
    const tiny = parseCache(10);
    const first = await loadRepository(countingSource(files, reads), { cache: tiny });
    const second = await loadRepository(countingSource(files, reads), { cache: tiny });
    expect(reads.sort()).toEqual(['deployments/a.yaml', 'deployments/a.yaml', 'fleet/devices.yaml', 'fleet/devices.yaml']);
    expect(second.analysis.resolution.winners).toEqual(first.analysis.resolution.winners);
  });
});

describe('analysed repositories', () => {
  it('a base seen before is neither read nor analysed again', async () => {
    const { runPlan } = await import('../src/usecases/plan.js');
    const files = {
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/devices.yaml': fleetYaml([{ deviceId: 'd1' }, { deviceId: 'd2' }]),
    };
    const withTrees = (f: Record<string, string>, reads: string[], tree: string): Source => ({
      ...countingSource(f, reads),
      treeOid: async (folder) => `${tree}-${folder}`,
    });
    const cache = parseCache();
    const reads: string[] = [];
    const first = await runPlan(
      withTrees(files, reads, 'base'),
      withTrees({ ...files, 'deployments/b.yaml': deploymentYaml({ priority: 20, targetCondition: "deviceId = 'd1'" }) }, reads, 'head1'),
      { cache },
    );
    reads.length = 0;
    const second = await runPlan(
      withTrees(files, reads, 'base'),
      withTrees({ ...files, 'deployments/c.yaml': deploymentYaml({ priority: 20, targetCondition: "deviceId = 'd2'" }) }, reads, 'head2'),
      { cache },
    );
    expect(second.base).toBe(first.base);
    expect(reads).toEqual(['deployments/c.yaml']);
    expect(second.plan.changes.map((c) => [c.deviceId, c.after])).toEqual([['d2', 'c']]);
  });
});
