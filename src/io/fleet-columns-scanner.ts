/**
 * The columnar fast path for fleet files (core/fleet-columns.ts): reads a file in
 * the block shape fleets are written in (`devices:`, then `- deviceId: …` and
 * `tags:` with block mappings of plain or quoted scalars, comments) straight into
 * columns, making no object per device. It accepts only files whose every device
 * the fleet checks keep as written and say nothing about (a valid id, tag names
 * and values IoT Hub and conditions accept, within the size and depth limits), and
 * judges each distinct name and value once. Anything else — flow style, anchors,
 * aliases, tags, multi-line scalars, odd keys, a device with a problem — gives up
 * (`undefined`), and the file is read by the fleet scanner as objects, which also
 * finds every diagnostic. Materialised, its devices equal the object path's
 * (differential tests).
 */
import { VALUE_STRING } from '../core/condition/index.js';
import { MAPPING, narrowColumn, type FleetColumns, type TagScalar } from '../core/fleet-columns.js';
import { DEVICE_ID, MAX_TAG_DEPTH, MAX_TAG_STRING_BYTES, MAX_TAGS_BYTES } from '../core/validate/fleet.js';
import { bytesWindows, FLEET_WINDOWS, InternTable, mixHash, WindowedLines, type FleetWindows, type Interned, type TextWindows } from './windowed-lines.js';
import { plainAsciiText, type YamlLimits } from './yaml-text.js';
import {
  badStart,
  COLON,
  DASH,
  DIGIT_0,
  DIGIT_9,
  DQUOTE,
  doubleQuoted,
  giveUp,
  LOWER_A,
  LOWER_Z,
  QUOTE,
  resolvePlain,
  singleQuoted,
  SPACE,
  UNDERSCORE,
  UPPER_A,
  UPPER_Z,
  unlessGivenUp,
} from './yaml-scalars.js';

/** A fleet file as columns, and where each device starts (to place a diagnostic on one device later). */
export interface ScannedColumns {
  readonly columns: FleetColumns;
  readonly offsets: Int32Array;
}

/** The file read into columns; `undefined` when it is not a clean file of the block shape. */
export function scanFleetColumns(file: string, source: TextWindows, windows: FleetWindows = FLEET_WINDOWS): ScannedColumns | undefined {
  return unlessGivenUp(() => new ColumnScanner(file, source, windows).scan());
}

interface Name extends Interned {
  readonly upper: boolean;
  /** The path last found for this name and the mapping it was in: most names are in one mapping only. */
  lastParent: number;
  lastPath: number;
}

interface Value extends Interned {
  /** The value's number in the file's table. */
  readonly number: number;
  /** What IoT Hub counts for it in a device's tags (as the fleet checks count). */
  readonly size: number;
}

/** An Int32Array that grows as it is appended to. */
class Ints {
  array: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.array = new Int32Array(capacity);
  }
  push(n: number): void {
    if (this.length === this.array.length) {
      const grown = new Int32Array(this.array.length * 2);
      grown.set(this.array);
      this.array = grown;
    }
    this.array[this.length++] = n;
  }
  done(): Int32Array {
    return this.array.slice(0, this.length);
  }
}

/**
 * The columns a scan writes, reused from file to file by path number (zeroing memory
 * already touched costs far less than new memory); a file keeps narrow copies.
 */
const scratch: Int32Array[] = [];

/** Scratch column `p`, zeroed (ABSENT) for `capacity` devices. */
function scratchColumn(p: number, capacity: number): Int32Array {
  const column = scratch[p];
  if (column && column.length >= capacity) return column.fill(0, 0, capacity);
  return (scratch[p] = new Int32Array(capacity));
}

/** True when `known` is the first `length` paths of `shape`. */
function sameShape(known: Int32Array, shape: Int32Array, length: number): boolean {
  if (known.length !== length) return false;
  for (let k = 0; k < length; k++) if (known[k] !== shape[k]) return false;
  return true;
}

/** No key waiting for a mapping; `tags:` waiting for one. */
const NONE = -3;
const TAGS = -2;

