/**
 * The fast path for deployment files: a scanner for the YAML deployment files
 * are written in (block mappings and lists by indentation, flow mappings and
 * lists — over several lines too —, plain and quoted scalars, comments, one
 * leading `---`) that yields exactly what `yaml` plus our converter would, and
 * the positions of the top-level keys (PositionHints) that a `yaml` parse gives,
 * so core diagnostics are placed without parsing the file again.
 *
 * It gives up (returns `undefined`) on anything outside that subset — anchors,
 * aliases, tags, block scalars, multi-line scalars, merge keys, complex keys,
 * duplicate keys, tabs, directives, more documents, odd escapes or characters,
 * nesting past the limit — and the caller falls back to `yaml`, which also
 * produces every diagnostic: a file read here is one `yaml` reads without any.
 * Equality with `yaml` is proven by differential tests.
 */

import { record } from '../core/record.js';
import { restIsEmpty, skipSpaces } from './windowed-lines.js';
import { POSITION_HINTS, type PositionHints } from './yaml.js';
import {
  BAD_START,
  COLON,
  COMMA,
  CR,
  DASH,
  DQUOTE,
  doubleQuoted,
  HASH,
  LBRACE,
  LBRACKET,
  PERCENT,
  QUOTE,
  RBRACE,
  RBRACKET,
  resolvePlain,
  singleQuoted,
  SPACE,
  type Scalar,
  giveUp,
  unlessGivenUp,
} from './yaml-scalars.js';

/**
 * Characters yaml may read apart (tabs, controls, NEL, line and paragraph
 * separators, a BOM inside, non-characters, a CR not before LF): their files go to yaml.
 */
// eslint-disable-next-line no-control-regex -- the very characters to find
const ODD_CHARACTERS = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\r(?!\n)/;

/** Keys and integers past these lengths go to yaml (its implicit-key limit; its parseInt against our Number). */
const MAX_KEY_LENGTH = 1000;
const MAX_NUMBER_LENGTH = 15;

interface Line {
  readonly start: number;
  readonly end: number;
  readonly next: number;
  readonly indent: number;
}

/**
 * Scans one deployment file; `undefined` when it is outside the subset. The root
 * mapping carries its PositionHints under POSITION_HINTS (not enumerable).
 */
export function scanDeployment(text: string, maxDepth = 64): Record<string, unknown> | undefined {
  if (ODD_CHARACTERS.test(text)) return undefined;
  return unlessGivenUp(() => new Scanner(text, maxDepth).file());
}

class Scanner {
  /** Current line: [lineStart, lineEnd) without the line break (and without a trailing \r). */
  private lineStart = 0;
  private lineEnd = 0;
  private nextLine = 0;
  /** The current line's indent (spaces before its content). */
  private indent = 0;
  /** The next content line, found by a peek and not yet consumed. */
  private ahead: Line | null | undefined;
  /** Where the last key or value read ended. */
  private end = 0;
  /** Past the first content line, `---` is another document: not ours. */
  private started = false;
  /** The indent of the block collection a flow collection stands in: its lines must go deeper. */
  private flowParent = 0;
  private flowInMap = false;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  file(): Record<string, unknown> {
    if (!this.advance()) giveUp();
    if (this.indent === 0 && this.text.startsWith('---', this.lineStart)) {
      if (!this.restIsEmpty(this.lineStart + 3)) giveUp();
      this.started = true;
      if (!this.advance()) giveUp();
    }
    this.started = true;
    // An indented root, or a root that is not a mapping, is yaml's to read.
    if (this.indent !== 0 || this.isDash(this.lineStart)) giveUp();
    const first = this.lineStart;
    const hints = record() as Record<string, { key: number; start: number; end: number }>;
    hints[''] = { key: first, start: first, end: first };
    const root = this.blockMap(0, first, 0, hints);
    if (this.peek()) giveUp();
    Object.defineProperty(root, POSITION_HINTS, { value: hints as PositionHints, enumerable: false });
    return root;
  }

