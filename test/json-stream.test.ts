import { describe, expect, it } from 'vitest';
import { generate } from '../bench/generate.js';
import { resolveFleetReference } from '../src/core/resolve/reference.js';
import { writeResolveJson } from '../src/render/json-stream.js';
import { load } from './helpers.js';

describe('streamed resolve JSON', () => {
  it('equals the reference resolution across chunk boundaries', async () => {
    const loaded = await load(generate(10_000, 40, 5, 3).files);
    let text = '';
    await writeResolveJson(loaded.analysis.resolution, loaded.diagnostics, (t) => void (text += t));
    const json = JSON.parse(text);
    const reference = resolveFleetReference(loaded.analysis.targets, loaded.analysis.repository.fleet.devices);
    expect(json.devices).toEqual(reference.devices);
    expect(json.deployments.map((d: { id: string; targeted: number }) => [d.id, d.targeted])).toEqual(reference.deployments.map((d) => [d.id, d.targeted]));
    expect(json.diagnostics).toHaveLength(loaded.diagnostics.length);
  });

  it('writes an empty fleet as valid JSON', async () => {
    const loaded = await load({ 'fleet/f.yaml': 'devices: []' });
    let text = '';
    await writeResolveJson(loaded.analysis.resolution, loaded.diagnostics, (t) => void (text += t));
    expect(JSON.parse(text)).toEqual({ devices: [], deployments: [], diagnostics: [] });
  });
});
