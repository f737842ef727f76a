/**
 * Inverted indexes over the fleet for indexed resolution: for each tag path a
 * condition uses, which devices have it, of which type, and which have each value.
 * Every path the conditions use is built in one pass over the devices.
 */
import { indexOfSorted } from '../collections.js';
import { ABSENT, ColumnarFleet, MAPPING, pathsNamed, type Column } from '../fleet-columns.js';
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
  readonly deviceIds: readonly string[];
  /** The devices sorted by deviceId (UTF-16 code units), when given as objects: a device's index is its position. */
  private readonly objects: readonly Device[] | undefined;
  private readonly columns: ColumnarFleet | undefined;
  private readonly paths = new Map<string, PathIndex>();
  /** Truth sets of condition leaves (`tags.env = 'prod'`), shared by every resolution of this fleet. */
  readonly leaves = new Map<string, { readonly t: Bitset; readonly u?: Bitset }>();
  /** Devices without a value of a type at a path (`tag|env|string`), kept with the leaves that share them. */
  readonly notOfType = new Map<string, Bitset>();

  constructor(
    fleet: readonly Device[] | ColumnarFleet,
    private readonly options: FleetIndexOptions = {},
  ) {
    if (fleet instanceof ColumnarFleet) {
      // Ascending by id already (columnarFleet makes sure).
      this.columns = fleet;
      this.deviceIds = fleet.deviceIds;
    } else {
      // Fleets usually arrive sorted: check before paying for a sort.
      let sorted = true;
      for (let i = 1; i < fleet.length && sorted; i++) sorted = fleet[i - 1].deviceId < fleet[i].deviceId;
      this.objects = sorted ? fleet : [...fleet].sort((x, y) => (x.deviceId < y.deviceId ? -1 : x.deviceId > y.deviceId ? 1 : 0));
      this.deviceIds = this.objects.map((d) => d.deviceId);
    }
    this.size = this.deviceIds.length;
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
    const builders = missing.map(([key, path]) => new PathBuilder(key, path, n));
    if (this.columns) this.numberColumns(builders);
    else this.numberObjects(builders);
    for (const builder of builders) this.paths.set(builder.key, builder.done());
  }

  private numberObjects(builders: readonly PathBuilder[]): void {
    const direct = this.options.mixedCaseTagNames === false;
    const devices = this.objects!;
    for (let i = 0; i < devices.length; i++) {
      const tags = devices[i].tags;
      for (let b = 0; b < builders.length; b++) {
        const builder = builders[b];
        const v = direct ? walk(tags, builder.path) : lookupTag(tags, builder.path);
        if (v === undefined) continue;
        set(builder.defined, i);
        if (typeof v !== 'object') builder.add(i, v);
      }
    }
  }

  /** The same numbering from columns: a device's value is read from its path's column, no tags walked. */
  private numberColumns(builders: readonly PathBuilder[]): void {
    const { files, bases } = this.columns!;
    for (let f = 0; f < files.length; f++) {
      for (const builder of builders) {
        for (const p of pathsNamed(files[f], builder.path)) builder.addColumn(files[f].columns[p], bases[f], files[f].values);
      }
    }
  }

  /** The device with this id, by binary search over the sorted ids; `undefined` if none. */
  device(deviceId: string): Device | undefined {
    const i = indexOfSorted(this.deviceIds, deviceId);
    if (i < 0) return undefined;
    return this.objects ? this.objects[i] : this.columns!.device(i);
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

/** One path's index as it is built: each device's value numbered as it is met. */
class PathBuilder {
  readonly defined: Bitset;
  readonly types: { string: Bitset; number: Bitset; boolean: Bitset };
  /**
   * Per device, 1 + the number of its value; 0 where it has none (or an object). Made
   * only for devices given as objects: columns are read again instead, through
   * `columns`, which spares a fresh array the fleet's size per path.
   */
  private valueOf: Int32Array | undefined;
  private interleaved = false;
  /** The files' columns added, with their value numbers as this path's. */
  private readonly columns: { readonly column: Column; readonly base: number; readonly numbers: Int32Array }[] = [];
  private readonly numbers = new Map<Primitive, number>();
  private readonly values: Primitive[] = [];
  private readonly counts: number[] = [];
  /** Per value number, the set of its type. */
  private readonly typeOf: Bitset[] = [];

  constructor(
    readonly key: string,
    readonly path: readonly string[],
    private readonly n: number,
  ) {
    this.defined = empty(n);
    this.types = { string: empty(n), number: empty(n), boolean: empty(n) };
  }

  /** Device `i` has the value `v` (its path is already marked defined). */
  add(i: number, v: Primitive): void {
    this.addNumber(i, this.numberOf(v));
  }

  /** The number of a value (numbered when first met). */
  numberOf(v: Primitive): number {
    let number = this.numbers.get(v);
    if (number === undefined) {
      number = this.values.push(v) - 1;
      this.numbers.set(v, number);
      this.counts.push(0);
      this.typeOf.push(this.types[typeof v as 'string' | 'number' | 'boolean']);
    }
    return number;
  }

  /** A file's column of this path (its devices from `base` on), its cells numbers into `values`. */
  addColumn(column: Column, base: number, values: readonly Primitive[]): void {
    const { defined, counts, typeOf } = this;
    // The file's value numbers as the path's (-1: not met yet).
    const numbers = new Int32Array(values.length).fill(-1);
    // Two columns of one file (`Env` on some devices, `env` on others) interleave: their devices are then placed by number.
    if (this.columns.at(-1)?.base === base) this.interleaved = true;
    this.columns.push({ column, base, numbers });
    for (let row = 0; row < column.length; row++) {
      const cell = column[row];
      if (cell === ABSENT) continue;
      const i = base + row;
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      defined[word] |= bit;
      if (cell === MAPPING) continue;
      let number = numbers[cell];
      if (number < 0) number = numbers[cell] = this.numberOf(values[cell]);
      typeOf[number][word] |= bit;
      counts[number]++;
    }
  }

  /** Device `i` has the value numbered `number`. */
  addNumber(i: number, number: number): void {
    set(this.typeOf[number], i);
    this.counts[number]++;
    (this.valueOf ??= new Int32Array(this.n))[i] = number + 1;
  }

  /** `valueOf` from the columns. */
  private numberDevices(): void {
    const valueOf = (this.valueOf ??= new Int32Array(this.n));
    for (const { column, base, numbers } of this.columns) {
      for (let row = 0; row < column.length; row++) if (column[row] > 0) valueOf[base + row] = numbers[column[row]] + 1;
    }
  }

  done(): PathIndex {
    if (this.interleaved) this.numberDevices();
    const { values, counts, valueOf, n } = this;
    const starts = new Int32Array(values.length + 1);
    for (let k = 0; k < values.length; k++) starts[k + 1] = starts[k] + counts[k];
    const all = new Int32Array(starts[values.length]);
    const next = starts.slice(0, values.length);
    // Devices ascending: objects by their numbers, columns file after file (files are in device order).
    if (valueOf) {
      for (let i = 0; i < n; i++) if (valueOf[i] !== 0) all[next[valueOf[i] - 1]++] = i;
    } else {
      for (const { column, base, numbers } of this.columns) {
        for (let row = 0; row < column.length; row++) {
          const cell = column[row];
          if (cell > 0) all[next[numbers[cell]]++] = base + row;
        }
      }
    }
    const postings = new Map<Primitive, Postings>();
    values.forEach((v, k) => postings.set(v, all.subarray(starts[k], starts[k + 1])));
    const strings = values.filter((v): v is string => typeof v === 'string');
    const numbers = values.filter((v): v is number => typeof v === 'number');
    return { defined: this.defined, types: this.types, postings, strings, numbers };
  }
}
