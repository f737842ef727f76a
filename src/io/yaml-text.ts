/**
 * What reading a YAML file needs before any parser: limits, decoding, the line
 * length check, and the symbols a fast path sets on its value. Apart from yaml.ts
 * so that the fleet worker thread, which only scans, never loads the yaml library.
 */
import { isAscii } from 'node:buffer';

export interface YamlLimits {
  /** Largest file accepted, in bytes. */
  readonly maxBytes: number;
  /** Longest line accepted, in characters. */
  readonly maxLineLength: number;
  /** Deepest nesting of collections. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: YamlLimits = { maxBytes: 16 * 1024 * 1024, maxLineLength: 1024 * 1024, maxDepth: 64 };

/** What aliases may add, beyond the file itself: max(2 MiB, 20 × the file's size). */
export const aliasBudget = (textLength: number): number => Math.max(2 * 1024 * 1024, 20 * textLength);

/**
 * A fast path may set this (non-enumerable) on its value: where each entry of the
 * root's `devices` list starts, so a diagnostic about one device is placed by
 * parsing that device alone instead of the whole file.
 */
export const ENTRY_OFFSETS = Symbol('entry offsets');

/**
 * A fast path may set this (non-enumerable) on its value: the PositionHints a
 * `yaml` parse would give, so diagnostics on top-level keys are placed without one.
 */
export const POSITION_HINTS = Symbol('position hints');

const decoder = new TextDecoder('utf-8', { fatal: false });

const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * The text of a file, without a BOM. A lone CR is a line break in YAML 1.2, which
 * yaml does not honour: it becomes LF (same length, so offsets stay true).
 */
export function decodeText(bytes: Uint8Array): string {
  const text = stripBom(decoder.decode(bytes));
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/**
 * The first line longer than `max` characters (its start and length), if any. A line
 * is too long exactly when `max + 1` characters from its start hold no line break, so
 * this jumps from window to window (the last break in each) instead of visiting every
 * line: a few steps per megabyte. `firstLongLineReference` is the line-by-line twin.
 */
export function firstLongLine(text: string | Uint8Array, max: number): { start: number; length: number } | undefined {
  // The same search in a text or in its bytes (where a byte is a character: see plainAsciiText).
  const lines = text as unknown as { length: number; indexOf(nl: unknown, from: number): number; lastIndexOf(nl: unknown, from: number): number };
  const nl = typeof text === 'string' ? '\n' : 10;
  for (let start = 0; lines.length - start > max;) {
    const last = lines.lastIndexOf(nl, start + max);
    if (last < start) {
      const end = lines.indexOf(nl, start);
      return { start, length: (end < 0 ? lines.length : end) - start };
    }
    start = last + 1;
  }
  return undefined;
}

/** Line by line, as the loader always checked: the twin `firstLongLine` is tested against. */
export function firstLongLineReference(text: string, max: number): { start: number; length: number } | undefined {
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > max) return { start, length: end - start };
    start = end + 1;
  }
  return undefined;
}

/**
 * For a fast path run in another thread (the fleet worker): the very text readYaml
 * would hand its fast path, or `undefined` where readYaml would first have something
 * to say or to check (too large, a U+FFFD or bytes that are not UTF-8, a line too
 * long); the file is then read here with readYaml.
 */
export function fastPathText(bytes: Uint8Array, limits: YamlLimits): string | undefined {
  if (bytes.length > limits.maxBytes) return undefined;
  const text = decodeText(bytes);
  return text.includes('\uFFFD') || firstLongLine(text, limits.maxLineLength) ? undefined : text;
}

/**
 * Bytes that are their own text, one character per byte, and that readYaml's checks
 * before its fast path would pass: all ASCII (so no BOM and valid UTF-8), no CR (a
 * lone CR becomes a line break in the text), within the size and line-length limits.
 * A fast path may read such bytes window by window instead of decoding them whole.
 */
export function plainAsciiText(bytes: Uint8Array, limits: YamlLimits): boolean {
  return bytes.length <= limits.maxBytes && asciiWithoutCr(bytes) && firstLongLine(bytes, limits.maxLineLength) === undefined;
}

/** All ASCII with no CR: bytes whose text is themselves, one character per byte. */
export const asciiWithoutCr = (bytes: Uint8Array): boolean => isAscii(bytes) && !bytes.includes(13);
