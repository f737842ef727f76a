/**
 * Text from a repository (tag values, ids, file names, conditions, source lines)
 * made safe for a terminal: control characters (C0 but tab, DEL, C1) and the
 * Unicode line and bidirectional-override characters are shown as \u escapes,
 * so nothing read can move the cursor, clear the screen, set the title or
 * reorder what is shown. Applied before styling, which adds our own codes.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this is about
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const UNSAFE_ONE = new RegExp(UNSAFE.source);

export const safe = (text: string): string => text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** True when `safe` would leave the text as it is. */
export const isSafe = (text: string): boolean => !UNSAFE_ONE.test(text);

/** Characters of a source line shown around the column; the rest is elided. */
export const EXCERPT_WIDTH = 200;

/**
 * A source line for the caret, made safe and cut to about EXCERPT_WIDTH characters
 * around the column; returns the text and the caret's offset in it.
 */
export function excerptAround(line: string, column: number): { text: string; caret: number } {
  const at = Math.max(0, column - 1);
  let from = 0;
  let to = line.length;
  if (line.length > EXCERPT_WIDTH) {
    from = Math.max(0, Math.min(at - EXCERPT_WIDTH / 2, line.length - EXCERPT_WIDTH));
    to = from + EXCERPT_WIDTH;
  }
  const head = from > 0 ? '…' : '';
  const before = head + safe(line.slice(from, at).replace(/\t/g, ' '));
  const text = before + safe(line.slice(at, to).replace(/\t/g, ' ')) + (to < line.length ? '…' : '');
  return { text, caret: before.length };
}
