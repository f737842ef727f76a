/** Aligned plain-text tables: numbers right-aligned, everything else left. */
import { isSafe, safe } from './escape.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Applied after padding, so colour codes do not break alignment. */
  readonly paint?: (cell: string, row: number) => string;
}

export function table(columns: readonly Column[], unsafeRows: readonly (readonly string[])[]): string {
  // Cells come from the repository: control characters are escaped before widths are measured.
  const rows = unsafeRows.every((r) => r.every(isSafe)) ? unsafeRows : unsafeRows.map((r) => r.map(safe));
  // A loop, not Math.max(...rows): `resolve --devices` can have a million rows.
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, r[i]?.length ?? 0), c.header.length));
  const line = (cells: readonly string[], paint: boolean, row: number) =>
    cells
      .map((cell, i) => {
        const column = columns[i];
        const last = i === cells.length - 1;
        const padded = column.align === 'right' ? cell.padStart(widths[i]) : last ? cell : cell.padEnd(widths[i]);
        return paint && column.paint ? column.paint(padded, row) : padded;
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      false,
      -1,
    ),
    ...rows.map((r, i) => line(r, true, i)),
  ].join('\n');
}
