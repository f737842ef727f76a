/**
 * buildFleetFile (a fast path for devices with nothing to say, the full checks for
 * the others) against buildFleetFileReference (the full checks for every device):
 * the same devices, the same diagnostics in the same order, the same mixed-case
 * verdict. Everything after building (repeats collapsed, duplicates, placing) is a
 * function of those, so equal here is equal in what a user sees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PER_CODE } from '../src/core/analysis/analyze.js';
import { record } from '../src/core/record.js';
import { buildFleetFile, buildFleetFileReference, type FleetFile } from '../src/core/validate/fleet.js';

/** Mappings as the scanner and the YAML reader make them (records), or plain objects. */
const mapping = (entries: readonly [string, unknown][], bare: boolean): Record<string, unknown> => {
  const out: Record<string, unknown> = bare ? record() : {};
  for (const [k, v] of entries) out[k] = v;
  return out;
};

const tagName = fc.constantFrom('env', 'Env', 'ENV', 'site', 'ring', 'a.b', '$x', '', 'x y', '9lives', 'ok_1', 'Ümlaut', 'tab\there', 'Site');
const longString = 'x'.repeat(4097);
const bigString = 'y'.repeat(3000);
const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('prod', 'eastus', '', 'c007', '3') },
  { weight: 2, arbitrary: fc.constantFrom('new york', "it's", 'a\u00e9', longString, bigString) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2.5, -0, Number.NaN, Number.POSITIVE_INFINITY) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, [1, 2]) },
);
const { tags } = fc.letrec<{ tags: Record<string, unknown>; value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('tags')),
  tags: fc.tuple(fc.array(fc.tuple(tagName, tie('value')), { maxLength: 5 }), fc.boolean()).map(([entries, bare]) => mapping(entries, bare)),
}));
/** Tags nested deeper than IoT Hub allows (and just as deep as it allows). */
const deep = fc.integer({ min: 8, max: 12 }).map((levels) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = mapping([['n', v]], true);
  return v as Record<string, unknown>;
});
const deviceId = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom('bad id', 'x'.repeat(129), 12345, null, undefined, '') },
);
const device = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({
        deviceId,
        tags: fc.oneof({ weight: 8, arbitrary: tags }, { weight: 1, arbitrary: deep }, { weight: 1, arbitrary: fc.constantFrom(null, undefined, 'prod', [1]) }),
        extra: fc.constantFrom(undefined, undefined, undefined, 'name'),
        bare: fc.boolean(),
      })
      .map(({ deviceId: id, tags: t, extra, bare }) =>
        mapping(
          [['deviceId', id], ['tags', t], ...(extra ? ([[extra, 1]] as [string, unknown][]) : [])].filter(([, v]) => v !== undefined) as [string, unknown][],
          bare,
        ),
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, 'a device', [1]) },
);

const same = (value: unknown): FleetFile => {
  const fast = buildFleetFile('fleet/f.yaml', value);
  const reference = buildFleetFileReference('fleet/f.yaml', value);
  expect(fast).toEqual(reference);
  // Tags kept as they are are the very object read, on both paths (a copy only where something was dropped).
  const list = (value as { devices?: unknown } | null)?.devices;
  const read = (index: number): unknown => (Array.isArray(list) ? (list[index] as { tags?: unknown }).tags : undefined);
  fast.devices.forEach((d, i) => expect(d.tags === read(d.index)).toBe(reference.devices[i].tags === read(d.index)));
  return fast;
};