  /** Moves to the next line with content (skipping blank and comment lines); false at the end. */
  private advance(): boolean {
    const line = this.peek();
    this.ahead = undefined;
    if (!line) return false;
    this.lineStart = line.start;
    this.lineEnd = line.end;
    this.nextLine = line.next;
    this.indent = line.indent;
    return true;
  }

  /** The next content line, without consuming it; null at the end. */
  private peek(): Line | null {
    if (this.ahead !== undefined) return this.ahead;
    const text = this.text;
    let next = this.nextLine;
    for (;;) {
      if (next >= text.length) return (this.ahead = null);
      const start = next;
      const nl = text.indexOf('\n', start);
      next = nl < 0 ? text.length : nl + 1;
      let end = nl < 0 ? text.length : nl;
      if (text.charCodeAt(end - 1) === CR) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (i === end || text.charCodeAt(i) === HASH) continue;
      // Document markers and directives are not for the fast path.
      if (i === start && (text.charCodeAt(i) === PERCENT || text.startsWith('...', i) || (this.started && text.startsWith('---', i)))) giveUp();
      return (this.ahead = { start, end, next, indent: i - start });
    }
  }

  /** `-` followed by a space or the line end: a block list entry. */
  private isDash(i: number, lineEnd = this.lineEnd): boolean {
    return this.text.charCodeAt(i) === DASH && (i + 1 === lineEnd || this.text.charCodeAt(i + 1) === SPACE);
  }

  /** A block mapping or list that starts at column `indent` of the current line. */
  private block(indent: number, depth: number): unknown {
    const at = this.lineStart + indent;
    return this.isDash(at) ? this.blockSeq(indent, depth) : this.blockMap(indent, at, depth);
  }

  /**
   * A block mapping whose keys stand at column `indent`; its first key starts at
   * `first` on the current line (perhaps after a `- `), the others on following
   * lines. The root records where each key and value is, as `yaml` would place them.
   */
  private blockMap(indent: number, first: number, depth: number, hints?: Record<string, { key: number; start: number; end: number }>): Record<string, unknown> {
    if (depth > this.maxDepth) giveUp();
    const map = record();
    let at = first;
    for (;;) {
      const { name, hint } = this.key(at);
      if (Object.hasOwn(map, name)) giveUp();
      const i = this.skipSpaces(this.end);
      let value: unknown;
      let start = i;
      let end = i;
      if (i >= this.lineEnd || this.text.charCodeAt(i) === HASH) {
        // Nothing more on this line: a nested block collection, or null.
        const next = this.peek();
        const nextAt = next ? next.start + next.indent : -1;
        if (next && (next.indent > indent || (next.indent === indent && this.text.charCodeAt(nextAt) === DASH))) {
          this.advance();
          // A list may stand at the mapping's own column; a mapping may not.
          if (next.indent === indent && !this.isDash(nextAt)) giveUp();
          value = this.block(next.indent, depth + 1);
          start = nextAt;
          end = this.nextLine;
        } else {
          if (depth + 1 > this.maxDepth) giveUp();
          value = null;
        }
      } else {
        value = this.value(i, depth + 1, indent, true);
        end = this.end;
        this.expectLineEnd(this.end);
      }
      map[name] = value;
      if (hints) hints[hint] = { key: at, start, end };
      const next = this.peek();
      if (!next || next.indent < indent) return map;
      // A continuation line, an over-indented key, or a list entry where a key belongs.
      if (next.indent > indent || this.isDash(next.start + indent, next.end)) giveUp();
      this.advance();
      at = this.lineStart + indent;
    }
  }

