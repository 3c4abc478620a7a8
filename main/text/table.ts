// Aligned text tables for the CLI's human output and the bench reports (here so that neither imports the other).
import { escapeUnsafe } from '../../shared/safeText.ts';

/** Writes rows as an aligned text table to `out`; columns listed in `right` are right-aligned (amounts). */
export function table(out: { write(s: string): unknown }, header: string[], raw: string[][], right: number[] = []): void {
  // Names and notes come from people and files: a terminal is shown what they hold, never made to obey it.
  const rows = raw.map((r) => r.map(escapeUnsafe));
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