describe('building fleet files: the fast path equals the reference', () => {
  it('on random devices with every kind of problem', () => {
    fc.assert(
      fc.property(fc.array(device, { maxLength: 30 }), (devices) => {
        same(mapping([['devices', devices]], true));
      }),
      { numRuns: 400 },
    );
  });

  it('on devices that repeat the same tag names, where the fast path remembers the last name lists found clean', () => {
    const names = [
      ['env', 'site'],
      ['env', 'Site'],
      ['env', 'site'],
      ['env', 'ENV'],
      ['env', 'a.b'],
      ['env', 'site'],
      ['Env', 'site'],
      ['env', 'site'],
    ];
    const devices = names.map((keys, i) =>
      mapping(
        [
          ['deviceId', `d${i}`],
          [
            'tags',
            mapping(
              keys.map((k) => [k, 'prod']),
              true,
            ),
          ],
        ],
        true,
      ),
    );
    const built = same(mapping([['devices', devices]], true));
    expect(built.diagnostics.map((d) => d.code)).toEqual(['fleet/tag-case-collision', 'fleet/invalid-tag']);
    expect(built.mixedCaseTagNames).toBe(true);
  });

  it('on more distinct name lists than the fast path remembers, in every order', () => {
    const pool = ['env', 'site', 'ring', 'Hw', 'cust', 'loc', 'x y', 'HW'];
    const lists = fc.array(fc.subarray(pool, { minLength: 0, maxLength: 5 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(lists, fc.boolean(), (names, bare) => {
        const devices = names.map((keys, i) =>
          mapping(
            [
              ['deviceId', `d${i}`],
              [
                'tags',
                mapping(
                  keys.map((k) => [k, i % 3]),
                  bare,
                ),
              ],
            ],
            bare,
          ),
        );
        same(mapping([['devices', devices]], true));
      }),
      { numRuns: 300 },
    );
  });

  it('says nothing and marks no mixed case for a clean lower-case fleet, keeping each device as read', () => {
    const devices = Array.from({ length: 50 }, (_, i) =>
      mapping(
        [
          ['deviceId', `d${i}`],
          [
            'tags',
            mapping(
              [
                ['env', 'prod'],
                ['ring', i % 3],
                ['ok', true],
              ],
              true,
            ),
          ],
        ],
        true,
      ),
    );
    const built = same(mapping([['devices', devices]], true));
    expect(built.diagnostics).toEqual([]);
    expect(built.mixedCaseTagNames).toBe(false);
    expect(built.devices.map((d) => d.index)).toEqual(devices.map((_, i) => i));
  });

  it('on a large fleet with problems repeated beyond MAX_PER_CODE, duplicate ids and mixed-case names', () => {
    const kinds = [
      (i: number) => [
        ['deviceId', `d${i}`],
        [
          'tags',
          mapping(
            [
              ['env', 'prod'],
              ['ring', 1],
            ],
            true,
          ),
        ],
      ],
      (i: number) => [
        ['deviceId', `d${i}`],
        ['tags', mapping([['a.b', 1]], true)],
      ],
      (i: number) => [
        ['deviceId', `d${i}`],
        ['tags', mapping([['location', 'new york']], true)],
      ],
      (i: number) => [
        ['deviceId', `d${i}`],
        ['tags', mapping([['Env', 'prod']], true)],
      ],
      (i: number) => [
        ['deviceId', `d${i % 50}`],
        ['tags', mapping([['env', 'test']], true)],
      ],
      (i: number) => [['deviceId', `bad id ${i}`]],
      (i: number) => [
        ['deviceId', `d${i}`],
        [
          'tags',
          mapping(
            [
              ['env', 'x'],
              ['ENV', 'y'],
            ],
            true,
          ),
        ],
      ],
    ] as ((i: number) => [string, unknown][])[];
    const devices = Array.from({ length: 7 * (MAX_PER_CODE + 200) }, (_, i) => mapping(kinds[i % kinds.length](i), true));
    const built = same(mapping([['devices', devices]], true));
    const codes = new Set(built.diagnostics.map((d) => d.code));
    expect([...codes].sort()).toEqual(['fleet/invalid-device-id', 'fleet/invalid-tag', 'fleet/tag-case-collision', 'fleet/tag-not-expressible']);
    expect(built.diagnostics.filter((d) => d.code === 'fleet/invalid-tag').length).toBeGreaterThan(MAX_PER_CODE);
  });

  it('on files that are not a list of devices', () => {
    for (const value of [null, undefined, 'text', [1], mapping([['devices', null]], true), mapping([['devices', 'x']], true), mapping([['other', 1]], true)]) {
      same(value);
    }
    // A hole in a list (only from code, never from YAML) is skipped by both.
    const holey: unknown[] = [mapping([['deviceId', 'd1']], true)];
    holey[2] = mapping([['deviceId', 'd2']], true);
    expect(same(mapping([['devices', holey]], true)).devices.map((d) => d.deviceId)).toEqual(['d1', 'd2']);
  });
});
