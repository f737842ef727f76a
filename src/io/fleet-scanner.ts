/**
 * The fast path for fleet files: a scanner for the shape fleet files have
 * (`devices:` and a block list of `deviceId` / `tags` mappings, block or flow
 * style, plain or quoted scalars, comments) that yields exactly what `yaml` plus
 * our converter would, about 50× faster and with a fraction of the memory.
 *
 * Anchors and aliases (`&name`, `*name`) on values are read as the loader reads
 * them: an alias is the anchored value itself, and what aliases add is bounded.
 * It gives up (returns `undefined`) on anything outside that shape — merge keys,
 * anchors elsewhere, tags, block scalars, multi-line scalars, flow lists over lines, odd escapes,
 * duplicate keys, tabs — and the caller falls back to `yaml`, which also
 * produces every diagnostic. Equality with `yaml` is proven by differential tests.
 */

import { record } from '../core/record.js';
import { bytesWindows, FLEET_WINDOWS, InternTable, mixHash, WindowedLines, type FleetWindows, type Interned, type TextWindows } from './windowed-lines.js';
import { aliasBudget, asciiWithoutCr, ENTRY_OFFSETS, plainAsciiText, type YamlLimits } from './yaml-text.js';
import {
  AMP,
  badStart,
  COLON,
  COMMA,
  DASH,
  DIGIT_0,
  DIGIT_9,
  DQUOTE,
  doubleQuoted,
  HASH,
  LBRACE,
  LBRACKET,
  LOWER_A,
  LOWER_Z,
  QUESTION,
  QUOTE,
  RBRACE,
  RBRACKET,
  resolvePlain,
  singleQuoted,
  SPACE,
  STAR,
  TAB,
  UNDERSCORE,
  UPPER_A,
  UPPER_Z,
  type Scalar,
  giveUp,
  unlessGivenUp,
} from './yaml-scalars.js';

type Value = Scalar | Record<string, unknown>;

interface PlainEntry extends Interned {
  readonly value: Value;
}

/** No line looked for ahead yet (`aheadIndent`); -1 there means the end of the text. */
const NOT_LOOKED = -2;

/** The loader's nesting limit (DEFAULT_LIMITS.maxDepth): the root mapping is level 0. */
const MAX_DEPTH = 64;

/** Scans one fleet file; `undefined` when the file is outside the shape this scanner knows. */
export function scanFleet(text: string): { devices: unknown[] } | undefined {
  return unlessGivenUp(() => new Scanner(text).file());
}

export { FLEET_WINDOWS, type FleetWindows, type TextWindows } from './windowed-lines.js';

/**
 * A fleet file's value from its bytes in windows, where readYaml would hand its fast
 * path the very same text (plainAsciiText); `undefined` where it would not, or where
 * the windows do not fit: then decode and scan the whole text as readYaml does.
 */
export const scanFleetWindowed = (bytes: Uint8Array, limits: YamlLimits): { devices: unknown[] } | undefined =>
  plainAsciiText(bytes, limits) ? scanWindows(bytes, FLEET_WINDOWS) : undefined;

/**
 * `scanFleet` of the file's text, read from its bytes window by window. Only for bytes
 * that are all ASCII without a CR (then a byte is a character and offsets agree);
 * `undefined` for others, where `scanFleet` would give up, and where a device is too
 * long for a window: the caller then scans the whole text.
 */
export function scanFleetBytes(bytes: Uint8Array, windows: FleetWindows = FLEET_WINDOWS): { devices: unknown[] } | undefined {
  return asciiWithoutCr(bytes) ? scanWindows(bytes, windows) : undefined;
}

function scanWindows(bytes: Uint8Array, windows: FleetWindows): { devices: unknown[] } | undefined {
  return scanTextWindows(bytesWindows(bytes), windows);
}