const DEVICE_KEYS = ['deviceId', 'tags'];
const isLetter = (c: number): boolean => (c >= LOWER_A && c <= LOWER_Z) || (c >= UPPER_A && c <= UPPER_Z);
/** The characters DEVICE_ID allows, as a table. */
const ID_CHARS = new Uint8Array(128);
for (const c of "-.%_*?!(),:=@$'") ID_CHARS[c.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) if (isLetter(c) || (c >= DIGIT_0 && c <= DIGIT_9)) ID_CHARS[c] = 1;
const isIdChar = (c: number): boolean => c < 128 && ID_CHARS[c] === 1;
const isNameStart = (c: number): boolean => (c >= LOWER_A && c <= LOWER_Z) || (c >= UPPER_A && c <= UPPER_Z) || c === UNDERSCORE;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= DIGIT_0 && c <= DIGIT_9) || c === DASH;
/** A copy of a string cut from a window, so it does not keep the window alive. */
const own = (s: string): string => (s.length >= 13 ? (' ' + s).slice(1) : s);

class ColumnScanner extends WindowedLines {
  /** The current line's indent (spaces before its content). */
  private indent = 0;
  /** Where the last name or value read ended. */
  private end = 0;

  private readonly names = new InternTable<Name>();
  private readonly plains = new InternTable<Value>();
  private readonly paths = new Map<string, number>();
  private readonly pathNames: string[] = [];
  private readonly pathParents: number[] = [];
  /** The shape of the device read last: the next device's tags are most likely the same, in the same order. */
  private lastShape: Int32Array = new Int32Array(0);
  private lastShapeId = -1;
  /** The path that last followed each path in a device (at 1 + its number; at 0, the first). */
  private readonly follows: number[] = [];
  private readonly numbers = new Map<TagScalar, number>();
  /** From 1: a column's 0 is ABSENT. */
  private readonly values: TagScalar[] = [''];
  private readonly shapes: Int32Array[] = [];
  private readonly shapeIds = new Map<number, number[]>();
  private mixed = false;

  private readonly deviceIds: string[] = [];
  private readonly offsets = new Ints(1024);
  private readonly shapeOf = new Ints(1024);
  /** Per path, per device: its value's number, MAPPING or ABSENT (scratch columns as long as `capacity`; zeroed is ABSENT). */
  private readonly columns: Int32Array[] = [];
  private capacity: number;
  private row = -1;
  /** The device being read: its tag paths in order and the size of its tags. */
  private shape = new Int32Array(64);
  private shapeLength = 0;
  private size = 0;

  constructor(
    private readonly file: string,
    source: TextWindows,
    windows: FleetWindows,
  ) {
    super(source.window(0, Math.min(source.length, windows.size)), source, windows);
    // Room for a device per ~128 bytes, what a device with a handful of tags takes: columns seldom grow.
    this.capacity = Math.max(1024, source.length >> 7);
  }

