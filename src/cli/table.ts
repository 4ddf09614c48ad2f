// Column output like kubectl's tabwriter (cli-runtime printers: min width 6, padding 3):
// upper-case headers, every column but the last padded to its widest cell plus three spaces.
export function columnWidths(rows: string[][]): number[] {
  const n = Math.max(0, ...rows.map((r) => r.length));
  return Array.from({ length: n }, (_, i) =>
    Math.max(6, ...rows.map((r) => (r[i] ?? '').length + 3)),
  );
}

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = columnWidths([headers, ...rows]).map((w) => w - 3);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** kubectl's short age: 45s, 5m, 3h, 2d, ... */
export function shortAge(fromIso: string, now = new Date()): string {
  const s = Math.max(0, Math.floor((now.getTime() - new Date(fromIso).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}