  /** A block list whose `-` stand at column `indent`, the first on the current line. */
  private blockSeq(indent: number, depth: number): unknown[] {
    if (depth > this.maxDepth) giveUp();
    const list: unknown[] = [];
    for (;;) {
      const dash = this.lineStart + indent;
      if (!this.isDash(dash)) giveUp();
      const content = this.skipSpaces(dash + 1);
      if (content >= this.lineEnd || this.text.charCodeAt(content) === HASH) {
        const next = this.peek();
        if (next && next.indent > indent) {
          this.advance();
          list.push(this.block(next.indent, depth + 1));
        } else {
          if (depth + 1 > this.maxDepth) giveUp();
          list.push(null);
        }
      } else if (this.isDash(content)) {
        giveUp(); // `- - x`: a list in a list on one line
      } else if (this.isKey(content)) {
        list.push(this.blockMap(content - this.lineStart, content, depth + 1));
      } else {
        list.push(this.value(content, depth + 1, indent, false));
        this.expectLineEnd(this.end);
      }
      const next = this.peek();
      if (!next || next.indent < indent) return list;
      if (next.indent > indent) giveUp();
      // The same column without a dash: the enclosing mapping's next key.
      if (!this.isDash(next.start + indent, next.end)) return list;
      this.advance();
    }
  }

