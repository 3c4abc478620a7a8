/** Prints rows as an aligned text table; columns listed in `right` are right-aligned (amounts). */
export function printTable(header: string[], rows: string[][], right: number[] = [], write = (s: string) => process.stdout.write(s)): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) write(`${line(r)}\n`);
  if (rows.length === 0) write('(none)\n');
}
