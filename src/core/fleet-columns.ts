/**
 * A fleet file's devices as columns, not objects: what a million-device fleet can
 * afford. Making an object per device and per tag mapping is most of what reading a
 * large fleet costs (and this machine does not run two allocating threads at full
 * speed); a device's tags here are a few numbers in shared arrays, and a device
 * object is made only when one is asked for (`columnDevice`), equal to the one the
 * object path builds (tests hold the two to that).
 *
 * Only files whose every device is clean (kept as written, nothing to say about it)
 * are kept as columns; any other is built as objects with its diagnostics.
 */
import type { Device, TagValue } from './model.js';
import { record } from './record.js';
import type { FleetFile } from './validate/fleet.js';

export type TagScalar = string | number | boolean;

/** In a path's column: the device's tag there is a mapping. */
export const MAPPING = -1;
/** In a path's column: the device has no tag there (0, so a new column needs no filling). */
export const ABSENT = 0;

/** A path's column: 8 bits where the file has under 128 distinct values, 16 under 32,768, else 32. */
export type Column = Int8Array | Int16Array | Int32Array;

/** The first `rows` cells of a column as written, in the narrowest column that holds `values` numbers. */
export function narrowColumn(column: Int32Array, rows: number, values: number): Column {
  const out = values < 128 ? new Int8Array(rows) : values < 32768 ? new Int16Array(rows) : new Int32Array(rows);
  out.set(column.subarray(0, rows));
  return out;
}

export interface FleetColumns {
  /** The fleet file (each device's `file`). */
  readonly file: string;
  /** Per device, in file order (a device's row is its index in the file's `devices:` list). */
  readonly deviceIds: readonly string[];
  /** Tag paths: each one's last name and the path of the mapping it is in (-1: directly in `tags`). */
  readonly names: readonly string[];
  readonly parents: readonly number[];
  /** The file's distinct tag values, from 1 (0 is ABSENT in a column; `values[0]` is unused). */
  readonly values: readonly TagScalar[];
  /** Per path, per device: the number of its value there, MAPPING or ABSENT; as narrow as the file's values allow. */
  readonly columns: readonly Column[];
  /** A device's tag paths in the order written (a mapping before its contents); devices share shapes. */
  readonly shapes: readonly Int32Array[];
  /** Per device, its shape. */
  readonly shapeOf: Int32Array;
  /** Some tag name has an upper-case letter. */
  readonly mixedCaseTagNames: boolean;
}

/** The device at `row`, as the object path builds it: tags in the order written, mappings as records. */
export function columnDevice(columns: FleetColumns, row: number): Device {
  const { names, parents, values } = columns;
  const tags = record<TagValue>();
  const shape = columns.shapes[columns.shapeOf[row]];
  // Only devices with nested tags need to find a mapping by its path.
  let mappings: Map<number, Record<string, TagValue>> | undefined;
  for (let k = 0; k < shape.length; k++) {
    const p = shape[k];
    const cell = columns.columns[p][row];
    const parent = parents[p] < 0 ? tags : mappings!.get(parents[p])!;
    if (cell === MAPPING) {
      const mapping = record<TagValue>();
      parent[names[p]] = mapping;
      (mappings ??= new Map()).set(p, mapping);
    } else {
      parent[names[p]] = values[cell];
    }
  }
  return { deviceId: columns.deviceIds[row], tags, file: columns.file, index: row };
}

/** Every device of a file, as objects. */
const columnDevices = (columns: FleetColumns): Device[] => columns.deviceIds.map((_, row) => columnDevice(columns, row));

/** A clean file's devices as columns: nothing to say about it, its device objects made only if asked for. */
export function columnsFleetFile(columns: FleetColumns): FleetFile {
  let devices: Device[] | undefined;
  return {
    get devices() {
      return (devices ??= columnDevices(columns));
    },
    diagnostics: [],
    mixedCaseTagNames: columns.mixedCaseTagNames,
    columns,
  };
}

/**
 * The paths that are this one as a condition names it (lower case): names compare
 * folded to lower case, as lookupTag finds them. A clean device has at most one tag
 * per folded name in a mapping, so at most one of them.
 */
export function pathsNamed(columns: Pick<FleetColumns, 'names' | 'parents'>, path: readonly string[]): number[] {
  const { names, parents } = columns;
  const out: number[] = [];
  for (let p = 0; p < names.length; p++) {
    let q = p;
    let k = path.length - 1;
    for (; k >= 0 && q >= 0; k--, q = parents[q]) {
      const name = names[q];
      if (name !== path[k] && name.toLowerCase() !== path[k]) break;
    }
    if (k < 0 && q < 0) out.push(p);
  }
  return out;
}

/**
 * A whole fleet kept as columns: its files in order, their devices ascending by id
 * (the order the fleet index wants), a device made only when asked for.
 */
export class ColumnarFleet {
  readonly deviceIds: readonly string[];
  /** Each file's first row in the fleet. */
  readonly bases: readonly number[];
  readonly mixedCaseTagNames: boolean;
  private all: readonly Device[] | undefined;

  constructor(
    readonly files: readonly FleetColumns[],
    deviceIds: readonly string[],
  ) {
    this.deviceIds = deviceIds;
    const bases: number[] = [];
    let n = 0;
    for (const f of files) {
      bases.push(n);
      n += f.deviceIds.length;
    }
    this.bases = bases;
    this.mixedCaseTagNames = files.some((f) => f.mixedCaseTagNames);
  }

  get size(): number {
    return this.deviceIds.length;
  }

  /** The device at row `i` of the fleet. */
  device(i: number): Device {
    let lo = 0;
    let hi = this.bases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.bases[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return columnDevice(this.files[lo], i - this.bases[lo]);
  }

  /** Every device as an object: for the few uses that need them all (made once, then kept). */
  get devices(): readonly Device[] {
    return (this.all ??= this.files.flatMap(columnDevices));
  }
}

/**
 * The fleet's devices ascending by id from files of columns, or `undefined` when
 * they are not (then the fleet is built as objects, which sorts and reports
 * duplicates with their places).
 */
export function columnarFleet(files: readonly FleetColumns[]): ColumnarFleet | undefined {
  let total = 0;
  for (const f of files) total += f.deviceIds.length;
  const ids = new Array<string>(total);
  let n = 0;
  let last: string | undefined;
  for (const f of files) {
    for (const id of f.deviceIds) {
      if (last !== undefined && !(last < id)) return undefined;
      ids[n++] = last = id;
    }
  }
  return new ColumnarFleet(files, ids);
}
