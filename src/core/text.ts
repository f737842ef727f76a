/** Small shared pieces of message text. */

/** `1 device`, `2 devices`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `…and 3 more`, or `…and 3 more devices` with a noun. */
export const andMore = (n: number, noun?: string): string => `…and ${n} more${noun ? ` ${noun}` : ''}`;

/** `a, b, c, …and 4 more`: the shown items, then how many of `total` were left out. */
export const listWithMore = (shown: readonly string[], total: number): string =>
  shown.join(', ') + (total > shown.length ? `, ${andMore(total - shown.length)}` : '');

/** Labels as `k=v k2=v2`, keys in ordinal order. */
export const labelsText = (labels: Readonly<Record<string, string>>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(' ');

/** Shows at most ~200 characters of a value in a message. */
export const clip = (text: string, max = 200): string => (text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`);
