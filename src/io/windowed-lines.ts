/**
 * What both fleet scanners (fleet-scanner.ts, objects; fleet-columns-scanner.ts,
 * columns) share: a file's text read line by line from windows, and a table that
 * finds a plain text seen before by its hash, without making a string.
 */
import { COLON, COMMA, CR, giveUp, HASH, LBRACE, LBRACKET, PERCENT, RBRACE, RBRACKET, SPACE, TAB } from './yaml-scalars.js';

/**
 * Windows over a file's text: each is decoded as a string of at most `size`
 * characters (under V8's 128 KiB, so it is allocated where memory is reused; a whole
 * file's text is fresh memory every time, and fresh memory costs more than decoding
 * it), and the next window starts at the first device that begins less than
 * `margin` characters before the window's end.
 */
export interface FleetWindows {
  readonly size: number;
  readonly margin: number;
}

export const FLEET_WINDOWS: FleetWindows = { size: 120_000, margin: 16_384 };

/**
 * A file's text, handed out window by window (each window starts at or after the
 * last one's start): from bytes in memory, or read from disk as the scan goes
 * (fleet-stream.ts). `window` may give up (see yaml-scalars.ts) when what it reads
 * is not what it expected.
 */
export interface TextWindows {
  /** The whole text's length. */
  readonly length: number;
  window(from: number, to: number): string;
}

/** The windows of bytes whose text is themselves (plain ASCII, see plainAsciiText): latin1, a byte a character. */
export function bytesWindows(bytes: Uint8Array): TextWindows {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { length: buffer.length, window: (from, to) => buffer.toString('latin1', from, to) };
}

/**
 * A text read line by line: the whole of it, or (with `source`) a window over a
 * file that slides forward at a device's first line. Positions are in `text`.
 */
export abstract class WindowedLines {
  /** Current line: [lineStart, lineEnd) without the line break (and without a trailing \r). */
  protected lineStart = 0;
  protected lineEnd = 0;
  protected nextLine = 0;
  /** Where `text` starts in the file: 0 unless it is a window over `source`. */
  protected base = 0;
  /** The line findLine found: start, end and the line after (fields, not an object per line: a fleet has millions). */
  protected foundStart = 0;
  protected foundEnd = 0;
  protected foundNext = 0;

  protected constructor(
    protected text: string,
    /** The whole file, when `text` is only its first window. */
    protected readonly source: TextWindows | undefined,
    protected readonly windows: FleetWindows,
  ) {
    if (source && text.length < source.length) this.text = this.cutAtLineEnd(text);
  }

  /**
   * The next line with content from `next` (blank and comment lines skipped) into the
   * `found` fields; its indent, or -1 at the end. Tabs in the indent, document
   * markers and directives are not for a fast path.
   */
  protected findLine(next: number): number {
    const text = this.text;
    for (;;) {
      if (next >= text.length) {
        // A window's end that is not the file's: a device (with what follows it) longer than what the window had left.
        if (this.source && this.base + text.length < this.source.length) giveUp();
        return -1;
      }
      const start = next;
      const nl = text.indexOf('\n', start);
      next = nl < 0 ? text.length : nl + 1;
      let end = nl < 0 ? text.length : nl;
      if (text.charCodeAt(end - 1) === CR) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (i < end && text.charCodeAt(i) === TAB) giveUp();
      if (i === end || text.charCodeAt(i) === HASH) continue;
      if (i === start && (text.startsWith('---', i) || text.startsWith('...', i) || text.charCodeAt(i) === PERCENT)) giveUp();
      this.foundStart = start;
      this.foundEnd = end;
      this.foundNext = next;
      return i - start;
    }
  }

  /** True when the window is near its end (less than the margin left) and the file goes on. */
  protected nearWindowEnd(): boolean {
    return this.source !== undefined && this.text.length - this.lineStart < this.windows.margin && this.base + this.text.length < this.source.length;
  }

  /** A window ends after its last line break, unless it is the file's end. */
  private cutAtLineEnd(window: string): string {
    if (this.base + window.length === this.source!.length) return window;
    const nl = window.lastIndexOf('\n');
    return nl < 0 ? giveUp() : window.slice(0, nl + 1);
  }

