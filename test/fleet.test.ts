import { describe, expect, it } from 'vitest';
import { codes, deploymentYaml, load, loadFleet } from './helpers.js';

describe('fleet validation', () => {
  it('rejects a device declared in two files, naming the first', async () => {
    const loaded = await load({
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/a.yaml': 'devices:\n  - deviceId: d1\n  - deviceId: d2\n',
      'fleet/b.yaml': 'devices:\n  - deviceId: d3\n  - deviceId: d1\n',
    });
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'fleet/duplicate-device', file: 'fleet/b.yaml', line: 3, column: 15 })]);
    expect(loaded.diagnostics[0].message).toContain('fleet/a.yaml');
    expect(loaded.analysis.resolution.devices.map((d) => d.deviceId)).toEqual(['d1', 'd2', 'd3']);
  });

  it('rejects two tag names that differ only by case', async () => {
    const loaded = await loadFleet({ a: { targetCondition: '*' } }, [{ deviceId: 'd1', tags: { Env: 'a', env: 'b' } }]);
    expect(codes(loaded)).toEqual(['fleet/tag-case-collision']);
  });

  it('warns once, with a count, about a tag value no condition can match', async () => {
    const devices = Array.from({ length: 50 }, (_, i) => ({ deviceId: `d${i}`, tags: { location: 'new york' } }));
    const loaded = await loadFleet({ a: { targetCondition: '*' } }, devices);
    expect(loaded.diagnostics).toHaveLength(1);
    expect(loaded.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'fleet/tag-not-expressible' });
    expect(loaded.diagnostics[0].message).toMatch(/'space'.*and 49 more/);
    expect(loaded.valid).toBe(true);
  });

  it('rejects tag names IoT Hub forbids, and a deviceId that is a number', async () => {
    const loaded = await load({
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/f.yaml': 'devices:\n  - deviceId: 12345\n  - deviceId: d2\n    tags: { "a.b": 1, "$x": 2, ok: 3 }\n',
    });
    expect(loaded.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['fleet/invalid-device-id', 2],
      ['fleet/invalid-tag', 4],
      ['fleet/invalid-tag', 4],
    ]);
    expect(loaded.diagnostics[0].message).toContain("quote it: deviceId: '12345'");
  });

  it('rejects unknown keys on a device (a typo must not drop tags silently)', async () => {
    const loaded = await load({
      'deployments/a.yaml': deploymentYaml({ targetCondition: '*' }),
      'fleet/f.yaml': 'devices:\n  - deviceId: d1\n    tag: { a: 1 }\n',
    });
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ code: 'fleet/invalid-device', line: 3, column: 5 })]);
  });

  it('rejects tags over 8 KB and a string tag over 4 KB', async () => {
    const tags = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, 'x'.repeat(900)]));
    const loaded = await loadFleet({ a: { targetCondition: '*' } }, [
      { deviceId: 'd1', tags },
      { deviceId: 'd2', tags: { big: 'y'.repeat(5000) } },
    ]);
    expect(codes(loaded).sort()).toEqual(['fleet/invalid-tag', 'fleet/tags-too-large']);
  });

  it('warns about a deployment that matches no device, and about one with no condition', async () => {
    const loaded = await loadFleet({ a: { targetCondition: "tags.env = 'nowhere'" }, b: {} }, [{ deviceId: 'd1' }]);
    expect(loaded.diagnostics.map((d) => [d.file, d.severity, d.code])).toEqual([
      ['deployments/a.yaml', 'warning', 'deployment/targets-nothing'],
      ['deployments/b.yaml', 'warning', 'condition/empty'],
    ]);
    expect(loaded.valid).toBe(true);
  });
});

describe('deployment validation', () => {
  it('takes the id from the file name and checks it', async () => {
    const loaded = await load({
      'deployments/Bad Name.yaml': deploymentYaml({ targetCondition: '*', priority: 1 }),
      'deployments/ok.yaml': `id: other\n${deploymentYaml({ targetCondition: '*', priority: 2 })}`,
      'deployments/dup.yml': deploymentYaml({ targetCondition: '*', priority: 3 }),
      'deployments/dup.yaml': deploymentYaml({ targetCondition: '*', priority: 5 }),
      'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.file, d.code])).toEqual([
      ['deployments/Bad Name.yaml', 'deployment/invalid-id'],
      ['deployments/dup.yml', 'deployment/duplicate-id'],
      ['deployments/ok.yaml', 'deployment/id-mismatch'],
    ]);
  });

  it('checks label keys and values', async () => {
    const loaded = await loadFleet({ a: { targetCondition: '*', labels: { team: 'ok', 'bad key': 'x', owner: 'has$dollar' } } }, [{ deviceId: 'd1' }]);
    expect(loaded.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^key 'bad key' is not allowed: Up to 128 characters/),
      expect.stringMatching(/^owner: 'has\$dollar' is not allowed/),
    ]);
  });

  it('breaks equal priorities by the newest createdAt as an instant, not as text', async () => {
    const loaded = await loadFleet(
      {
        utc: { priority: 5, createdAt: '2026-01-01T10:00:00Z', targetCondition: '*' },
        offset: { priority: 5, createdAt: '2026-01-01T11:30:00+02:00', targetCondition: '*' },
      },
      [{ deviceId: 'd1' }],
    );
    expect(loaded.analysis.resolution.devices[0].deployment).toBe('utc');
  });

  it('warns when only createdAt decides, and about a deployment that wins nowhere', async () => {
    const loaded = await loadFleet(
      {
        old: { priority: 5, createdAt: '2026-01-01T00:00:00Z', targetCondition: '*' },
        new: { priority: 5, createdAt: '2026-02-01T00:00:00Z', targetCondition: "deviceId = 'd1'" },
        hidden: { priority: 1, targetCondition: "deviceId = 'd2'" },
      },
      [{ deviceId: 'd1' }, { deviceId: 'd2' }],
    );
    expect(loaded.diagnostics.map((d) => [d.file, d.code])).toEqual([
      ['deployments/hidden.yaml', 'deployment/shadowed'],
      ['deployments/new.yaml', 'resolve/created-at-decides'],
    ]);
    expect(loaded.valid).toBe(true);
  });

  it('names both deployments and the devices of a tie', async () => {
    const loaded = await loadFleet({ a: { targetCondition: '*' }, b: { targetCondition: "deviceId = 'd2'" } }, [{ deviceId: 'd1' }, { deviceId: 'd2' }]);
    const tie = loaded.diagnostics.find((d) => d.code === 'resolve/tie')!;
    expect(tie).toMatchObject({ file: 'deployments/b.yaml', line: 1, column: 11 });
    expect(tie.message).toMatch(/'a' and 'b'.*1 device\(s\) \(d2\)/);
    expect(loaded.analysis.resolution.devices.map((d) => d.deployment)).toEqual(['a', null]);
  });
});

describe('deployments without content', () => {
  it('resolve, with a warning that IoT Hub would reject them', async () => {
    const loaded = await load({
      'deployments/a.yaml': "priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: '*'\n",
      'fleet/f.yaml': 'devices: [{ deviceId: d1 }]',
    });
    expect(loaded.valid).toBe(true);
    expect(codes(loaded)).toEqual(['deployment/no-content']);
    expect(loaded.analysis.resolution.winners).toEqual(['a']);
  });
});
