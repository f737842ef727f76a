/** Hostile and broken input: each gives a diagnostic with a position; none throws, none hangs. */
import { describe, expect, it } from 'vitest';
import { isBare } from '../src/core/record.js';
import { codes, deploymentYaml, fleetYaml, load } from './helpers.js';

const withFleet = (fleet: string | Uint8Array) => load({ 'deployments/all.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/f.yaml': fleet });

describe('hostile YAML', () => {
  it('rejects a billion-laughs alias bomb quickly', async () => {
    let text = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i <= 9; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    text += 'devices: [{ deviceId: d1, tags: { x: *a9 } }]\n';
    const loaded = await withFleet(text);
    expect(codes(loaded)).toContain('yaml/alias-bomb');
    expect(loaded.diagnostics[0]).toMatchObject({ file: 'fleet/f.yaml', severity: 'error' });
    expect(loaded.analysis.repository.fleet.devices).toEqual([]);
  });

  it('accepts hundreds of devices sharing tags through an alias or a merge key', async () => {
    const lines = ['devices:', '  - deviceId: d0', '    tags: &common { environment: prod, location: westus, customer: contoso, hwrev: 3 }'];
    for (let i = 1; i < 600; i++) lines.push(`  - deviceId: d${i}`, i % 2 ? '    tags: *common' : '    tags: { <<: *common, ring: 1 }');
    const loaded = await withFleet(lines.join('\n'));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.analysis.repository.fleet.devices).toHaveLength(600);
    expect(loaded.analysis.resolution.deployments[0].applied).toBe(600);
  });

  it('rejects a recursive alias', async () => {
    const loaded = await withFleet('devices: &d [{ deviceId: d1, tags: { x: *d } }]');
    expect(loaded.valid).toBe(false);
    expect(loaded.diagnostics[0].file).toBe('fleet/f.yaml');
  });

  it('rejects nesting deeper than the limit', async () => {
    const loaded = await withFleet(`devices: [{ deviceId: d1, tags: { x: ${'['.repeat(100)}${']'.repeat(100)} } }]`);
    expect(codes(loaded)).toContain('yaml/too-deep');
  });

  it('rejects a 10 MB single-line value fast, without parsing it', async () => {
    const huge = `devices: [{ deviceId: d1, tags: { x: '${'a'.repeat(10 * 1024 * 1024)}' } }]`;
    const loaded = await withFleet(huge);
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'file/line-too-long', line: 1, column: 1 })]);
  });

  it('rejects a file over the size limit', async () => {
    const loaded = await load({ 'deployments/big.yaml': `# ${'x'.repeat(1024 * 1024)}\n`, 'fleet/f.yaml': 'devices: []' });
    expect(codes(loaded)).toEqual(['file/too-large']);
  });

  it('rejects invalid UTF-8 at its position', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('devices:\n  - deviceId: d'), 0xff, 0xfe, ...new TextEncoder().encode('\n')]);
    const loaded = await withFleet(bytes);
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'file/invalid-utf8', line: 2, column: 16 })]);
  });

  it('accepts a real U+FFFD and a BOM', async () => {
    const loaded = await withFleet(`\uFEFFdevices: [{ deviceId: d1, tags: { note: "\uFFFD" } }]`);
    expect(codes(loaded)).toEqual(['fleet/tag-not-expressible']);
  });

  it('keeps __proto__ and constructor as plain tag names, polluting nothing', async () => {
    const loaded = await withFleet('devices:\n  - deviceId: d1\n    tags: { __proto__: { polluted: yes }, constructor: prod, toString: x }\n');
    const [device] = loaded.analysis.repository.fleet.devices;
    expect(Object.keys(device.tags).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(isBare(device.tags)).toBe(true);
    expect('toString' in device.tags && typeof device.tags.toString).toBe('string');
    expect(Object.getPrototypeOf(Object.getPrototypeOf(device.tags))).toBeNull();
    const pinned = await load({
      'deployments/a.yaml': deploymentYaml({ targetCondition: "tags.constructor = 'prod' AND tags.__proto__.polluted = 'yes'" }),
      'fleet/f.yaml': 'devices:\n  - deviceId: d1\n    tags: { __proto__: { polluted: "yes" }, constructor: prod }\n  - deviceId: d2\n',
    });
    expect(pinned.analysis.resolution.devices.map((d) => d.deployment)).toEqual(['a', null]);
  });

  it('gives a diagnostic for an empty fleet file and an empty deployment file', async () => {
    const loaded = await load({ 'deployments/a.yaml': '', 'fleet/f.yaml': '# nothing yet\n' });
    expect(loaded.diagnostics.map((d) => [d.file, d.severity, d.code])).toEqual([
      ['deployments/a.yaml', 'error', 'file/empty'],
      ['fleet/f.yaml', 'warning', 'file/empty'],
    ]);
  });

  it('rejects a fleet file that is a list instead of a mapping', async () => {
    const loaded = await withFleet('- deviceId: d1\n- deviceId: d2\n');
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'fleet/not-a-mapping', line: 1, column: 1 })]);
    expect(loaded.diagnostics[0].message).toMatch(/devices:/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', async () => {
    const loaded = await withFleet('devices:\n  - deviceId: d1\n    deviceId: d2\n  - { deviceId: d3\n');
    expect(loaded.valid).toBe(false);
    expect(loaded.diagnostics.find((d) => d.code === 'yaml/duplicate-key')).toMatchObject({ line: 3, column: 5 });
  });

  it('rejects a deployment that is not a mapping, and multiple documents', async () => {
    const loaded = await load({ 'deployments/a.yaml': '- 1\n- 2\n', 'deployments/b.yaml': 'priority: 1\n---\npriority: 2\n', 'fleet/f.yaml': 'devices: []' });
    expect(loaded.diagnostics.map((d) => d.file)).toEqual(expect.arrayContaining(['deployments/a.yaml', 'deployments/b.yaml']));
    expect(loaded.valid).toBe(false);
  });

  it('rejects odd device ids and array tags, keeps going, and says where', async () => {
    const loaded = await withFleet(
      fleetYaml([
        { deviceId: 'ok-1' },
        { deviceId: 'has space' },
        { deviceId: 'x'.repeat(129) },
        { deviceId: 'ok-2', tags: { list: [1, 2], deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } } } },
      ]),
    );
    expect(loaded.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['fleet/invalid-device-id', 7],
      ['fleet/invalid-device-id', 10],
      ['fleet/invalid-tag', 15],
      ['fleet/invalid-tag', 28],
    ]);
    expect(loaded.analysis.repository.fleet.devices.map((d) => d.deviceId)).toEqual(['ok-1', 'ok-2']);
  });

  it('rejects an 8 KB+ condition with a clear error', async () => {
    const condition = Array(600).fill("tags.a = 'x'").join(' OR ');
    const loaded = await load({ 'deployments/a.yaml': deploymentYaml({ targetCondition: condition }), 'fleet/f.yaml': 'devices: []' });
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'condition/too-long', line: 3 })]);
  });
});

describe('a fleet file broken on every device', () => {
  it('lists at most 1000 problems of a kind per file, counts the rest, and does not overflow', async () => {
    const lines = ['devices:'];
    for (let i = 0; i < 150_000; i++) lines.push(`  - deviceId: bad id ${i}`);
    const loaded = await load({ 'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }), 'fleet/f.yaml': lines.join('\n') });
    const invalid = loaded.diagnostics.filter((d) => d.code === 'fleet/invalid-device-id');
    expect(invalid).toHaveLength(1001);
    expect(invalid.some((d) => d.message === '…and 149000 more fleet/invalid-device-id problems in this file, not listed')).toBe(true);
    expect(loaded.valid).toBe(false);
  });
});
