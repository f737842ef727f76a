/** Small shared helpers over values and sorted lists, used across the layers. */

/** True for a mapping: an object that is not null and not an array. */
export const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ordinal string order (UTF-16 code units), the order ids and keys are sorted in everywhere. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The first index in sorted `ids` whose id is not below `x`. */
export function lowerBound(ids: readonly string[], x: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in sorted `ids` whose id is above `x`. */
export function upperBound(ids: readonly string[], x: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of `x` in sorted `ids`, or -1. */
export function indexOfSorted(ids: readonly string[], x: string): number {
  const i = lowerBound(ids, x);
  return ids[i] === x ? i : -1;
}