  /** Whether a list entry's content at `i` is `key: …` (a mapping) rather than a value. */
  private isKey(i: number): boolean {
    const c = this.text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      if (c === QUOTE) this.singleQuoted(i);
      else this.doubleQuoted(i);
      return this.text.charCodeAt(this.end) === COLON;
    }
    if (c === LBRACE || c === LBRACKET) return false;
    for (let j = i; j < this.lineEnd; j++) {
      const d = this.text.charCodeAt(j);
      if (d === COLON && (j + 1 === this.lineEnd || this.text.charCodeAt(j + 1) === SPACE)) return true;
      if (d === HASH && this.text.charCodeAt(j - 1) === SPACE) return false;
    }
    return false;
  }

  /**
   * A block mapping key at `start`: plain or quoted, then `:` and a space or the
   * line end. `name` is the record key; `hint` the name yaml's hints use (null is 'null').
   */
  private key(start: number): { name: string; hint: string } {
    const c = this.text.charCodeAt(start);
    if (c === QUOTE || c === DQUOTE) {
      const name = c === QUOTE ? this.singleQuoted(start) : this.doubleQuoted(start);
      const colon = this.end;
      if (this.text.charCodeAt(colon) !== COLON || (colon + 1 < this.lineEnd && this.text.charCodeAt(colon + 1) !== SPACE)) giveUp();
      if (colon - start > MAX_KEY_LENGTH) giveUp();
      this.end = colon + 1;
      return { name, hint: name };
    }
    if (BAD_START.has(c) || c === LBRACKET || c === COLON || this.isDash(start) || c === SPACE) giveUp();
    let i = start;
    let last = start;
    for (; ; i++) {
      if (i >= this.lineEnd) return giveUp();
      const d = this.text.charCodeAt(i);
      if (d === COLON && (i + 1 === this.lineEnd || this.text.charCodeAt(i + 1) === SPACE)) break;
      if (d === HASH && this.text.charCodeAt(i - 1) === SPACE) giveUp();
      if (d !== SPACE) last = i + 1;
    }
    if (last - start > MAX_KEY_LENGTH) giveUp();
    this.end = i + 1;
    return this.keyName(this.plain(start, last));
  }

  /** A key's record name and hint name; merge keys and keys that are not finite numbers go to yaml. */
  private keyName(resolved: Scalar): { name: string; hint: string } {
    if (resolved === '<<' || (typeof resolved === 'number' && !Number.isFinite(resolved))) giveUp();
    return resolved === null ? { name: '', hint: 'null' } : { name: String(resolved), hint: String(resolved) };
  }

  /** A plain scalar's value; long numbers go to yaml. */
  private plain(start: number, end: number): Scalar {
    const raw = this.text.slice(start, end);
    const value = resolvePlain(raw);
    if (typeof value === 'number' && Number.isInteger(value) && raw.length > MAX_NUMBER_LENGTH) giveUp();
    return value;
  }

  /**
   * A value that starts at `i` on the current line, in block context (a scalar
   * or a flow collection); `parent` is the indent of the block collection it is in.
   */
  private value(i: number, depth: number, parent: number, inMap: boolean): unknown {
    if (depth > this.maxDepth) giveUp();
    const c = this.text.charCodeAt(i);
    if (c === QUOTE) return this.singleQuoted(i);
    if (c === DQUOTE) return this.doubleQuoted(i);
    if (c === LBRACE || c === LBRACKET) {
      this.flowParent = parent;
      this.flowInMap = inMap;
      return c === LBRACE ? this.flowMap(i, depth) : this.flowSeq(i, depth);
    }
    if (BAD_START.has(c) || c === COLON || (c === DASH && (i + 1 === this.lineEnd || this.text.charCodeAt(i + 1) === SPACE))) giveUp();
    // A plain scalar runs to ` #` or the line end; `: ` inside is not ours.
    const text = this.text;
    let last = i;
    for (let j = i; j < this.lineEnd; j++) {
      const d = text.charCodeAt(j);
      if (d === SPACE) {
        if (text.charCodeAt(j + 1) === HASH) break;
        continue;
      }
      if (d === COLON && (j + 1 === this.lineEnd || text.charCodeAt(j + 1) === SPACE)) giveUp();
      last = j + 1;
    }
    this.end = last;
    return this.plain(i, last);
  }

  private singleQuoted(start: number): string {
    const quoted = singleQuoted(this.text, start, this.lineEnd) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }

  private doubleQuoted(start: number): string {
    const quoted = doubleQuoted(this.text, start, this.lineEnd, false) ?? giveUp();
    this.end = quoted.end;
    return quoted.value;
  }

  /**
   * The next token of a flow collection from `i`: past spaces, comments and line
   * breaks. A following line must be indented deeper than the block collection the
   * flow stands in (its closing bracket may stand at a mapping's column).
   */
  private flowSkip(i: number): number {
    for (;;) {
      i = this.skipSpaces(i);
      if (i < this.lineEnd && !(this.text.charCodeAt(i) === HASH && this.text.charCodeAt(i - 1) === SPACE)) return i;
      if (!this.advance()) giveUp();
      const at = this.lineStart + this.indent;
      const closing = this.text.charCodeAt(at) === RBRACE || this.text.charCodeAt(at) === RBRACKET;
      if (this.indent <= this.flowParent && !(closing && this.flowInMap && this.indent === this.flowParent)) giveUp();
      i = at;
    }
  }

  /** `{ key: value, … }`, on one line or several. */
  private flowMap(start: number, depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) giveUp();
    const map = record();
    let i = this.flowSkip(start + 1);
    for (;;) {
      if (this.text.charCodeAt(i) === RBRACE) {
        this.end = i + 1;
        return map;
      }
      const { name } = this.flowKey(i);
      if (Object.hasOwn(map, name)) giveUp();
      i = this.flowSkip(this.end);
      const c = this.text.charCodeAt(i);
      if (c === COMMA || c === RBRACE || c === RBRACKET) giveUp();
      map[name] = this.flowValue(i, depth + 1);
      i = this.flowSkip(this.end);
      const sep = this.text.charCodeAt(i);
      if (sep === COMMA) i = this.flowSkip(i + 1);
      else if (sep !== RBRACE) giveUp();
    }
  }

  /** `[ value, … ]`, on one line or several. */
  private flowSeq(start: number, depth: number): unknown[] {
    if (depth > this.maxDepth) giveUp();
    const list: unknown[] = [];
    let i = this.flowSkip(start + 1);
    for (;;) {
      if (this.text.charCodeAt(i) === RBRACKET) {
        this.end = i + 1;
        return list;
      }
      list.push(this.flowValue(i, depth + 1));
      i = this.flowSkip(this.end);
      const sep = this.text.charCodeAt(i);
      // `[a: 1]` is a mapping in the list: yaml's to read.
      if (sep === COMMA) i = this.flowSkip(i + 1);
      else if (sep !== RBRACKET) giveUp();
    }
  }

  /** A flow mapping key: quoted then `:`, or plain then `: ` (or `:` at the line end). */
  private flowKey(i: number): { name: string; hint: string } {
    const c = this.text.charCodeAt(i);
    if (c === QUOTE || c === DQUOTE) {
      const name = c === QUOTE ? this.singleQuoted(i) : this.doubleQuoted(i);
      if (this.text.charCodeAt(this.end) !== COLON || this.end - i > MAX_KEY_LENGTH) giveUp();
      this.end += 1;
      return { name, hint: name };
    }
    const n = this.text.charCodeAt(i + 1);
    if (BAD_START.has(c) || c === COLON || (c === DASH && (n === SPACE || n === COMMA || n === RBRACE || n === RBRACKET || i + 1 === this.lineEnd))) giveUp();
    let j = i;
    for (; j < this.lineEnd; j++) {
      const d = this.text.charCodeAt(j);
      if (d === COLON) {
        if (j + 1 === this.lineEnd || this.text.charCodeAt(j + 1) === SPACE) break;
        giveUp();
      }
      if (d === COMMA || d === RBRACE || d === LBRACE || d === LBRACKET || d === RBRACKET || d === HASH) giveUp();
    }
    if (j >= this.lineEnd) giveUp();
    let end = j;
    while (end > i && this.text.charCodeAt(end - 1) === SPACE) end--;
    if (end - i > MAX_KEY_LENGTH) giveUp();
    this.end = j + 1;
    return this.keyName(this.plain(i, end));
  }

  /** A value inside a flow collection. */
  private flowValue(i: number, depth: number): unknown {
    if (depth > this.maxDepth) giveUp();
    const c = this.text.charCodeAt(i);
    if (c === QUOTE) return this.singleQuoted(i);
    if (c === DQUOTE) return this.doubleQuoted(i);
    if (c === LBRACE) return this.flowMap(i, depth);
    if (c === LBRACKET) return this.flowSeq(i, depth);
    if (BAD_START.has(c) || c === COLON || c === DASH) {
      // `-1`, `-x` are scalars; a lone `-` or `- ` is not ours.
      const n = this.text.charCodeAt(i + 1);
      if (c !== DASH || i + 1 === this.lineEnd || n === SPACE || n === COMMA || n === RBRACE || n === RBRACKET) giveUp();
    }
    // A plain scalar runs to `,`, a bracket, or the line end; `: ` inside is not ours.
    const text = this.text;
    let j = i;
    let last = i;
    for (; j < this.lineEnd; j++) {
      const d = text.charCodeAt(j);
      if (d === COMMA || d === RBRACE || d === RBRACKET || d === LBRACE || d === LBRACKET) break;
      if (d === SPACE) {
        if (text.charCodeAt(j + 1) === HASH) break;
        continue;
      }
      if (d === COLON) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 === this.lineEnd || n === SPACE || n === COMMA || n === RBRACE || n === RBRACKET) giveUp();
      }
      last = j + 1;
    }
    const value = this.plain(i, last);
    if (j >= this.lineEnd || text.charCodeAt(j) === SPACE) {
      // The line ends (or a comment does): the scalar is done only if the next token closes or separates.
      const lineEnd = this.lineEnd;
      const next = this.flowSkip(lineEnd);
      const n = text.charCodeAt(next);
      if (n !== COMMA && n !== RBRACE && n !== RBRACKET) giveUp();
      this.end = next;
      return value;
    }
    this.end = j;
    return value;
  }

  private skipSpaces(i: number): number {
    return skipSpaces(this.text, i, this.lineEnd);
  }

  /** After a value: only spaces and an optional comment (preceded by a space) may follow. */
  private expectLineEnd(i: number): void {
    if (!this.restIsEmpty(i)) giveUp();
  }

  private restIsEmpty(i: number): boolean {
    return restIsEmpty(this.text, i, this.lineEnd);
  }
}
