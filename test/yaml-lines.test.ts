/** The loader's line-length check jumps from window to window; the line-by-line twin says the same. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstLongLine, firstLongLineReference, readYaml } from '../src/io/yaml.js';

describe('the first line that is too long', () => {
  it('is the one the line-by-line check finds, on random texts and limits', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\n', '\r', ' '), { maxLength: 80 }), fc.integer({ min: 0, max: 12 }), (chars, max) => {
        const text = chars.join('');
        expect(firstLongLine(text, max)).toEqual(firstLongLineReference(text, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('at the edges: a line exactly at the limit, one over, the last line without a break, an empty text', () => {
    for (const [text, max] of [
      ['abc\ndef', 3],
      ['abc\ndefg', 3],
      ['abcd\nde', 3],
      ['ab\n\n\nabcd', 3],
      ['', 0],
      ['\n', 0],
      ['a', 0],
    ] as const) {
      expect(firstLongLine(text, max)).toEqual(firstLongLineReference(text, max));
    }
    expect(firstLongLine('ab\nabcde\nabcdefgh', 4)).toEqual({ start: 3, length: 5 });
  });

  it('is reported where it starts by readYaml', () => {
    const text = `a: 1\nb: ${'x'.repeat(40)}\nc: ${'y'.repeat(60)}\n`;
    const file = readYaml('f.yaml', new TextEncoder().encode(text), { maxBytes: 1 << 20, maxLineLength: 30, maxDepth: 64 });
    expect(file.value).toBeUndefined();
    expect(file.diagnostics).toEqual([
      expect.objectContaining({ code: 'file/line-too-long', line: 2, column: 1, message: expect.stringContaining('line is 43 characters; the limit is 30') }),
    ]);
  });
});
