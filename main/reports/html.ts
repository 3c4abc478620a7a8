// The pieces every report page is made of (the playbook run report, the end-of-day report): escaped text, plain
// tables, and one print style, so that a page reads the same in a browser, printed to PDF, or read without the app.

/** What a report's cell holds: a plain value, never an object (which would print as '[object Object]'). */
export type Cell = string | number | bigint | boolean | null | undefined;

export const esc = (v: Cell): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A table; the columns listed in `numeric` are right-aligned (money and counts). */
export function table(head: string[], rows: Cell[][], numeric: number[] = []): string {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

export const PAGE_STYLE = `
body { font: 12px/1.4 system-ui, sans-serif; margin: 24px; color: #111; }
table { border-collapse: collapse; margin: 8px 0 16px; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
`;
