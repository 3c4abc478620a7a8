// The end-of-day risk report as a page (HTML, printed to PDF by Chromium) and as CSV files: what the desk sends at
// the close. Every value is escaped in the page; the CSV goes through the one writer (shared/csv.ts).
import { OVERRIDE_TABLE_HEADER, overrideTableRow, type EndOfDayReport, type OverrideRow, type OverridesReport } from '../../shared/contractReports.ts';
import { csvText, type CsvValue } from '../../shared/csv.ts';
import { formatMoney, formatUtc } from '../../shared/format.ts';
import { esc, PAGE_STYLE, table } from './html.ts';

/** A row as the CSV holds it: exact; a path with no money outcome reads —. */
function overrideCells(r: OverrideRow): CsvValue[] {
  return overrideTableRow(r).map((v, i) => (v === null && i >= 7 ? '—' : v));
}

/** An amount as the page shows it, as the console does (shared/format.ts): to the cent, with separators. */
const money = (v: string | null): string => (v === null ? '—' : formatMoney(v));

/** A row as the page shows it: its time in UTC, saying so, and its costs as money. */
function overridePageCells(r: OverrideRow): CsvValue[] {
  return overrideTableRow(r).map((v, i) => (i === 0 ? formatUtc(v) : i >= 7 ? money(v) : v));
}

export function overridesTableHtml(rows: OverrideRow[]): string {
  return rows.length === 0 ? '<p>No overrides.</p>' : table([...OVERRIDE_TABLE_HEADER], rows.map(overridePageCells), [7, 8, 9]);
}

export function endOfDayHtml(r: EndOfDayReport): string {
  const title = `End-of-day risk report, ${r.day} (UTC)`;
  const c = r.calls;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${PAGE_STYLE}</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(formatUtc(r.from))} to ${esc(formatUtc(r.to))}; made ${esc(formatUtc(r.asOf))}. ${r.cycle ? `Figures of margin cycle ${esc(r.cycle.id)} as of ${esc(formatUtc(r.cycle.asOf))}, policy version ${esc(r.cycle.policyVersion)}.` : 'No margin cycle ran by the end of the day.'}</p>
<h2>Statuses</h2>
${table(['status', 'accounts'], r.statuses.map((s) => [s.status, s.accounts]), [1])}
<h2>Margin calls</h2>
${table(['issued', 'issued amount', 'met', 'met amount', 'waived', 'escalated', 'open at the close', 'open amount'], [[c.issued, money(c.issuedAmount), c.met, money(c.metAmount), c.waived, c.escalated, c.open, money(c.openAmount)]], [0, 1, 2, 3, 4, 5, 6, 7])}
<h2>Overrides</h2>
${overridesTableHtml(r.overrides)}
<h2>Top exposures</h2>
${table(['account', 'member', 'equity', 'MM', 'health', 'status'], r.topExposures.map((e) => [e.account, e.member, money(e.equity), money(e.mm), e.health ?? '∞', e.status]), [2, 3, 4])}
<h2>Cover-1 and Cover-2</h2>
${
  r.cover
    ? table(['as of', 'prefunded', 'Cover-1', 'Cover-1 member', 'Cover-2', 'Cover-2 members', 'Cover-2 held'], [[formatUtc(r.cover.asOf), money(r.cover.prefunded), money(r.cover.cover1.amount), r.cover.cover1.members.join(', '), money(r.cover.cover2.amount), r.cover.cover2.members.join(', '), r.cover.cover2.covered ? 'yes' : 'NO']], [1, 2, 4])
    : '<p>No cycle: no stress run.</p>'
}
<h2>Circuit breakers</h2>
${r.breakers.length === 0 ? '<p>None tripped.</p>' : table(['instrument', 'tripped', 'move', 'from', 'to', 'reset'], r.breakers.map((b) => [b.instrument, formatUtc(b.trippedAt), `${b.direction} ${b.move}`, b.from, b.to, b.reset ? `${formatUtc(b.reset.at)} by ${b.reset.by}: ${b.reset.reason}` : 'still tripped']))}
</body></html>
`;
}

/** The report as one CSV file in long form: section, item, field, value (one writer, every cell escaped). */
export function endOfDayCsv(r: EndOfDayReport): string {
  const rows: CsvValue[][] = [];
  const put = (section: string, item: string, fields: Record<string, CsvValue>) => {
    for (const [k, v] of Object.entries(fields)) rows.push([section, item, k, v]);
  };
  put('report', r.day, { from: r.from, to: r.to, asOf: r.asOf, cycle: r.cycle?.id ?? '', cycleAsOf: r.cycle?.asOf ?? '', policyVersion: r.cycle?.policyVersion ?? '' });
  for (const s of r.statuses) put('statuses', s.status, { accounts: s.accounts });
  put('calls', 'day', { ...r.calls });
  for (const o of r.overrides) {
    const cells = overrideCells(o);
    put('overrides', String(o.seq), Object.fromEntries(OVERRIDE_TABLE_HEADER.map((h, i) => [h, cells[i]])));
  }
  for (const e of r.topExposures) put('topExposures', e.account, { member: e.member, equity: e.equity, mm: e.mm, health: e.health ?? '', status: e.status });
  if (r.cover) put('cover', r.cover.asOf, { prefunded: r.cover.prefunded, cover1: r.cover.cover1.amount, cover2: r.cover.cover2.amount, cover2Held: r.cover.cover2.covered });
  for (const b of r.breakers) put('breakers', b.instrument, { trippedAt: b.trippedAt, move: b.move, direction: b.direction, reset: b.reset?.at ?? '' });
  return csvText(['section', 'item', 'field', 'value'], rows);
}

export function overridesCsv(r: OverridesReport): string {
  return csvText(
    ['seq', 'at', 'actor', 'requested by', 'command', 'kind', 'subject', 'account', 'member', 'what', 'why', 'automatic alternative', 'actual outcome', 'automatic outcome', 'actual cost', 'automatic cost', 'difference'],
    r.rows.map((x) => [x.seq, x.at, x.actor, x.requestedBy, x.command, x.kind, x.subject, x.account, x.member, x.what, x.why, x.automatic, x.actualOutcome, x.automaticOutcome, x.actualCost, x.automaticCost, x.difference]),
  );
}