  scan(): ScannedColumns {
    if (!this.line() || this.indent !== 0) giveUp();
    if (this.name(this.lineStart).raw !== 'devices' || !this.restIsEmpty(this.end)) giveUp();
    let seqIndent = -1;
    /** The column of the current device's keys (after `- `); whether it has its id and tags. */
    let keyColumn = -1;
    let hasId = false;
    let hasTags = false;
    /** A key whose value is on the lines below (a mapping, or nothing), and its column. */
    let pending = NONE;
    let pendingColumn = 0;
    /** Open tag mappings: their keys' column and path (-1: `tags` itself). */
    const mapColumns = new Int32Array(MAX_TAG_DEPTH);
    const mapPaths = new Int32Array(MAX_TAG_DEPTH);
    let depth = 0;
    for (;;) {
      const more = this.line();
      const k = more ? this.indent : -1;
      if (pending !== NONE) {
        if (k > pendingColumn) {
          // The first key of the mapping the pending key holds; a list there is not a tag value.
          if (this.text.charCodeAt(this.lineStart + k) === DASH || depth + 1 > MAX_TAG_DEPTH) giveUp();
          mapColumns[depth] = k;
          mapPaths[depth++] = pending === TAGS ? -1 : pending;
        } else if (pending !== TAGS) {
          giveUp(); // a tag with no value
        }
        pending = NONE;
      }
      if (!more) break;
      if (seqIndent < 0) seqIndent = k;
      if (k === seqIndent) {
        if (keyColumn >= 0) this.endDevice(hasId);
        if (this.nearWindowEnd()) this.slide();
        this.offsets.push(this.base + this.lineStart);
        if (++this.row === this.capacity) this.grow();
        const dash = this.lineStart + k;
        if (this.text.charCodeAt(dash) !== DASH || this.text.charCodeAt(dash + 1) !== SPACE) giveUp();
        let content = dash + 2;
        while (this.text.charCodeAt(content) === SPACE) content++;
        if (content >= this.lineEnd) giveUp();
        keyColumn = content - this.lineStart;
        hasId = hasTags = false;
        depth = 0;
        this.shapeLength = this.size = 0;
      } else if (k < seqIndent || keyColumn < 0) {
        giveUp();
      } else {
        while (depth > 0 && k < mapColumns[depth - 1]) depth--;
        if (depth > 0) {
          if (k !== mapColumns[depth - 1]) giveUp();
          const path = this.tag(this.lineStart + k, mapPaths[depth - 1]);
          if (path >= 0) {
            pending = path;
            pendingColumn = k;
          }
          continue;
        }
        if (k !== keyColumn) giveUp();
      }
      // A device's own key: `deviceId: …` or `tags:`.
      const key = this.deviceKey(this.lineStart + keyColumn);
      if (key === 'deviceId' && !hasId) {
        hasId = true;
        this.deviceIds.push(this.deviceId(this.skipSpaces(this.end)));
      } else if (key === 'tags' && !hasTags && this.restIsEmpty(this.end)) {
        hasTags = true;
        pending = TAGS;
        pendingColumn = keyColumn;
      } else {
        giveUp();
      }
    }
    // `devices:` with nothing under it is null, which the object path reports.
    if (keyColumn < 0) giveUp();
    this.endDevice(hasId);
    return {
      columns: {
        file: this.file,
        deviceIds: this.deviceIds,
        names: this.pathNames,
        parents: this.pathParents,
        values: this.values,
        shapes: this.shapes,
        shapeOf: this.shapeOf.done(),
        columns: this.columns.map((c) => narrowColumn(c, this.row + 1, this.values.length)),
        mixedCaseTagNames: this.mixed,
      },
      offsets: this.offsets.done(),
    };
  }

  /** A device's key at `at` (usually `deviceId` or `tags`, compared without a hash). */
  private deviceKey(at: number): string {
    const text = this.text;
    for (const key of DEVICE_KEYS) {
      const colon = at + key.length;
      if (text.charCodeAt(colon) === COLON && text.startsWith(key, at) && (colon + 1 === this.lineEnd || text.charCodeAt(colon + 1) === SPACE)) {
        this.end = colon + 1;
        return key;
      }
    }
    return this.name(at).raw;
  }

  /** A tag line in the mapping `parent`: its path, if its value is on the lines below; else -1 (the value is read). */
  private tag(at: number, parent: number): number {
    const path = this.expected(at, parent) ?? this.pathOf(parent, this.name(at));
    this.follows[this.shapeLength === 0 ? 0 : this.shape[this.shapeLength - 1] + 1] = path;
    this.size += this.pathNames[path].length + 4;
    if (this.shapeLength === this.shape.length) {
      const grown = new Int32Array(this.shape.length * 2);
      grown.set(this.shape);
      this.shape = grown;
    }
    this.shape[this.shapeLength++] = path;
    if (this.restIsEmpty(this.end)) {
      this.columns[path][this.row] = MAPPING;
      return path;
    }
    // Usually one space after the colon.
    const from = this.text.charCodeAt(this.end + 1) !== SPACE ? this.end + 1 : this.skipSpaces(this.end);
    this.columns[path][this.row] = this.value(from);
    return -1;
  }

  /**
   * This line's path when it is one expected: the path the last device had at this
   * place of its shape, or else the path that followed this device's previous one
   * last time (a device that lacks a tag or two). Most devices have their tags in the
   * same order, and then a name costs one comparison, no hash and no lookup.
   */
  private expected(at: number, parent: number): number | undefined {
    const k = this.shapeLength;
    if (k < this.lastShape.length && this.is(at, parent, this.lastShape[k])) return this.lastShape[k];
    const next = this.follows[k === 0 ? 0 : this.shape[k - 1] + 1];
    return next !== undefined && this.is(at, parent, next) ? next : undefined;
  }

