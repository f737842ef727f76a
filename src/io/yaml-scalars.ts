/**
 * What the fast paths (fleet-scanner.ts, deployment-scanner.ts) share: the
 * character codes they compare with, and scalars resolved exactly as `yaml` v2
 * resolves them under readYaml's options (YAML 1.2 core schema; no timestamps,
 * so `2026-01-01T00:00:00Z` stays a string).
 */

export type Scalar = string | number | boolean | null;

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const DQUOTE = 34;
export const HASH = 35;
export const PERCENT = 37;
export const AMP = 38;
export const QUOTE = 39;
export const STAR = 42;
export const PLUS = 43;
export const COMMA = 44;
export const DASH = 45;
export const DOT = 46;
export const DIGIT_0 = 48;
export const DIGIT_9 = 57;
export const COLON = 58;
export const QUESTION = 63;
export const UPPER_A = 65;
export const UPPER_Z = 90;
export const LBRACKET = 91;
export const BACKSLASH = 92;
export const RBRACKET = 93;
export const UNDERSCORE = 95;
export const LOWER_A = 97;
export const LOWER_Z = 122;
export const LBRACE = 123;
export const RBRACE = 125;

// The YAML 1.2 core schema, as yaml v2 resolves plain scalars.
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN = /^\.(?:nan|NaN|NAN)$/;

/** A plain scalar's value: a number, boolean, null, or the text itself. */
export function resolvePlain(s: string): Scalar {
  const c = s.charCodeAt(0);
  // Only digits, signs, '.', '~', n/N, t/T, f/F, 0 can start a non-string.
  if ((c >= DIGIT_0 && c <= DIGIT_9) || c === PLUS || c === DASH || c === DOT) {
    if (INT_DEC.test(s)) return Number(s);
    if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
    if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
    if (FLOAT.test(s)) return Number(s);
    if (INF.test(s)) return s[0] === '-' ? -Infinity : Infinity;
    if (NAN.test(s)) return NaN;
    return s;
  }
  switch (s) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  return s;
}

/** The double-quoted escapes a fast path reads; any other gives up (`\x` and `\u` are read apart). */
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };

/** Characters that may not start a plain scalar on a fast path (indicators it does not handle). */
export const BAD_START = new Set([...'&*!|>%@`]{},?#\'"'].map((c) => c.charCodeAt(0)));

/** BAD_START as a table, not a Set: the fleet scanners ask it for every key and value. False past the text's end (NaN). */
const BAD_START_TABLE = new Uint8Array(128);
for (const c of BAD_START) BAD_START_TABLE[c] = 1;
export const badStart = (c: number): boolean => c < 128 && BAD_START_TABLE[c] === 1;

/**
 * A single-quoted scalar that starts at `start` and closes before `lineEnd`: its
 * value, and where it ends (just past the closing quote) in `end`; undefined when
 * it runs past the line (folded over lines: yaml's to read).
 */
export function singleQuoted(text: string, start: number, lineEnd: number): { value: string; end: number } | undefined {
  for (let from = start + 1; ;) {
    const q = text.indexOf("'", from);
    if (q < 0 || q >= lineEnd) return undefined;
    if (text.charCodeAt(q + 1) === QUOTE) {
      from = q + 2;
      continue;
    }
    const inner = text.slice(start + 1, q);
    return { value: inner.includes("''") ? inner.replace(/''/g, "'") : inner, end: q + 1 };
  }
}

/**
 * A double-quoted scalar that starts at `start` and closes before `lineEnd`: its
 * value and where it ends; undefined when it runs past the line or holds an escape
 * this does not read (yaml's to read). `\x` and `\u` escapes only with `hexEscapes`.
 */
export function doubleQuoted(text: string, start: number, lineEnd: number, hexEscapes: boolean): { value: string; end: number } | undefined {
  let out = '';
  let from = start + 1;
  for (let i = from; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE) return { value: out + text.slice(from, i), end: i + 1 };
    if (c !== BACKSLASH) continue;
    out += text.slice(from, i);
    const e = text[i + 1];
    if (Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
      i += 1;
    } else if (hexEscapes && (e === 'x' || e === 'u')) {
      const n = e === 'x' ? 2 : 4;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 1 + n;
    } else return undefined;
    from = i + 1;
  }
  return undefined;
}

/** Thrown by a fast path on anything outside what it reads: the file then goes to `yaml`. */
class GiveUp extends Error {}

export const giveUp = (): never => {
  throw new GiveUp();
};

/** A fast path's value, or `undefined` where it gave up (any other error is a bug, and thrown). */
export function unlessGivenUp<T>(scan: () => T): T | undefined {
  try {
    return scan();
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}