/** `scanFleet` of a text read in windows of plain ASCII (a byte is a character); `undefined` where it gives up. */
export function scanTextWindows(source: TextWindows, windows: FleetWindows = FLEET_WINDOWS, onDevice?: OnDevice): { devices: unknown[] } | undefined {
  return unlessGivenUp(() => new Scanner(source.window(0, Math.min(source.length, windows.size)), source, windows, onDevice).file());
}

/**
 * Handed each entry of `devices:` as it is read, with its index, instead of its being
 * kept in the value's list (which then stays empty; `null` still means none): the
 * caller builds what it needs and the entry's mapping dies young. If the scanner then
 * gives up, what it handed over is to be dropped.
 */
export type OnDevice = (device: unknown, index: number) => void;

class Scanner extends WindowedLines {
  /** The current line's indent (spaces before its content). */
  private indent = 0;
  /**
   * The next content line, found by a peek and not yet consumed: its indent (-1 at the
   * end, NOT_LOOKED when not looked for), start, end and the line after. Fields, not an
   * object per line: a million-device file has seven million lines.
   */
  private aheadIndent = NOT_LOOKED;
  private aheadStart = 0;
  private aheadEnd = 0;
  private aheadNext = 0;
  /** Where the last key or value read ended (a field, not a returned tuple: no allocation per value). */
  private end = 0;
  /** Anchored values by name; what aliases have expanded so far, and how much they may. */
  private readonly anchors = new Map<string, { value: Value; size: number }>();
  private expanded = 0;
  private budget = 0;
  /** Interned plain scalars. */
  private readonly plains = new InternTable<PlainEntry>();

  constructor(
    text: string,
    /** The whole file, when `text` is only its first window (see scanTextWindows). */
    source?: TextWindows,
    windows: FleetWindows = FLEET_WINDOWS,
    private readonly onDevice?: OnDevice,
  ) {
    super(text, source, windows);
    // A quarter of the loader's budget: past it, yaml reads the file and decides.
    this.budget = aliasBudget(source?.length ?? text.length) / 4;
  }

  file(): { devices: unknown[] } {
    // Header: comments and blank lines, then exactly `devices:`.
    if (!this.advanceToContent()) return giveUp();
    if (this.indentOf() !== 0) giveUp();
    const key = this.key(this.lineStart, this.lineEnd);
    if (key !== 'devices' || this.restIsEmpty(this.end) === false) giveUp();
    const result = record() as { devices: unknown[] };
    const devices: unknown[] = [];
    const offsets: number[] = [];
    let seqIndent = -1;
    while (this.advanceToContent()) {
      const indent = this.indentOf();
      if (seqIndent < 0) seqIndent = indent;
      if (indent !== seqIndent) giveUp();
      if (this.nearWindowEnd()) this.slide();
      offsets.push(this.base + this.lineStart);
      const dash = this.lineStart + indent;
      if (this.text.charCodeAt(dash) !== DASH || this.text.charCodeAt(dash + 1) !== SPACE) giveUp();
      let content = dash + 2;
      while (this.text.charCodeAt(content) === SPACE) content++;
      if (content >= this.lineEnd) giveUp();
      let map: Record<string, unknown>;
      if (this.text.charCodeAt(content) === LBRACE) {
        map = this.flowMap(content, 2);
        this.expectLineEnd(this.end);
      } else {
        map = this.blockMap(content - this.lineStart, content, 2);
      }
      if (this.onDevice) this.onDevice(map, offsets.length - 1);
      else devices.push(map);
    }
    // `devices:` with nothing under it is null in YAML, not an empty list.
    result.devices = offsets.length > 0 ? devices : (null as unknown as unknown[]);
    // Where each device starts, so a diagnostic is placed by parsing that device alone.
    Object.defineProperty(result, ENTRY_OFFSETS, { value: offsets, enumerable: false });
    return result;
  }

  /** Moves to the next line with content (skipping blank and comment lines); false at the end. */
  private advanceToContent(): boolean {
    if (this.aheadIndent === NOT_LOOKED) this.findContent();
    const indent = this.aheadIndent;
    this.aheadIndent = NOT_LOOKED;
    if (indent < 0) return false;
    this.lineStart = this.aheadStart;
    this.lineEnd = this.aheadEnd;
    this.nextLine = this.aheadNext;
    this.indent = indent;
    return true;
  }