  /** True when the name at `at` is `path`'s, in the mapping `parent`; `end` is then past its colon. */
  private is(at: number, parent: number, path: number): boolean {
    const name = this.pathNames[path];
    const colon = at + name.length;
    if (this.pathParents[path] !== parent || this.text.charCodeAt(colon) !== COLON || !this.text.startsWith(name, at)) return false;
    if (colon + 1 < this.lineEnd && this.text.charCodeAt(colon + 1) !== SPACE) return false;
    this.end = colon + 1;
    return true;
  }

  /** A plain name of letters, digits, `_` and `-` (starting with a letter or `_`), then `:` and a space or the line end. */
  private name(at: number): Name {
    const text = this.text;
    if (!isNameStart(text.charCodeAt(at))) giveUp();
    let h = 0;
    let i = at;
    for (; i < this.lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (!isNameChar(c)) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (text.charCodeAt(i) !== COLON || (i + 1 < this.lineEnd && text.charCodeAt(i + 1) !== SPACE)) giveUp();
    this.end = i + 1;
    const length = i - at;
    if (length > 1024) giveUp();
    const hash = mixHash(h, length);
    const found = this.names.find(text, at, length, hash);
    if (found) return found;
    const raw = own(text.slice(at, i));
    // `true`, `null`: a plain key that YAML reads as something else.
    if (resolvePlain(raw) !== raw) giveUp();
    return this.names.add({ raw, hash, next: undefined, upper: raw.toLowerCase() !== raw, lastParent: NONE, lastPath: 0 });
  }

  private pathOf(parent: number, name: Name): number {
    if (name.lastParent === parent) return name.lastPath;
    const key = `${parent}:${name.raw}`;
    let path = this.paths.get(key);
    if (path === undefined) {
      path = this.pathNames.push(name.raw) - 1;
      this.pathParents.push(parent);
      this.columns.push(scratchColumn(path, this.capacity));
      this.paths.set(key, path);
      if (name.upper) this.mixed = true;
    }
    name.lastParent = parent;
    name.lastPath = path;
    return path;
  }

  /** A tag's value at `i` (not at the line end): its number in the file's table. */
  private value(i: number): number {
    const text = this.text;
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      const quoted = this.quoted(i);
      this.size += this.judge(quoted);
      return this.number(quoted);
    }
    const last = this.plainEnd(i);
    const length = last - i;
    const hash = mixHash(this.plainHash, length);
    const value = this.plains.find(text, i, length, hash) ?? this.newPlain(i, last, hash);
    this.size += value.size;
    return value.number;
  }

  private newPlain(i: number, last: number, hash: number): Value {
    const raw = own(this.text.slice(i, last));
    const value = resolvePlain(raw);
    if (value === null) giveUp(); // a tag with no value
    const size = this.judge(value as TagScalar);
    return this.plains.add({ raw, hash, next: undefined, number: this.number(value as TagScalar), size });
  }

