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

export interface PathIndex {
  /** Devices that have the path at all (any type, objects included). */
  readonly defined: Bitset;
  readonly types: { readonly string: Bitset; readonly number: Bitset; readonly boolean: Bitset };
  /** Device indexes per value, ascending (a Map keeps 'prod', 0 and false apart; 9 and 9.0 are one). */
  readonly postings: ReadonlyMap<Primitive, Int32Array>;
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

  /** Builds the indexes of these paths together, in one pass over the devices. */
  prepare(paths: readonly (readonly string[])[]): void {
    const missing = [...new Map(paths.map((p) => [p.join('.'), p])).entries()].filter(([key]) => !this.paths.has(key));
    if (missing.length === 0) return;
    const n = this.size;
    // First pass: per path, each device's value as a small id (in first-seen order) and how many
    // devices have each; then each value's postings are filled at their exact size. No list grows.
    const builders = missing.map(([key, path]) => ({
      key,
      path,
      defined: empty(n),
      types: { string: empty(n), number: empty(n), boolean: empty(n) },
      ids: new Int32Array(n).fill(-1),
      idOf: new Map<Primitive, number>(),
      values: [] as Primitive[],
      counts: [] as number[],
      last: undefined as Primitive | undefined,
      lastId: -1,
      strings: [] as string[],
      numbers: [] as number[],
    }));
    const direct = this.options.mixedCaseTagNames === false;
    for (let i = 0; i < n; i++) {
      const tags = this.devices[i].tags;
      for (let b = 0; b < builders.length; b++) {
        const builder = builders[b];
        const v = direct ? walk(tags, builder.path) : lookupTag(tags, builder.path);
        if (v === undefined) continue;
        set(builder.defined, i);
        if (typeof v === 'object') continue;
        let id: number;
        // Neighbours often share a value: then no lookup.
        if (v === builder.last) id = builder.lastId;
        else {
          id = builder.idOf.get(v) ?? -1;
          if (id < 0) {
            id = builder.values.push(v) - 1;
            builder.idOf.set(v, id);
            builder.counts.push(0);
            if (typeof v === 'string') builder.strings.push(v);
            else if (typeof v === 'number') builder.numbers.push(v);
          }
          builder.last = v;
          builder.lastId = id;
        }
        set(builder.types[typeof v as 'string' | 'number' | 'boolean'], i);
        builder.counts[id]++;
        builder.ids[i] = id;
      }
    }
    for (const { key, path, defined, types, ids, values, counts, strings, numbers } of builders) {
      const lists = counts.map((c) => new Int32Array(c));
      const filled = new Int32Array(lists.length);
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        if (id >= 0) lists[id][filled[id]++] = i;
      }
      const postings = new Map<Primitive, Int32Array>();
      for (let id = 0; id < values.length; id++) postings.set(values[id], lists[id]);
      const index = { path, defined, types, postings, strings, numbers };
      this.paths.set(key, index);
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

  postingBitset(postings: ArrayLike<number> | undefined): Bitset {
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