  /** Finds the next line with content after the current one, into the `ahead` fields. */
  private findContent(): void {
    this.aheadIndent = this.findLine(this.nextLine);
    this.aheadStart = this.foundStart;
    this.aheadEnd = this.foundEnd;
    this.aheadNext = this.foundNext;
  }

  private indentOf(): number {
    return this.indent;
  }

  /** The indent of the next content line, without consuming it; -1 at the end. */
  private peekIndent(): number {
    if (this.aheadIndent === NOT_LOOKED) this.findContent();
    return this.aheadIndent;
  }

  /**
   * A block mapping whose keys stand at column `indent`; its first key starts at
   * `first` on the current line (after a `- `), the others on following lines.
   */
  private blockMap(indent: number, first: number, depth: number): Record<string, unknown> {
    // Deeper than the loader allows: yaml reads it and reports yaml/too-deep with its position.
    if (depth > MAX_DEPTH) giveUp();
    const map = record();
    let at = first;
    for (;;) {
      const key = this.key(at, this.lineEnd);
      if (Object.hasOwn(map, key)) giveUp();
      let i = this.end;
      while (i < this.lineEnd && this.text.charCodeAt(i) === SPACE) i++;
      // `key: &name` and the value on the next lines: the anchor names the nested map (or null).
      let anchor: string | undefined;
      const anchorAt = i;
      if (this.text.charCodeAt(i) === AMP) {
        const name = this.anchorName(i + 1);
        if (this.restIsEmpty(this.end)) {
          anchor = name;
          i = this.lineEnd;
        }
      }
      if (i >= this.lineEnd || this.text.charCodeAt(i) === HASH) {
        // Nothing on this line: a nested block map, or null.
        const next = this.peekIndent();
        if (next > indent) {
          this.advanceToContent();
          const c = this.lineStart + next;
          if (this.text.charCodeAt(c) === DASH && this.text.charCodeAt(c + 1) === SPACE) giveUp();
          map[key] = this.blockMap(next, c, depth + 1);
        } else {
          if (depth + 1 > MAX_DEPTH) giveUp();
          map[key] = null;
        }
        if (anchor !== undefined) this.anchors.set(anchor, { value: map[key] as Value, size: Math.max(1, this.lineEnd - anchorAt) });
      } else {
        const value = this.value(i, false, key !== 'deviceId', depth + 1);
        this.expectLineEnd(this.end);
        map[key] = value;
      }
      const next = this.peekIndent();
      if (next !== indent) {
        if (next > indent) giveUp(); // a continuation line or an over-indented key
        return map;
      }
      this.advanceToContent();
      at = this.lineStart + indent;
      const c = this.text.charCodeAt(at);
      if (c === DASH && this.text.charCodeAt(at + 1) === SPACE) giveUp();
    }
  }

  /** A mapping key at `start`: plain or quoted, then `:` followed by a space or the line end. */
  private key(start: number, end: number): string {
    const c = this.text.charCodeAt(start);
    let raw: string;
    let i: number;
    if (c === QUOTE || c === DQUOTE) {
      raw = c === QUOTE ? this.singleQuoted(start) : this.doubleQuoted(start);
      i = this.end;
      if (this.text.charCodeAt(i) !== COLON) giveUp();
      this.end = i + 1;
      return raw;
    }
    if (badStart(c) || c === LBRACKET || (c === DASH && this.text.charCodeAt(start + 1) === SPACE) || c === SPACE) giveUp();
    // Find `: ` (or `:` at the line end), hashing the key as we go so a known key costs no string.
    const text = this.text;
    let h = 0;
    let hashAtLast = 0;
    let last = start;
    for (i = start; ; i++) {
      if (i >= end) return giveUp();
      const d = text.charCodeAt(i);
      if (d === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) break;
      if (d === HASH && text.charCodeAt(i - 1) === SPACE) giveUp();
      h = (Math.imul(h, 31) + d) | 0;
      if (d !== SPACE) {
        last = i + 1;
        hashAtLast = h;
      }
    }
    // yaml allows implicit keys of at most 1024 characters.
    if (last - start > 1024) giveUp();
    const resolved = this.plainAt(start, last, hashAtLast, true);
    if (resolved === '<<' || (typeof resolved === 'number' && !Number.isFinite(resolved))) giveUp();
    this.end = i + 1;
    return resolved === null ? '' : String(resolved);
  }

