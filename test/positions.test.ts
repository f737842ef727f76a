/** Every error carries the file, line and column of the offending token, whatever the YAML scalar style. */
import { describe, expect, it } from 'vitest';
import { load, MINIMAL_CONTENT } from './helpers.js';

async function conditionError(conditionLines: string) {
  const text = `priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\n${conditionLines}\n${MINIMAL_CONTENT}`;
  const loaded = await load({ 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices: [{ deviceId: d1 }]' });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toHaveLength(1);
  const lines = text.split('\n');
  const e = errors[0];
  return { ...e, at: lines[e.line - 1].slice(e.column - 1) };
}

describe('condition errors inside YAML scalars', () => {
  it('plain scalar', async () => {
    const e = await conditionError(`targetCondition: tags.environment = "prod"`);
    expect(e).toMatchObject({ file: 'deployments/d.yaml', line: 3, column: 37, code: 'condition/double-quote' });
    expect(e.at).toBe('"prod"');
  });

  it('single-quoted scalar with doubled quotes before the error', async () => {
    const e = await conditionError(`targetCondition: 'deviceId = ''a''''b'' AND tags.x = ''new york'''`);
    expect(e).toMatchObject({ line: 3, code: 'condition/invalid-character' });
    expect(e.at).toBe(" york'''");
  });

  it('double-quoted scalar', async () => {
    const e = await conditionError(`targetCondition: "tags.a = 'x' AND tags.b = 'a;b' AND tags.c = 'd|e'"`);
    expect(e.code).toBe('condition/invalid-character');
    expect(e.at.startsWith("|e'")).toBe(true);
  });

  it('block literal scalar, error on its second line', async () => {
    const e = await conditionError(`targetCondition: |\n  tags.a = 'x'\n  AND tags.b = "y"`);
    expect(e).toMatchObject({ line: 5, column: 16, code: 'condition/double-quote' });
  });

  it('folded scalar', async () => {
    const e = await conditionError(`targetCondition: >-\n  tags.a = 'x'\n  AND properties.reported.y = 'z'`);
    expect(e).toMatchObject({ line: 5, column: 7, code: 'condition/invalid-property' });
  });

  it('an error at the end of the condition points just past it', async () => {
    const e = await conditionError(`targetCondition: tags.a = 'x' AND`);
    expect(e).toMatchObject({ line: 3, column: 34, code: 'condition/unexpected-end' });
  });
});

describe('schema errors point at the key or value', () => {
  it('a bad enum value, an unknown key and a missing key, all in one run', async () => {
    const content = MINIMAL_CONTENT.replace('status: running', 'status: runing')
      .replace('modules: {}', 'modules: {}\n        extra: 1')
      .replace('storeAndForwardConfiguration: { timeToLiveSecs: 7200 }', '');
    const text = `priority: 1\ncreatedAt: 2026-01-01T00:00:00Z\ntargetCondition: '*'\n${content}`;
    const loaded = await load({ 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices: []' });
    const lines = text.split('\n');
    const found = loaded.diagnostics.map((d) => ({ message: d.message, at: lines[d.line - 1].slice(d.column - 1) }));
    expect(found).toEqual(
      expect.arrayContaining([
        { message: "status: must be one of 'running', 'stopped' (found 'runing')", at: expect.stringMatching(/^runing/) },
        { message: "unknown key 'extra': remove it or check its spelling (allowed here: schemaVersion, runtime, systemModules, modules)", at: 'extra: 1' },
        { message: "properties.desired: missing required key 'storeAndForwardConfiguration': add it", at: expect.stringMatching(/^properties\.desired:/) },
      ]),
    );
    expect(loaded.diagnostics.every((d) => d.code === 'schema/invalid')).toBe(true);
    expect(loaded.diagnostics).toHaveLength(3);
  });

  it('priority out of range and createdAt not RFC 3339', async () => {
    const text = `priority: -1\ncreatedAt: yesterday\ntargetCondition: '*'\n${MINIMAL_CONTENT}`;
    const loaded = await load({ 'deployments/d.yaml': text, 'fleet/f.yaml': 'devices: []' });
    expect(loaded.diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [1, 11, 'priority: must be >= 0 (found -1)'],
      [2, 12, "createdAt: 'yesterday' is not an RFC 3339 date-time such as 2026-10-01T09:00:00Z"],
    ]);
  });
});
