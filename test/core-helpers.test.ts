import { describe, expect, it } from 'vitest';
import { byString, indexOfSorted, isMapping, lowerBound, upperBound } from '../src/core/collections.js';
import { bitIndex, count, fromIndexes, popcount } from '../src/core/resolve/bitset.js';
import { andMore, clip, labelsText, listWithMore, plural } from '../src/core/text.js';

describe('core/collections', () => {
  it('isMapping is true for objects only, not null or lists', () => {
    expect([{}, Object.create(null), { a: 1 }].map(isMapping)).toEqual([true, true, true]);
    expect([null, undefined, [], 'x', 1, true].map(isMapping)).toEqual([false, false, false, false, false, false]);
  });
  it('byString orders by UTF-16 code units, not locale', () => {
    expect(['b', 'B', 'a', 'é', 'Z'].sort(byString)).toEqual(['B', 'Z', 'a', 'b', 'é']);
    expect(byString('x', 'x')).toBe(0);
  });
  it('binary search finds bounds and members of sorted ids', () => {
    const ids = ['a', 'c', 'c', 'e'];
    expect([lowerBound(ids, 'c'), upperBound(ids, 'c'), lowerBound(ids, 'd'), upperBound(ids, 'z'), lowerBound(ids, '')]).toEqual([1, 3, 3, 4, 0]);
    expect([indexOfSorted(ids, 'a'), indexOfSorted(ids, 'e'), indexOfSorted(ids, 'b'), indexOfSorted([], 'a')]).toEqual([0, 3, -1, -1]);
  });
});

describe('core/resolve/bitset word helpers', () => {
  it('popcount and bitIndex agree with a plain loop', () => {
    for (const v of [0, 1, 0x80000000, 0xffffffff, 0x55555555, 12345678]) {
      expect(popcount(v)).toBe([...v.toString(2)].filter((c) => c === '1').length);
    }
    for (let i = 0; i < 32; i++) expect(bitIndex((1 << i) >>> 0)).toBe(i);
    expect(count(fromIndexes(100, [0, 31, 32, 99]))).toBe(4);
  });
});

describe('core/text', () => {
  it('plural and andMore', () => {
    expect([plural(0, 'device'), plural(1, 'device'), plural(2, 'error')]).toEqual(['0 devices', '1 device', '2 errors']);
    expect([andMore(3), andMore(4, 'transitions')]).toEqual(['…and 3 more', '…and 4 more transitions']);
    expect([listWithMore(['a', 'b'], 2), listWithMore(['a', 'b'], 5)]).toEqual(['a, b', 'a, b, …and 3 more']);
  });
  it('labelsText sorts keys ordinally', () => {
    expect(labelsText({ team: 'a', Env: 'prod', app: 'x' })).toBe('Env=prod app=x team=a');
    expect(labelsText({})).toBe('');
  });
  it('clip keeps short text and says how long a cut one was', () => {
    expect(clip('abc')).toBe('abc');
    expect(clip('x'.repeat(201))).toBe(`${'x'.repeat(200)}… (201 characters)`);
    expect(clip('abcdef', 3)).toBe('abc… (6 characters)');
  });
});