  /**
   * The plain scalar text[start, end), whose hash the caller computed while
   * scanning: a value seen before (a tag name, `prod`, `3`) is found without
   * making a string.
   */
  private plainAt(start: number, end: number, hash: number, intern: boolean): Value {
    const length = end - start;
    const h = mixHash(hash, length);
    const found = this.plains.find(this.text, start, length, h);
    if (found) return found.value;
    const raw = this.text.slice(start, end);
    const value = resolvePlain(raw);
    if (intern && length <= 64 && this.plains.size < 100_000) {
      // A fresh copy, so the interned string does not keep the whole file alive.
      const own = length >= 13 ? (' ' + raw).slice(1) : raw;
      this.plains.add({ raw: own, value: typeof value === 'string' ? own : value, hash: h, next: undefined });
      return typeof value === 'string' ? own : value;
    }
    return value;
  }

  /** An anchor or alias name from `start` (after & or *): ends at a space, the line end, or in flow `,` / `}`. */
  private anchorName(start: number): string {
    let j = start;
    while (j < this.lineEnd) {
      const d = this.text.charCodeAt(j);
      if (d === SPACE || d === COMMA || d === RBRACE) break;
      if (!((d >= DIGIT_0 && d <= DIGIT_9) || (d >= UPPER_A && d <= UPPER_Z) || (d >= LOWER_A && d <= LOWER_Z) || d === UNDERSCORE || d === DASH)) giveUp();
      j++;
    }
    if (j === start) giveUp();
    this.end = j;
    return this.text.slice(start, j);
  }

  /** A value in block context starting at `i` (not at line end). Returns the value and where it ended. */
  private value(i: number, flow: boolean, intern: boolean, depth: number): Value {
    // The loader counts scalars as a level too.
    if (depth > MAX_DEPTH) giveUp();
    const c = this.text.charCodeAt(i);
    if (c === AMP) {
      // `&name value`: the value, remembered for later aliases (registered once complete,
      // so an alias inside it is unknown here and yaml reports the recursion).
      const name = this.anchorName(i + 1);
      const at = this.skipSpaces(this.end);
      if (at >= this.lineEnd || this.end === at) giveUp();
      const d = this.text.charCodeAt(at);
      if (d === HASH || d === AMP || d === STAR || (flow && (d === COMMA || d === RBRACE))) giveUp();
      const value = this.value(at, flow, intern, depth);
      this.anchors.set(name, { value, size: Math.max(1, this.end - i) });
      return value;
    }
    if (c === STAR) {
      // `*name`: the very value of the anchor, as the loader gives it; the expansion is
      // bounded well inside the loader's budget, past which yaml reads and reports.
      const anchor = this.anchors.get(this.anchorName(i + 1)) ?? giveUp();
      this.expanded += anchor.size;
      if (this.expanded > this.budget) giveUp();
      return anchor.value;
    }
    if (c === QUOTE) return this.singleQuoted(i);
    if (c === DQUOTE) return this.doubleQuoted(i);
    if (c === LBRACE) return this.flowMap(i, depth);
    if (c === LBRACKET) return this.flowSeq(i, depth) as unknown as Value;
    if (badStart(c) || (c === DASH && (this.text.charCodeAt(i + 1) === SPACE || i + 1 === this.lineEnd))) giveUp();
    const last = this.plainScalar(i, flow);
    this.end = flow ? this.plainStop : last;
    return this.plainAt(i, last, this.plainHash, intern);
  }

