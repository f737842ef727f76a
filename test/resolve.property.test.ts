/** The resolver against a tiny, obviously-correct reference written here, over random fleets and deployments. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../src/core/condition/index.js';
import type { Deployment, Device, Tags } from '../src/core/model.js';
import { resolveFleet } from '../src/core/resolve/resolve.js';

// Reference: each condition is one equality on one tag, so truth is obvious.
interface Spec {
  id: string;
  priority: number;
  created: number;
  tag: string;
  value: string | number;
}

const tagNames = ['env', 'ring', 'loc'];
const values = ['a', 'b', 0, 1];

const specArb = fc.uniqueArray(
  fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
    priority: fc.integer({ min: 0, max: 3 }),
    created: fc.integer({ min: 0, max: 2 }),
    tag: fc.constantFrom(...tagNames),
    value: fc.constantFrom(...values),
  }),
  { selector: (s) => s.id, maxLength: 6 },
);
const fleetArb = fc.uniqueArray(
  fc.record({
    deviceId: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
    tags: fc.dictionary(fc.constantFrom(...tagNames), fc.constantFrom(...values), { maxKeys: 3 }),
  }),
  { selector: (d) => d.deviceId, maxLength: 25 },
);

function reference(specs: Spec[], devices: { deviceId: string; tags: Record<string, string | number> }[]) {
  const result: Record<string, { winner: string | null; tie: boolean }> = {};
  for (const device of devices) {
    const matching = specs.filter((s) => device.tags[s.tag] === s.value);
    let best: Spec[] = [];
    for (const s of matching) {
      if (best.length === 0 || s.priority > best[0].priority || (s.priority === best[0].priority && s.created > best[0].created)) best = [s];
      else if (s.priority === best[0].priority && s.created === best[0].created) best.push(s);
    }
    result[device.deviceId] = { winner: best.length === 1 ? best[0].id : null, tie: best.length > 1 };
  }
  return result;
}

describe('resolution (property-based)', () => {
  it('matches the reference: winner by priority, then newest createdAt; ties decide nothing', () => {
    fc.assert(
      fc.property(specArb, fleetArb, (specs, fleet) => {
        const targets = specs.map((s) => {
          const literal = typeof s.value === 'string' ? `'${s.value}'` : String(s.value);
          const deployment: Deployment = {
            id: s.id,
            file: `deployments/${s.id}.yaml`,
            priority: s.priority,
            createdAt: `2026-01-0${s.created + 1}T00:00:00Z`,
            createdAtMs: Date.UTC(2026, 0, s.created + 1),
            targetCondition: `tags.${s.tag} = ${literal}`,
            labels: {},
            modulesContent: {},
          };
          return { deployment, expr: parseCondition(deployment.targetCondition!).expr };
        });
        const devices: Device[] = fleet.map((d, index) => ({
          deviceId: d.deviceId,
          tags: Object.assign(Object.create(null), d.tags) as Tags,
          file: 'f',
          index,
        }));
        const resolution = resolveFleet(targets, devices);
        const expected = reference(specs, fleet);
        for (const d of resolution.devices) expect(d.deployment).toBe(expected[d.deviceId].winner);
        const anyTie = Object.values(expected).some((e) => e.tie);
        expect(resolution.diagnostics.some((d) => d.code === 'resolve/tie')).toBe(anyTie);
        // Metrics: targeted counts matches, applied counts wins; devices sorted by id.
        for (const m of resolution.deployments) {
          const spec = specs.find((s) => s.id === m.id)!;
          expect(m.targeted).toBe(fleet.filter((d) => d.tags[spec.tag] === spec.value).length);
          expect(m.applied).toBe(Object.values(expected).filter((e) => e.winner === m.id).length);
        }
        const ids = resolution.devices.map((d) => d.deviceId);
        expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        // Candidates are in precedence order, winner first.
        for (const d of resolution.devices) if (d.deployment) expect(d.candidates[0]).toBe(d.deployment);
      }),
      { numRuns: 300 },
    );
  });
});
