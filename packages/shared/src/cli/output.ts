/** How list commands print: an aligned table for people, CSV or JSON for programs. */
export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Cell = string | number | boolean | null | undefined;

/** Numbers in tables: integers as they are, others to 4 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

const tableCell = (value: Cell): string =>
  value === null || value === undefined
    ? '-'
    : typeof value === 'number'
      ? formatNumber(value)
      : String(value);

/** Columns padded to their widest cell, two spaces apart, numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly Cell[][]): string {
  const text = [header.map(String), ...rows.map((row) => row.map(tableCell))];
  const numeric = header.map((_, column) =>
    rows.every((row) => typeof row[column] === 'number' || row[column] == null),
  );
  const widths = header.map((_, column) => Math.max(...text.map((row) => row[column].length)));
  return text
    .map((row) =>
      row
        .map((cell, column) =>
          numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** RFC 4180: fields with a comma, quote or line break are quoted; empty for null. Full precision. */
export function formatCsv(header: readonly string[], rows: readonly Cell[][]): string {
  const field = (value: Cell): string => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\n');
}
