// CSV as RFC 4180 writes it and Python's csv module (NetBox's importer) reads it: a header row,
// a field quoted when it holds a comma, a quote, a line break or edge spaces, quotes doubled.
export type Cell = string | number | boolean | undefined;

export function csvField(v: Cell): string {
  const s = v === undefined ? '' : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lines = [headers.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
