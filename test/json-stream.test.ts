import { describe, expect, it } from 'vitest';
import { generate } from './support/fleet-generator.js';
import { resolveFleetReference } from '../src/core/resolve/reference.js';
import { resolveJson } from '../src/render/json.js';
import { writeResolveJson, writeResolveNdjson } from '../src/render/json-stream.js';
import { deploymentYaml, load } from './helpers.js';

type Loaded = Awaited<ReturnType<typeof load>>;

/** Collects what is written, text or bytes, as text; bytes are handed back at once as written, as a stream would later. */
const collector = () => {
  const out = { text: '' };
  const write = (chunk: string | Uint8Array, written?: () => void) => {
    out.text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    written?.();
  };
  return { out, write };
};

async function streamed(loaded: Loaded, candidates: boolean): Promise<string> {
  const { out, write } = collector();
  await writeResolveJson(loaded.analysis.resolution, loaded.diagnostics, write, { candidates });
  return out.text;
}

async function ndjson(loaded: Loaded, candidates: boolean): Promise<string> {
  const { out, write } = collector();
  await writeResolveNdjson(loaded.analysis.resolution, write, { candidates });
  return out.text;
}

/** Ties on some devices (a and b: same priority and createdAt), unmanaged and managed ones. */
const TIED = {
  'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.env = 'prod'" }),
  'deployments/b.yaml': deploymentYaml({ targetCondition: "tags.ring = 1 OR tags.env = 'prod'" }),
  'deployments/c.yaml': deploymentYaml({ priority: 5, targetCondition: "tags.env = 'prod' OR tags.env = 'test'" }),
  'fleet/f.yaml':
    'devices:\n  - { deviceId: d1, tags: { env: prod } }\n  - { deviceId: d2 }\n  - { deviceId: d3, tags: { env: test, ring: 1 } }\n  - { deviceId: d4, tags: { env: test } }\n',
};

describe('streamed resolve JSON', () => {
  for (const candidates of [false, true]) {
    it(`is JSON.stringify of the object form, key for key (${candidates ? 'with' : 'without'} candidates), across chunk boundaries`, async () => {
      const loaded = await load(generate(10_000, 40, 5, 3).files);
      const object = resolveJson(loaded.analysis.resolution, loaded.diagnostics, { candidates });
      const text = await streamed(loaded, candidates);
      expect(JSON.stringify(JSON.parse(text))).toBe(JSON.stringify(object));
      // One device per line.
      expect(text.split('\n').filter((l) => l.startsWith('    {"deviceId"'))).toHaveLength(10_000);
      const lines = (await ndjson(loaded, candidates)).split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((l) => JSON.stringify(JSON.parse(l)))).toEqual(object.devices.map((d) => JSON.stringify(d)));
    });
  }

  it('writes ids and deployment ids that need escaping or are not ASCII as JSON.stringify does, buffers reused or not', async () => {
    const deviceIds = ['plain-1', 'quo"te', 'back\\slash', 'caf\u00e9', 'tab\there', 'x'.repeat(300_000)];
    const winners = ['d\u00e9p', null, 'd"q', 'd\u00e9p', null, 'd"q'];
    const resolution = {
      deviceIds,
      winners,
      ties: new Map(),
      deployments: [{ id: 'd\u00e9p' }, { id: 'd"q' }],
      candidatesRange: (start: number, end: number) => deviceIds.slice(start, end).map(() => ['d\u00e9p', 'd"q']),
    } as unknown as Parameters<typeof writeResolveNdjson>[0];
    const expected = deviceIds.map((deviceId, i) => JSON.stringify({ deviceId, deployment: winners[i], candidates: ['d\u00e9p', 'd"q'] }));
    for (const handBack of [true, false]) {
      let text = '';
      await writeResolveNdjson(
        resolution,
        (chunk, written) => {
          text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
          if (handBack) written?.();
        },
        { candidates: true },
      );
      expect(text.split('\n').slice(0, -1)).toEqual(expected);
    }
  });

  it('agrees with the reference resolver, winners only by default', async () => {
    const loaded = await load(generate(3_000, 30, 7, 2).files);
    const json = JSON.parse(await streamed(loaded, false));
    const reference = resolveFleetReference(loaded.analysis.targets, loaded.analysis.repository.fleet.devices);
    expect(json.version).toBe(1);
    expect(json.devices).toEqual(
      reference.devices.map((d) => (d.tie ? { deviceId: d.deviceId, deployment: null, tie: d.tie } : { deviceId: d.deviceId, deployment: d.deployment })),
    );
    expect(json.deployments.map((d: { id: string; targeted: number }) => [d.id, d.targeted])).toEqual(reference.deployments.map((d) => [d.id, d.targeted]));
  });

  it('says which deployments tie on a device, which is not unmanaged', async () => {
    const loaded = await load(TIED);
    const object = resolveJson(loaded.analysis.resolution, loaded.diagnostics, { candidates: true });
    expect(object.devices).toEqual([
      { deviceId: 'd1', deployment: null, tie: ['a', 'b'], candidates: ['a', 'b', 'c'] },
      { deviceId: 'd2', deployment: null, candidates: [] },
      { deviceId: 'd3', deployment: 'b', candidates: ['b', 'c'] },
      { deviceId: 'd4', deployment: 'c', candidates: ['c'] },
    ]);
    for (const candidates of [false, true]) {
      expect(JSON.stringify(JSON.parse(await streamed(loaded, candidates)))).toBe(
        JSON.stringify(resolveJson(loaded.analysis.resolution, loaded.diagnostics, { candidates })),
      );
    }
  });

  it('shares one array per distinct candidates list', async () => {
    const loaded = await load(generate(2_000, 20, 3, 1).files);
    const lists = loaded.analysis.resolution.candidatesRange(0, 2_000);
    const distinct = new Set(lists.map((l) => l.join('\n')));
    expect(new Set(lists).size).toBe(distinct.size);
    expect(lists).toEqual(lists.map((_, i) => loaded.analysis.resolution.candidatesOf(i)));
  });

  it('writes an empty fleet as valid JSON and NDJSON', async () => {
    const loaded = await load({ 'fleet/f.yaml': 'devices: []' });
    expect(JSON.parse(await streamed(loaded, false))).toEqual({ version: 1, devices: [], deployments: [], diagnostics: [] });
    expect(await ndjson(loaded, false)).toBe('');
  });
});
