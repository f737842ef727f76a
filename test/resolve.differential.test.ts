/** The indexed resolver against the reference resolver, over random fleets and random conditions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../src/core/condition/index.js';
import type { Deployment, Device, Tags } from '../src/core/model.js';
import { resolveFleetReference } from '../src/core/resolve/reference.js';
import { resolveFleet } from '../src/core/resolve/resolve.js';

const literal = fc.oneof(
  fc.constantFrom("'x'", "'y'", "'X'", "''", "'0'", "'1'"),
  fc.constantFrom('0', '1', '2', '-1', '1.5'),
  fc.constantFrom('true', 'false'),
);
const property = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('tags.a', 'tags.B', 'tags.site.n', 'tags.site', 'tags.missing', 'tags.[[a]]', 'tags.site.[[n]]') },
  { weight: 1, arbitrary: fc.constant('deviceId') },
);
const op = fc.constantFrom('=', '!=', '<>', '<', '>', '<=', '>=');
const deviceIdLiteral = fc.constantFrom("'d1'", "'d3'", "'e'", "'D2'", '5');

const { condition } = fc.letrec<{ condition: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(
    fc.tuple(property, op, literal).map(([p, o, l]) => `${p} ${o} ${l}`),
    fc.tuple(op, deviceIdLiteral).map(([o, l]) => `deviceId ${o} ${l}`),
    fc.tuple(literal, op, property).map(([l, o, p]) => `${l} ${o} ${p}`),
    fc.tuple(property, fc.constantFrom('IN', 'NIN'), fc.array(literal, { minLength: 1, maxLength: 3 })).map(([p, k, ls]) => `${p} ${k} [${ls.join(', ')}]`),
    fc.tuple(fc.constantFrom('IN', 'NIN'), fc.array(deviceIdLiteral, { minLength: 1, maxLength: 4 })).map(([k, ls]) => `deviceId ${k} [${ls.join(', ')}]`),
    property.map((p) => `IS_DEFINED(${p})`),
  ),
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.tuple(tie('condition'), fc.constantFrom('AND', 'OR'), tie('condition')).map(([l, o, r]) => `(${l}) ${o} (${r})`),
    tie('condition').map((c) => `NOT (${c})`),
  ),
}));

const tagValue = fc.oneof(fc.constantFrom('x', 'y', 'X', '', '0', '1'), fc.constantFrom(0, 1, 2, -1, 1.5), fc.boolean());
const deviceArb = fc.record({
  tags: fc.record(
    {
      a: tagValue,
      B: tagValue,
      site: fc.oneof(tagValue, fc.record({ n: tagValue }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
});

describe('indexed resolution equals the reference', () => {
  it('on random fleets, conditions, priorities and ties', () => {
    fc.assert(
      fc.property(
        fc.array(deviceArb, { maxLength: 40 }),
        fc.array(
          fc.record({
            condition: fc.oneof({ weight: 9, arbitrary: condition }, { weight: 1, arbitrary: fc.constant('*') }),
            priority: fc.integer({ min: 0, max: 2 }),
            day: fc.integer({ min: 1, max: 2 }),
            broken: fc.boolean(),
          }),
          { maxLength: 6 },
        ),
        fc.boolean(),
        (fleet, specs, shuffle) => {
          const devices: Device[] = fleet.map((d, i) => ({
            deviceId: ['d1', 'd2', 'd3', 'D2', 'e', 'd10'][i % 6] + (i >= 6 ? `-${i}` : ''),
            tags: toTags(d.tags),
            file: 'f',
            index: i,
          }));
          if (shuffle) devices.reverse();
          const targets = specs.map((s, i) => {
            const deployment: Deployment = {
              id: `dep${i}`,
              file: `deployments/dep${i}.yaml`,
              priority: s.priority,
              createdAt: `2026-01-0${s.day}T00:00:00Z`,
              createdAtMs: Date.UTC(2026, 0, s.day),
              targetCondition: s.condition,
              labels: {},
              modulesContent: {},
            };
            const parsed = parseCondition(s.condition);
            expect(parsed.expr, s.condition).toBeDefined();
            return { deployment, expr: s.broken && i === 0 ? undefined : parsed.expr };
          });
          // Tell the index when no tag name has an upper-case letter, as analyze does.
          const mixedCaseTagNames = devices.some((d) => JSON.stringify(d.tags) !== JSON.stringify(d.tags).toLowerCase());
          const fast = resolveFleet(targets, devices, { mixedCaseTagNames });
          const slow = resolveFleetReference(targets, devices);
          expect(fast.devices).toEqual(slow.devices);
          expect([...fast.ties].sort((x, y) => x[0] - y[0])).toEqual([...slow.ties].sort((x, y) => x[0] - y[0]));
          expect(fast.candidatesRange(0, fast.deviceIds.length)).toEqual(slow.devices.map((d) => d.candidates));
          expect(fast.deviceIds.map((_, i) => fast.candidatesOf(i))).toEqual(slow.devices.map((d) => d.candidates));
          expect([...fast.deployments]).toEqual([...slow.deployments]);
          expect(fast.diagnostics).toEqual(slow.diagnostics);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 500) },
    );
  });
});

describe('indexed resolution equals the reference where equalities are sparse', () => {
  // An equality that matches under 1 device in 64 is made from its postings each time, not kept: fleets large enough for that.
  const sparseLeaf = fc.oneof(
    fc.integer({ min: 0, max: 40 }).map((n) => `tags.c = 'c${n}'`),
    fc.integer({ min: 0, max: 40 }).map((n) => `tags.c = ${n}`),
    fc.integer({ min: 0, max: 40 }).map((n) => `tags.c != 'c${n}'`),
    fc.constantFrom("tags.a = 'x'", 'tags.a = 1', 'IS_DEFINED(tags.c)', "tags.c > 'c2'"),
  );
  const { sparse } = fc.letrec<{ sparse: string }>((tie) => ({
    sparse: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      sparseLeaf,
      fc.tuple(tie('sparse'), fc.constantFrom('AND', 'OR'), tie('sparse')).map(([l, o, r]) => `(${l}) ${o} (${r})`),
      tie('sparse').map((c) => `NOT (${c})`),
    ),
  }));
  it('on fleets of hundreds of devices and conditions over a tag with many values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              c: fc.oneof(
                fc.integer({ min: 0, max: 40 }).map((n) => `c${n}`),
                fc.integer({ min: 0, max: 40 }),
              ),
              a: tagValue,
            },
            { requiredKeys: ['a'] },
          ),
          {
            minLength: 200,
            maxLength: 300,
          },
        ),
        fc.array(fc.record({ condition: sparse, priority: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 6 }),
        (fleet, specs) => {
          const devices: Device[] = fleet.map((d, i) => ({ deviceId: `d${String(i).padStart(3, '0')}`, tags: toTags(d), file: 'f', index: i }));
          const targets = specs.map((s, i) => {
            const deployment: Deployment = {
              id: `dep${i}`,
              file: `deployments/dep${i}.yaml`,
              priority: s.priority,
              createdAt: '2026-01-01T00:00:00Z',
              createdAtMs: Date.UTC(2026, 0, 1),
              targetCondition: s.condition,
              labels: {},
              modulesContent: {},
            };
            return { deployment, expr: parseCondition(s.condition).expr };
          });
          const fast = resolveFleet(targets, devices, { mixedCaseTagNames: false });
          const slow = resolveFleetReference(targets, devices);
          expect(fast.devices).toEqual(slow.devices);
          expect([...fast.deployments]).toEqual([...slow.deployments]);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });
});

function toTags(v: Record<string, unknown>): Tags {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'object' && x !== null ? toTags(x as Record<string, unknown>) : x;
  return out as Tags;
}