  /** The size IoT Hub counts for a value the fleet checks keep silently; gives up on any other. */
  private judge(value: TagScalar): number {
    if (typeof value === 'string') {
      if (value.length > MAX_TAG_STRING_BYTES || !VALUE_STRING.test(value)) giveUp();
      return value.length + 2;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || Object.is(value, -0)) giveUp();
      return 12;
    }
    return 5;
  }

  private number(value: TagScalar): number {
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.values.push(value) - 1;
      this.numbers.set(value, n);
    }
    return n;
  }

  /** A single- or double-quoted scalar at `i` that ends its line (a comment may follow). */
  private quoted(i: number): string {
    const { text, lineEnd } = this;
    const quoted = (text.charCodeAt(i) === QUOTE ? singleQuoted(text, i, lineEnd) : doubleQuoted(text, i, lineEnd, true)) ?? giveUp();
    if (!this.restIsEmpty(quoted.end)) giveUp();
    return quoted.value;
  }

  /** Where a plain scalar at `i` ends (without trailing spaces), as the fleet scanner reads one in block context. */
  private plainEnd(i: number): number {
    const c = this.text.charCodeAt(i);
    if (badStart(c) || (c === DASH && (this.text.charCodeAt(i + 1) === SPACE || i + 1 === this.lineEnd))) giveUp();
    return this.plainScalar(i, false);
  }

  /** A device's id at `i`: a string the fleet checks accept. */
  private deviceId(i: number): string {
    const text = this.text;
    if (i >= this.lineEnd) giveUp();
    // The usual id: starts with a letter (so no number and no indicator), then characters IoT Hub allows, to the line's end or a comment.
    if (isLetter(text.charCodeAt(i))) {
      let j = i + 1;
      while (j < this.lineEnd && isIdChar(text.charCodeAt(j))) j++;
      if (j - i <= 128 && text.charCodeAt(j - 1) !== COLON && (j === this.lineEnd || (text.charCodeAt(j) === SPACE && this.restIsEmpty(j)))) {
        const id = own(text.slice(i, j));
        // `true`, `null` and their kin are not strings.
        if (j - i > 5 || resolvePlain(id) === id) return id;
        giveUp();
      }
    }
    const c = text.charCodeAt(i);
    let id: unknown;
    if (c === QUOTE || c === DQUOTE) {
      id = this.quoted(i);
    } else {
      id = resolvePlain(own(text.slice(i, this.plainEnd(i))));
    }
    if (typeof id !== 'string' || !DEVICE_ID.test(id)) giveUp();
    return id as string;
  }

  /** The device just read: its shape found (or added) and its row written. */
  private endDevice(hasId: boolean): void {
    if (!hasId || this.size > MAX_TAGS_BYTES) giveUp();
    const { shape, shapeLength } = this;
    if (this.lastShapeId >= 0 && sameShape(this.lastShape, shape, shapeLength)) {
      this.shapeOf.push(this.lastShapeId);
      return;
    }
    let h = shapeLength;
    for (let k = 0; k < shapeLength; k++) h = (Math.imul(h, 31) + shape[k]) | 0;
    let id = -1;
    const candidates = this.shapeIds.get(h);
    if (candidates) {
      id = candidates.find((s) => sameShape(this.shapes[s], shape, shapeLength)) ?? -1;
    }
    if (id < 0) {
      id = this.newShape(shape.slice(0, shapeLength));
      if (candidates) candidates.push(id);
      else this.shapeIds.set(h, [id]);
    }
    this.lastShapeId = id;
    this.lastShape = this.shapes[id];
    this.shapeOf.push(id);
  }

  /** Room for twice the devices in every column. */
  private grow(): void {
    const old = this.capacity;
    this.capacity *= 2;
    this.columns.forEach((column, p) => {
      // A scratch column left long enough by an earlier file: zero what it adds.
      if (column.length >= this.capacity) return void column.fill(0, old, this.capacity);
      const grown = (scratch[p] = new Int32Array(this.capacity));
      grown.set(column.subarray(0, old));
      this.columns[p] = grown;
    });
  }

  /** A shape met for the first time: no name twice in a mapping, none two that differ only by case. */
  private newShape(shape: Int32Array): number {
    for (let a = 0; a < shape.length; a++) {
      for (let b = 0; b < a; b++) {
        const p = shape[a];
        const q = shape[b];
        if (p === q) giveUp();
        if (this.pathParents[p] === this.pathParents[q] && this.pathNames[p].toLowerCase() === this.pathNames[q].toLowerCase()) giveUp();
      }
    }
    return this.shapes.push(shape) - 1;
  }

  /** Moves to the next line with content; false at the end. */
  private line(): boolean {
    const indent = this.findLine(this.nextLine);
    if (indent < 0) return false;
    this.lineStart = this.foundStart;
    this.lineEnd = this.foundEnd;
    this.nextLine = this.foundNext;
    this.indent = indent;
    return true;
  }
}

/** A fleet file's bytes into columns, where readYaml would hand its fast path the very same text (plainAsciiText). */
export function scanFleetColumnsBytes(file: string, bytes: Uint8Array, limits: YamlLimits): ScannedColumns | undefined {
  return plainAsciiText(bytes, limits) ? scanFleetColumns(file, bytesWindows(bytes)) : undefined;
}
