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
  /** Device indexes per value (a Map keeps 'prod', 0 and false apart; 9 and 9.0 are one). */
  readonly postings: ReadonlyMap<Primitive, readonly number[]>;
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
    const builders = missing.map(([key, path]) => ({
      key,
      path,
      defined: empty(n),
      types: { string: empty(n), number: empty(n), boolean: empty(n) },
      postings: new Map<Primitive, number[]>(),
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
        const type = typeof v;
        if (type === 'object') continue;
        set(builder.types[type as 'string' | 'number' | 'boolean'], i);
        const list = builder.postings.get(v as Primitive);
        if (list) list.push(i);
        else {
          builder.postings.set(v as Primitive, [i]);
          if (type === 'string') builder.strings.push(v as string);
          else if (type === 'number') builder.numbers.push(v as number);
        }
      }
    }
    for (const { key, ...index } of builders) this.paths.set(key, index);
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

  postingBitset(postings: readonly number[] | undefined): Bitset {
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
