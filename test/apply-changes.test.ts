/** core/apply diffTarget: add / update / remove against what a target holds; unmanaged devices untouched. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffTarget } from '../src/core/apply/changes.js';

const keys = new Map([
  ['a', 'ka'],
  ['b', 'kb'],
]);

describe('diffTarget', () => {
  it('adds, updates, keeps, removes; leaves unmanaged devices alone even when the target has them', () => {
    const resolution = { deviceIds: ['d1', 'd2', 'd3', 'd4'], winners: ['a', 'b', null, 'a'] };
    const received = new Map([
      ['d2', 'ka'],
      ['d3', 'kx'],
      ['d4', 'ka'],
      ['gone', 'ka'],
    ]);
    expect(diffTarget(resolution, keys, received)).toEqual({
      add: [{ deviceId: 'd1', deployment: 'a', key: 'ka' }],
      update: [{ deviceId: 'd2', deployment: 'b', key: 'kb' }],
      remove: ['gone'],
      unchanged: 1,
      unmanaged: 1,
    });
  });

  it('removes exactly the received devices that left the fleet (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 30 }),
        fc.array(fc.constantFrom('a', 'b', null), { maxLength: 30 }),
        fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 30 }),
        (ids, picks, held) => {
          const deviceIds = [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
          const winners = deviceIds.map((_, i) => picks[i] ?? null);
          const received = new Map(held.map((id) => [id, 'ka']));
          const { remove } = diffTarget({ deviceIds, winners }, keys, received);
          expect(remove).toEqual(held.filter((id) => !deviceIds.includes(id)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
        },
      ),
    );
  });
});