  /** Moves the window to start at the current line, a device's first. */
  protected slide(): void {
    const shift = this.lineStart;
    const from = this.base + shift;
    this.base = from;
    this.text = this.cutAtLineEnd(this.source!.window(from, Math.min(this.source!.length, from + this.windows.size)));
    this.lineStart = 0;
    this.lineEnd -= shift;
    this.nextLine -= shift;
  }

  /** The hash of the plain scalar plainScalar last read, up to its last non-space (see mixHash). */
  protected plainHash = 0;
  /** Where plainScalar stopped: the line end, the space before ` #`, or (in flow) the `,` `}` `]` that ends it. */
  protected plainStop = 0;

  /**
   * A plain scalar from `i` (its first character already allowed): where it ends
   * without trailing spaces. It runs to ` #`, the line end, or (in flow) `,` `}` `[`
   * `]` `{`; `: ` inside, a tab, or (in flow) `:` before `,` `}` `]` are not for a
   * fast path. Its hash is computed on the way, so a value seen before costs no string.
   */
  protected plainScalar(i: number, flow: boolean): number {
    const text = this.text;
    const lineEnd = this.lineEnd;
    let j = i;
    let last = i;
    let h = 0;
    let hashAtLast = 0;
    for (; j < lineEnd; j++) {
      const d = text.charCodeAt(j);
      if (d === SPACE) {
        if (text.charCodeAt(j + 1) === HASH) break;
        h = (Math.imul(h, 31) + d) | 0;
        continue;
      }
      if (d === TAB) giveUp();
      if (d === COLON) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 === lineEnd || n === SPACE || (flow && (n === COMMA || n === RBRACE || n === RBRACKET))) giveUp();
      }
      if (flow && (d === COMMA || d === RBRACE || d === LBRACKET || d === RBRACKET || d === LBRACE)) break;
      h = (Math.imul(h, 31) + d) | 0;
      hashAtLast = h;
      last = j + 1;
    }
    this.plainHash = hashAtLast;
    this.plainStop = j;
    return last;
  }

  protected skipSpaces(i: number): number {
    return skipSpaces(this.text, i, this.lineEnd);
  }

  /** Only spaces and an optional comment (preceded by a space) from `i` to the line end. */
  protected restIsEmpty(i: number): boolean {
    return restIsEmpty(this.text, i, this.lineEnd);
  }
}

/** Past the spaces of `text` from `i`, stopping at `end` (a line's end): shared with the deployment scanner. */
export function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** Only spaces and an optional comment (preceded by a space) from `i` to `end`. */
export function restIsEmpty(text: string, i: number, end: number): boolean {
  const j = skipSpaces(text, i, end);
  return j === end || (text.charCodeAt(j) === HASH && j > i);
}

/** A distinct plain text met in a file, found again by its hash. */
export interface Interned {
  readonly raw: string;
  readonly hash: number;
  next: Interned | undefined;
}

/** The hash of a text's characters (`Math.imul(h, 31) + c`, as the scanners compute it while they read) with its length. */
export const mixHash = (hash: number, length: number): number => (hash ^ Math.imul(length, 0x9e3779b1)) | 0;

/** Chained hash slots (a power of two, grown with the table; a Map keyed by the hash boxes most hashes as heap numbers). */
export class InternTable<E extends Interned> {
  private slots: (E | undefined)[] = new Array<E | undefined>(256).fill(undefined);
  /** How many entries the table holds. */
  size = 0;

  /** The entry for text[start, start + length) with this hash (see mixHash), if any. */
  find(text: string, start: number, length: number, hash: number): E | undefined {
    for (let e = this.slots[hash & (this.slots.length - 1)]; e; e = e.next as E | undefined) {
      if (e.hash === hash && e.raw.length === length && text.startsWith(e.raw, start)) return e;
    }
    return undefined;
  }

  add(entry: E): E {
    const slot = entry.hash & (this.slots.length - 1);
    entry.next = this.slots[slot];
    this.slots[slot] = entry;
    if (++this.size > this.slots.length) this.grow();
    return entry;
  }

  /** Twice the slots, each entry moved to its slot (chains keep no order: every text is in the table once). */
  private grow(): void {
    const old = this.slots;
    this.slots = new Array<E | undefined>(old.length * 2).fill(undefined);
    const mask = this.slots.length - 1;
    for (let e of old) {
      while (e) {
        const next = e.next as E | undefined;
        e.next = this.slots[e.hash & mask];
        this.slots[e.hash & mask] = e;
        e = next;
      }
    }
  }
}
