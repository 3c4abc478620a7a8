import type { Writer } from './io.ts';

/** Writes rows as an aligned text table to `out`; columns listed in `right` are right-aligned (amounts). */
export function table(out: Writer, header: string[], rows: string[][], right: number[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) out.write(`${line(r)}\n`);
  if (rows.length === 0) out.write('(none)\n');
}

/** The same table on the process's stdout (the bench scripts, which run as their own process). */
export function printTable(header: string[], rows: string[][], right: number[] = []): void {
  table(process.stdout, header, rows, right);
}
