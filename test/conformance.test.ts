/** ../shared/conformance/cases.json: every build must pass these (a vendored copy is used when shared/ is absent). */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codes, load, loadFleet, winners, type Fleetish } from './helpers.js';

const shared = new URL('../../shared/conformance/cases.json', import.meta.url);
const vendored = new URL('./fixtures/conformance/cases.json', import.meta.url);
const cases = JSON.parse(readFileSync(existsSync(shared) ? shared : vendored, 'utf8')) as {
  fleet: Fleetish[];
  conditions: { condition: string; targets: string[]; warning?: boolean }[];
  invalidConditions: string[];
  priority: {
    deployments: { id: string; priority: number; createdAt: string; targetCondition: string }[];
    winners?: Record<string, string | null>;
    invalid?: boolean;
  }[];
};

describe('conformance: target conditions', () => {
  it.each(cases.conditions)('$condition', async ({ condition, targets, warning }) => {
    const loaded = await loadFleet({ a: { targetCondition: condition } }, cases.fleet);
    const targeted = loaded.analysis.resolution.devices.filter((d) => d.candidates.includes('a')).map((d) => d.deviceId);
    expect(targeted.sort()).toEqual([...targets].sort());
    expect(codes(loaded).includes('condition/a-not-b')).toBe(Boolean(warning));
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it.each(cases.invalidConditions)('rejects %s with a positioned error', async (condition) => {
    const loaded = await loadFleet({ a: { targetCondition: condition } }, cases.fleet);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'deployments/a.yaml', line: 3 });
    expect(errors[0].code).toMatch(/^condition\//);
    expect(loaded.valid).toBe(false);
  });
});

describe('conformance: priority', () => {
  // Also as a harness might write them: only priority, createdAt and targetCondition.
  const runs = cases.priority.flatMap((c, i) => [
    { ...c, name: `case ${i + 1}`, bare: false },
    { ...c, name: `case ${i + 1}, without content`, bare: true },
  ]);
  it.each(runs)('$name', async (c) => {
    const deployments = Object.fromEntries(c.deployments.map((d) => [d.id, d]));
    const loaded = c.bare
      ? await load({
          'fleet/f.yaml': JSON.stringify({ devices: cases.fleet }),
          ...Object.fromEntries(
            c.deployments.map((d) => [
              `deployments/${d.id}.yaml`,
              JSON.stringify({ priority: d.priority, createdAt: d.createdAt, targetCondition: d.targetCondition }),
            ]),
          ),
        })
      : await loadFleet(deployments, cases.fleet);
    if (c.invalid) {
      expect(loaded.valid).toBe(false);
      expect(codes(loaded)).toContain('resolve/tie');
    } else {
      expect(loaded.valid).toBe(true);
      expect(winners(loaded)).toMatchObject(c.winners ?? {});
    }
  });
});
