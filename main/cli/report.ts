// `riskdesk report overrides|eod`: the overrides of a period beside their automatic alternative, and the end-of-day
// risk report, as text, --json (the channel's output), --csv (shared/csv.ts) or, for the day, --export FILE
// (.html, .pdf printed by Chromium, .csv, .json). Each is one channel: its flags come from the channel's schema
// (oneChannel.ts); the output's own flags (--csv, --export) from the table here.
import { z } from 'zod';
import type { CliIo, Writer } from './io.ts';
import { overrideWho, type EndOfDayReport, type OverridesReport } from '../../shared/contractReports.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import { endOfDayCsv, endOfDayHtml, overridesCsv } from '../reports/endOfDay.ts';
import { exportFile } from './exportFile.ts';
import { flagsOfSchema } from './contractFlags.ts';
import { oneChannel as command, type ChannelCommand } from './oneChannel.ts';

function printOverrides(out: Writer, r: OverridesReport): void {
  out.write(`${r.rows.length} override(s) from ${r.from} to ${r.to}, costed as of ${r.asOf}; total difference ${r.totalDifference} USD\n`);
  table(
    out,
    ['at', 'who', 'what', 'why', 'automatic alternative', 'actual cost', 'automatic cost', 'difference'],
    r.rows.map((x) => [x.at, overrideWho(x), x.what, x.why, x.automatic, x.actualCost ?? '—', x.automaticCost ?? '—', x.difference ?? '—']),
    [5, 6, 7],
  );
}

function printDay(out: Writer, r: EndOfDayReport): void {
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

/** The report's output flags: --csv beside --json, and for the day --export FILE. */
const CSV = { csv: z.boolean().optional() };
const CSV_MEANS = { csv: { means: 'print CSV (shared/csv.ts), not with --json' } };
const EXPORT_MEANS = { export: { placeholder: 'FILE.html|.pdf|.csv|.json', means: 'write the report to a new file, its format by the extension' } };

/** --json, --csv or the table, refused when both formats are asked for. */
function emit(io: CliIo, chosen: Record<string, unknown>, value: unknown, csv: () => string, human: () => void): void {
  if (chosen.json && chosen.csv) throw new InputError('give --json or --csv, not both');
  if (chosen.json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (chosen.csv) io.stdout.write(csv());
  else human();
}

export const REPORT_COMMANDS: readonly ChannelCommand[] = [
  command('report overrides', 'overrides.report', 'who overrode the engine, what, why, the automatic alternative and both outcomes costed side by side', printOverrides, {
    output: {
      flags: flagsOfSchema('report overrides', z.object(CSV), { fields: CSV_MEANS }),
      write: (io, value, _input, chosen) => {
        const r = value as OverridesReport;
        emit(io, chosen, r, () => overridesCsv(r), () => printOverrides(io.stdout, r));
      },
    },
  }),
  command('report eod', 'reports.endOfDay', 'the end-of-day risk report', printDay, {
    fields: { day: { placeholder: 'YYYY-MM-DD', means: 'the UTC day' } },
    output: {
      flags: flagsOfSchema('report eod', z.object({ ...CSV, export: z.string().optional() }), { fields: { ...CSV_MEANS, ...EXPORT_MEANS } }),
      write: (io, value, _input, chosen) => {
        const r = value as EndOfDayReport;
        if (typeof chosen.export === 'string') {
          exportFile(chosen.export, { '.json': () => `${JSON.stringify(r, null, 2)}\n`, '.html': () => endOfDayHtml(r), '.csv': () => endOfDayCsv(r) });
          io.stderr.write(`exported the end-of-day report of ${r.day} to ${chosen.export}\n`);
          return;
        }
        emit(io, chosen, r, () => endOfDayCsv(r), () => printDay(io.stdout, r));
      },
    },
  }),
];
