import { describe, expect, it } from 'vitest';
import { table } from '../src/render/text/table.js';

describe('text tables', () => {
  it('align numbers right and text left', () => {
    expect(
      table(
        [{ header: 'NAME' }, { header: 'N', align: 'right' }],
        [
          ['a', '1'],
          ['bbbbb', '100'],
        ],
      ),
    ).toBe('NAME     N\na        1\nbbbbb  100');
  });

  it('take a million rows (resolve --devices on a large fleet)', () => {
    const rows = Array.from({ length: 1_000_000 }, (_, i) => [`device-${i}`, String(i)]);
    const text = table([{ header: 'DEVICE' }, { header: 'N', align: 'right' }], rows);
    expect(text.split('\n')).toHaveLength(1_000_001);
    expect(text.endsWith('device-999999  999999')).toBe(true);
  });
});
