/**
 * Inverted indexes over the fleet for indexed resolution: for each tag path a
 * condition uses, which devices have it, of which type, and which have each value.
 * Every path the conditions use is built in one pass over the devices.
 */
import { indexOfSorted } from '../collections.js';
import { lookupTag } from '../condition/index.js';
import { isTags, type Device, type TagValue, type Tags } from '../model.js';
import { empty, fromIndexes, full, set, type Bitset } from './bitset.js';

type Primitive = string | number | boolean;

/** Device indexes, ascending. */
export type Postings = Int32Array;

export interface PathIndex {
  /** Devices that have the path at all (any type, objects included). */
  readonly defined: Bitset;
  readonly types: { readonly string: Bitset; readonly number: Bitset; readonly boolean: Bitset };
  /** Device indexes per value, ascending (a Map keeps 'prod', 0 and false apart; 9 and 9.0 are one). */
  readonly postings: ReadonlyMap<Primitive, Postings>;
  /** Distinct values per type, for ordering comparisons. */
  readonly strings: readonly string[];
  readonly numbers: readonly number[];
}

/** `s:prod`, `n:3`, `b:true`: for cache keys where values of different types must not meet. */
export const valueKey = (v: Primitive): string => `${typeof v === 'string' ? 's' : typeof v === 'number' ? 'n' : 'b'}:${String(v)}`;

export interface FleetIndexOptions {
  /**
   * False when no tag name in the fleet has an upper-case letter: then a lower-cased
   * path is looked up directly, without the case-insensitive search.
   */
  readonly mixedCaseTagNames?: boolean;
}

export class FleetIndex {
  readonly size: number;
  readonly all: Bitset;
  /** The devices sorted by deviceId (UTF-16 code units): a device's index is its position. */
  readonly devices: readonly Device[];
  readonly deviceIds: readonly string[];
  private readonly paths = new Map<string, PathIndex>();
  /** Truth sets of condition leaves (`tags.env = 'prod'`), shared by every resolution of this fleet. */
  readonly leaves = new Map<string, { readonly t: Bitset; readonly u?: Bitset }>();
  /** Devices without a value of a type at a path (`tag|env|string`), kept with the leaves that share them. */
  readonly notOfType = new Map<string, Bitset>();

  constructor(
    devices: readonly Device[],
    private readonly options: FleetIndexOptions = {},
  ) {
    // Fleets usually arrive sorted: check before paying for a sort.
    let sorted = true;
    for (let i = 1; i < devices.length && sorted; i++) sorted = devices[i - 1].deviceId < devices[i].deviceId;
    this.devices = sorted ? devices : [...devices].sort((x, y) => (x.deviceId < y.deviceId ? -1 : x.deviceId > y.deviceId ? 1 : 0));
    this.deviceIds = this.devices.map((d) => d.deviceId);
    this.size = devices.length;
    this.all = full(this.size);
  }

  /**
   * Builds the indexes of these paths together, in one pass over the devices. Each
   * device's value is numbered as it is met; the postings are then laid out in one
   * exact-size array per path, counted first: growing a list per value allocated
   * about twice the memory, and fresh memory is what a large fleet pays for most.
   */
  prepare(paths: readonly (readonly string[])[]): void {
    const missing = [...new Map(paths.map((p) => [p.join('.'), p])).entries()].filter(([key]) => !this.paths.has(key));
    if (missing.length === 0) return;
    const n = this.size;
    const builders = missing.map(([key, path]) => ({
      key,
      path,
      defined: empty(n),
      types: { string: empty(n), number: empty(n), boolean: empty(n) },
      /** Per device, 1 + the number of its value; 0 where it has none (or an object). */
      valueOf: new Int32Array(n),
      numbers: new Map<Primitive, number>(),
      values: [] as Primitive[],
      counts: [] as number[],
    }));
    const direct = this.options.mixedCaseTagNames === false;
    for (let i = 0; i < n; i++) {
      const tags = this.devices[i].tags;
      for (let b = 0; b < builders.length; b++) {
        const builder = builders[b];
        const v = direct ? walk(tags, builder.path) : lookupTag(tags, builder.path);
        if (v === undefined) continue;
        set(builder.defined, i);
        const type = typeof v;
        if (type === 'object') continue;
        set(builder.types[type as 'string' | 'number' | 'boolean'], i);
        let number = builder.numbers.get(v as Primitive);
        if (number === undefined) {
          number = builder.values.push(v as Primitive) - 1;
          builder.numbers.set(v as Primitive, number);
          builder.counts.push(0);
        }
        builder.counts[number]++;
        builder.valueOf[i] = number + 1;
      }
    }
    for (const { key, defined, types, valueOf, values, counts } of builders) {
      const starts = new Int32Array(values.length + 1);
      for (let k = 0; k < values.length; k++) starts[k + 1] = starts[k] + counts[k];
      const all = new Int32Array(starts[values.length]);
      const next = starts.slice(0, values.length);
      for (let i = 0; i < n; i++) if (valueOf[i] !== 0) all[next[valueOf[i] - 1]++] = i;
      const postings = new Map<Primitive, Postings>();
      values.forEach((v, k) => postings.set(v, all.subarray(starts[k], starts[k + 1])));
      const strings = values.filter((v): v is string => typeof v === 'string');
      const numbers = values.filter((v): v is number => typeof v === 'number');
      this.paths.set(key, { defined, types, postings, strings, numbers });
    }
  }

  /** The device with this id, by binary search over the sorted ids; `undefined` if none. */
  device(deviceId: string): Device | undefined {
    const i = indexOfSorted(this.deviceIds, deviceId);
    return i < 0 ? undefined : this.devices[i];
  }

  path(path: readonly string[]): PathIndex {
    const key = path.join('.');
    if (!this.paths.has(key)) this.prepare([path]);
    return this.paths.get(key)!;
  }

  postingBitset(postings: Postings | undefined): Bitset {
    return postings ? fromIndexes(this.size, postings) : empty(this.size);
  }
}

/** Exact-case lookup (own properties only: records have no inherited ones). */
function walk(tags: Tags, path: readonly string[]): TagValue | undefined {
  let v: TagValue | undefined = tags[path[0]];
  for (let i = 1; i < path.length; i++) {
    if (!isTags(v)) return undefined;
    v = v[path[i]];
  }
  return v;
}