  private singleQuoted(start: number): string {
    const quoted = singleQuoted(this.text, start, this.lineEnd) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }

  private doubleQuoted(start: number): string {
    const quoted = doubleQuoted(this.text, start, this.lineEnd, true) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }

  /** `{ key: value, ... }` on one line. */
  private flowMap(start: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) giveUp();
    const map = record();
    let i = this.skipSpaces(start + 1);
    if (this.text.charCodeAt(i) === RBRACE) return this.closed(map, i);
    for (;;) {
      if (i >= this.lineEnd) giveUp();
      const key = this.flowKey(i);
      if (Object.hasOwn(map, key)) giveUp();
      i = this.skipSpaces(this.end);
      const c = this.text.charCodeAt(i);
      if (i >= this.lineEnd || c === COMMA || c === RBRACE || c === HASH) giveUp();
      map[key] = this.value(i, true, key !== 'deviceId', depth + 1);
      i = this.skipSpaces(this.end);
      const sep = this.text.charCodeAt(i);
      if (sep === COMMA) {
        i = this.skipSpaces(i + 1);
        if (this.text.charCodeAt(i) === RBRACE) return this.closed(map, i);
        continue;
      }
      if (sep === RBRACE) return this.closed(map, i);
      giveUp();
    }
  }

  /** `[ value, ... ]` on one line (a list is not a valid tag, but must read as yaml reads it). */
  private flowSeq(start: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) giveUp();
    const list: unknown[] = [];
    let i = this.skipSpaces(start + 1);
    for (;;) {
      if (i >= this.lineEnd) giveUp();
      if (this.text.charCodeAt(i) === RBRACKET) {
        this.end = i + 1;
        return list;
      }
      const c = this.text.charCodeAt(i);
      if (c === COMMA || c === HASH || c === DASH || c === QUESTION) giveUp();
      list.push(this.value(i, true, true, depth + 1));
      i = this.skipSpaces(this.end);
      const sep = this.text.charCodeAt(i);
      if (sep === COMMA) i = this.skipSpaces(i + 1);
      else if (sep !== RBRACKET) giveUp();
    }
  }

  private flowKey(i: number): string {
    const c = this.text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      const raw = c === QUOTE ? this.singleQuoted(i) : this.doubleQuoted(i);
      if (this.text.charCodeAt(this.end) !== COLON) giveUp();
      this.end += 1;
      return raw;
    }
    if (badStart(c) || c === DASH) giveUp();
    let j = i;
    while (j < this.lineEnd) {
      const d = this.text.charCodeAt(j);
      if (d === COLON && this.text.charCodeAt(j + 1) === SPACE) break;
      if (d === COMMA || d === RBRACE || d === LBRACE || d === LBRACKET || d === RBRACKET || d === HASH || d === TAB || d === COLON) giveUp();
      j++;
    }
    if (j >= this.lineEnd) giveUp();
    let end = j;
    while (end > i && this.text.charCodeAt(end - 1) === SPACE) end--;
    if (end - i > 1024) giveUp();
    let h = 0;
    for (let x = i; x < end; x++) h = (Math.imul(h, 31) + this.text.charCodeAt(x)) | 0;
    const resolved = this.plainAt(i, end, h, true);
    if (resolved === '<<' || (typeof resolved === 'number' && !Number.isFinite(resolved))) giveUp();
    this.end = j + 1;
    return resolved === null ? '' : String(resolved);
  }

  private closed(map: Record<string, unknown>, brace: number): Record<string, unknown> {
    this.end = brace + 1;
    return map;
  }

  /** After a value: only spaces and an optional comment (preceded by a space) may follow. */
  private expectLineEnd(i: number): void {
    const j = this.skipSpaces(i);
    if (j === this.lineEnd) return;
    if (this.text.charCodeAt(j) === HASH && j > i) return;
    giveUp();
  }
}
