/** Rows to an aligned text table, CSV or JSON lines. */
export type RowFormat = 'table' | 'csv' | 'json';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(12)));
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatRows(rows: readonly Record<string, unknown>[], columns: readonly string[], format: RowFormat): string {
  if (format === 'json') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  if (format === 'csv') return [columns.join(','), ...cells.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), `(${rows.length} rows)`].join('\n') + '\n';
}
