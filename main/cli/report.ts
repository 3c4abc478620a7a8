// `riskdesk report overrides|eod`: the overrides of a period beside their automatic alternative, and the end-of-day
// risk report, as text, --json (the channel's output), --csv (shared/csv.ts) or, for the day, --export FILE
// (.html, .pdf printed by Chromium, .csv, .json).
import type { CliIo } from './io.ts';
import { overrideWho, type EndOfDayReport, type OverridesReport } from '../../shared/contractReports.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import { endOfDayCsv, endOfDayHtml, overridesCsv } from '../reports/endOfDay.ts';
import { exportFile } from './exportFile.ts';

export interface ReportDoor {
  run: (channel: 'overrides.report' | 'reports.endOfDay', payload: unknown) => Promise<unknown>;
  opt: (name: 'from' | 'to' | 'day' | 'export') => string | undefined;
  json: boolean;
  csv: boolean;
  io: CliIo;
}

function need(door: ReportDoor, name: 'from' | 'to' | 'day', what: string): string {
  const v = door.opt(name);
  if (v === undefined) throw new InputError(`--${name} is needed: ${what}`, { field: name });
  return v;
}

function printOverrides(door: ReportDoor, r: OverridesReport): void {
  const out = door.io.stdout;
  out.write(`${r.rows.length} override(s) from ${r.from} to ${r.to}, costed as of ${r.asOf}; total difference ${r.totalDifference} USD\n`);
  table(
    out,
    ['at', 'who', 'what', 'why', 'automatic alternative', 'actual cost', 'automatic cost', 'difference'],
    r.rows.map((x) => [x.at, overrideWho(x), x.what, x.why, x.automatic, x.actualCost ?? '—', x.automaticCost ?? '—', x.difference ?? '—']),
    [5, 6, 7],
  );
}

function printDay(door: ReportDoor, r: EndOfDayReport): void {
  const out = door.io.stdout;
  out.write(`end-of-day risk report ${r.day} (UTC)${r.cycle ? `, cycle ${r.cycle.id} as of ${r.cycle.asOf}` : ', no cycle'}\n`);
  table(out, ['status', 'accounts'], r.statuses.map((s) => [s.status, String(s.accounts)]), [1]);
  const c = r.calls;
  table(out, ['calls', 'count', 'USD'], [['issued', String(c.issued), c.issuedAmount], ['met', String(c.met), c.metAmount], ['waived', String(c.waived), ''], ['escalated', String(c.escalated), ''], ['open at the close', String(c.open), c.openAmount]], [1, 2]);
  out.write(`${r.overrides.length} override(s)\n`);
  table(out, ['at', 'who', 'what', 'automatic alternative', 'difference'], r.overrides.map((x) => [x.at, overrideWho(x), x.what, x.automatic, x.difference ?? '—']), [4]);
  table(out, ['account', 'member', 'equity', 'MM', 'health', 'status'], r.topExposures.map((e) => [e.account, e.member, e.equity, e.mm, e.health ?? '∞', e.status]), [2, 3, 4]);
  if (r.cover) out.write(`Cover-1 ${r.cover.cover1.amount}, Cover-2 ${r.cover.cover2.amount} against prefunded ${r.cover.prefunded}: Cover-2 ${r.cover.cover2.covered ? 'held' : 'NOT held'}\n`);
  out.write(r.breakers.length === 0 ? 'no circuit breaker tripped\n' : `breakers: ${r.breakers.map((b) => `${b.instrument} ${b.reset ? 'reset' : 'tripped'}`).join(', ')}\n`);
}

export async function reportCli(sub: string | undefined, door: ReportDoor): Promise<number> {
  const emit = (value: unknown, csv: () => string, human: () => void): void => {
    if (door.json && door.csv) throw new InputError('give --json or --csv, not both');
    if (door.json) door.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else if (door.csv) door.io.stdout.write(csv());
    else human();
  };
  switch (sub) {
    case 'overrides': {
      const r = (await door.run('overrides.report', { from: need(door, 'from', 'the period\'s start (ISO time)'), to: need(door, 'to', 'the period\'s end (ISO time)') })) as OverridesReport;
      emit(r, () => overridesCsv(r), () => printOverrides(door, r));
      return 0;
    }
    case 'eod': {
      const r = (await door.run('reports.endOfDay', { day: need(door, 'day', 'the UTC day, YYYY-MM-DD') })) as EndOfDayReport;
      const to = door.opt('export');
      if (to !== undefined) {
        exportFile(to, { '.json': () => `${JSON.stringify(r, null, 2)}\n`, '.html': () => endOfDayHtml(r), '.csv': () => endOfDayCsv(r) });
        door.io.stderr.write(`exported the end-of-day report of ${r.day} to ${to}\n`);
        return 0;
      }
      emit(r, () => endOfDayCsv(r), () => printDay(door, r));
      return 0;
    }
    default:
      throw new InputError(`unknown report "${sub ?? ''}": overrides, eod`);
  }
}
