/** Aligned plain-text tables: numbers right-aligned, everything else left. */

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Applied after padding, so colour codes do not break alignment. */
  readonly paint?: (cell: string, row: number) => string;
}

export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
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
