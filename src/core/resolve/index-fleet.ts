/**
 * Inverted indexes over the fleet for indexed resolution: for each tag path a
 * condition uses, which devices have it, of which type, and which have each value.
 * Built lazily, once per path, in one pass over the devices.
 */
import { lookupTag } from '../condition/index.js';
import type { Device } from '../model.js';
import { empty, fromIndexes, full, set, type Bitset } from './bitset.js';

export interface PathIndex {
  /** Devices that have the path at all (any type, objects included). */
  readonly defined: Bitset;
  readonly types: { readonly string: Bitset; readonly number: Bitset; readonly boolean: Bitset };
  /** Device indexes per primitive value; keyed by `valueKey`. */
  readonly postings: ReadonlyMap<string, readonly number[]>;
  /** Distinct values per type, for ordering comparisons. */
  readonly strings: readonly string[];
  readonly numbers: readonly number[];
}

/** `s:prod`, `n:3`, `b:true`: values of different types never share a key. */
export const valueKey = (v: string | number | boolean): string => `${typeof v === 'string' ? 's' : typeof v === 'number' ? 'n' : 'b'}:${String(v)}`;

export class FleetIndex {
  readonly size: number;
  readonly all: Bitset;
  private readonly paths = new Map<string, PathIndex>();

  /** `devices` sorted by deviceId: a device's index is its position. */
  constructor(readonly devices: readonly Device[]) {
    this.size = devices.length;
    this.all = full(this.size);
  }

  path(path: readonly string[]): PathIndex {
    const key = path.join('.');
    let index = this.paths.get(key);
    if (!index) {
      index = this.build(path);
      this.paths.set(key, index);
    }
    return index;
  }

  postingBitset(postings: readonly number[] | undefined): Bitset {
    return postings ? fromIndexes(this.size, postings) : empty(this.size);
  }

  private build(path: readonly string[]): PathIndex {
    const n = this.size;
    const defined = empty(n);
    const types = { string: empty(n), number: empty(n), boolean: empty(n) };
    const postings = new Map<string, number[]>();
    const strings: string[] = [];
    const numbers: number[] = [];
    const simple = path.length === 1 ? path[0] : undefined;
    for (let i = 0; i < n; i++) {
      const tags = this.devices[i].tags;
      // The common case, a top-level tag written in lower case, without the general lookup.
      const v = simple !== undefined && Object.hasOwn(tags, simple) ? tags[simple] : lookupTag(tags, path);
      if (v === undefined) continue;
      set(defined, i);
      const type = typeof v;
      if (type === 'object') continue;
      set(types[type as 'string' | 'number' | 'boolean'], i);
      const key = valueKey(v as string | number | boolean);
      const list = postings.get(key);
      if (list) list.push(i);
      else {
        postings.set(key, [i]);
        if (type === 'string') strings.push(v as string);
        else if (type === 'number') numbers.push(v as number);
      }
    }
    return { defined, types, postings, strings, numbers };
  }
}
