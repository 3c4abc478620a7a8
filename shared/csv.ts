// The one CSV writer of every export (the audit log, the overrides and end-of-day reports, any console table):
// RFC 4180 quoting, CRLF line ends, and a cell a spreadsheet would take for a formula opened as text. Exports hold
// what people typed (reasons, notes, account names), so an export must never run it. Import-format files
// (main/csv/format.ts) are read back by riskdesk, not opened in a spreadsheet, and share only the quoting.

export type CsvValue = string | number | bigint | boolean | null | undefined;

/** Quoted where it holds a comma, quote or line break, or starts or ends with a space (which a reader may trim). */
export function csvQuote(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One exported cell. Text starting with = + - @, a tab or a carriage return gets a leading ' so that it opens as
 * text; so does a negative number, since a spreadsheet reads "-2+3" as a formula just as well as "-5" as a number,
 * and the writer does not tell them apart (the ' is what the spreadsheet shows and drops on a number it parses).
 */
export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return csvQuote(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
}

/** A whole file: the header, then one line per row, every line ending in CRLF. */
export function csvText(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
