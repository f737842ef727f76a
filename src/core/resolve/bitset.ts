/** Fixed-size bitsets over device indexes: the set algebra of indexed resolution. */

export type Bitset = Uint32Array;

export const words = (size: number): number => (size + 31) >>> 5;
export const empty = (size: number): Bitset => new Uint32Array(words(size));

export function full(size: number): Bitset {
  const b = new Uint32Array(words(size)).fill(0xffffffff);
  const extra = size & 31;
  if (extra) b[b.length - 1] = (1 << extra) - 1;
  return b;
}

export const set = (b: Bitset, i: number): void => {
  b[i >>> 5] |= 1 << (i & 31);
};
export const has = (b: Bitset, i: number): boolean => (b[i >>> 5] & (1 << (i & 31))) !== 0;

export function and(a: Bitset, b: Bitset): Bitset {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] & b[i];
  return out;
}
export function or(a: Bitset, b: Bitset): Bitset {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] | b[i];
  return out;
}
/** a & ~b */
export function andNot(a: Bitset, b: Bitset): Bitset {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] & ~b[i];
  return out;
}
/** ~(a | b) within `all` */
export function nor(a: Bitset, b: Bitset, all: Bitset): Bitset {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = ~(a[i] | b[i]) & all[i];
  return out;
}
export function orInto(target: Bitset, b: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] |= b[i];
}
export function andNotInto(target: Bitset, b: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] &= ~b[i];
}

/** The number of bits set in a 32-bit word. */
export const popcount = (v: number): number => {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/** The position (0–31) of a word's only set bit: for `v & -v`, the lowest set bit of `v`. */
export const bitIndex = (low: number): number => 31 - Math.clz32(low);

export function count(b: Bitset): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n += popcount(b[i]);
  return n;
}

export function isEmpty(b: Bitset): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Calls `f` for each member, in increasing order; stops early when `f` returns false. */
export function forEach(b: Bitset, f: (i: number) => boolean | void): void {
  for (let w = 0; w < b.length; w++) {
    let v = b[w];
    while (v !== 0) {
      const low = v & -v;
      const i = (w << 5) + bitIndex(low);
      if (f(i) === false) return;
      v ^= low;
    }
  }
}

export function fromIndexes(size: number, indexes: ArrayLike<number>): Bitset {
  const b = empty(size);
  for (let i = 0; i < indexes.length; i++) set(b, indexes[i]);
  return b;
}

/** target &= b */
export function andInto(target: Bitset, b: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] &= b[i];
}

/** target = ~(target | u) & all: NOT of a true/unknown pair, in place. */
export function norInto(target: Bitset, u: Bitset, all: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = ~(target[i] | u[i]) & all[i];
}

/** out = a & b */
export function andTo(out: Bitset, a: Bitset, b: Bitset): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] & b[i];
}
/** out = a | b */
export function orTo(out: Bitset, a: Bitset, b: Bitset): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] | b[i];
}
/** out = ~(a | b) & all */
export function norTo(out: Bitset, a: Bitset, b: Bitset, all: Bitset): void {
  for (let i = 0; i < out.length; i++) out[i] = ~(a[i] | b[i]) & all[i];
}
