// The end-of-day risk report (issue 21 item 7): the day's last cycle's statuses and top exposures, the calls issued
// and met, the day's overrides beside their automatic alternative, Cover-1 and Cover-2 at that cycle's marks, and the
// breakers. One UTC day, read from the ledger, so it reads the same whenever it is asked for.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { EndOfDayReport } from '../../../shared/contractReports.ts';
import { InputError } from '../../../shared/errors.ts';
import { formatAmount, formatUnits } from '../../../shared/units.ts';
import { STATUS_CODES } from '../../engine/kernel.ts';
import { readCycleResults } from '../../ledger/cycleResults.ts';
import { accountColumns } from '../../ledger/consoleRepo.ts';
import { callDay, cycleBefore } from '../../ledger/reportRepo.ts';
import { runLedgerStress } from '../recovery/stress.ts';
import { rememberedStress, stressKey } from '../recovery/stressMemo.ts';
import { automationStatus } from '../liquidations/automation.ts';
import { overridesIn } from '../overrides/report.ts';

export const TOP_EXPOSURES = 10;

function dayBounds(day: string): { from: string; to: string } {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== day) throw new InputError(`${day} is not a day of the calendar`, { field: 'day' });
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString() };
}

/**
 * The stress run the day's report would need and does not have kept (stressMemo.ts): its as-of time and the key to
 * keep it under, or null. A console door runs it on a thread first, so the report itself is quick.
 */
export function endOfDayStressNeed(ctx: CommandContext, input: InputOf<'reports.endOfDay'>): { asOf: string; key: string } | null {
  const cycle = cycleBefore(ctx.db, dayBounds(input.day).to);
  if (!cycle || rememberedStress(ctx.db, cycle.asOf)) return null;
  return { asOf: cycle.asOf, key: stressKey(ctx.db, cycle.asOf) };
}

export function endOfDayReport(ctx: CommandContext, input: InputOf<'reports.endOfDay'>): EndOfDayReport {
  const { db } = ctx;
  const { from, to } = dayBounds(input.day);
  const cycle = cycleBefore(db, to) ?? null;
  const statuses = STATUS_CODES.map((status) => ({ status, accounts: 0 }));
  const topExposures: EndOfDayReport['topExposures'] = [];
  if (cycle) {
    const r = readCycleResults(db, cycle.id);
    const cols = accountColumns(db);
    const memberOf = new Map(cols.id.map((id, i) => [id, cols.member[i]!]));
    const order: number[] = [];
    for (let i = 0; i < r.ids.length; i++) {
      statuses[r.status[i]!]!.accounts += 1;
      order.push(i);
    }
    // Largest maintenance margin first, exactly (bigint compare), then by id.
    order.sort((a, b) => (r.mm[b]! > r.mm[a]! ? 1 : r.mm[b]! < r.mm[a]! ? -1 : r.ids[a]! < r.ids[b]! ? -1 : 1));
    for (const i of order.slice(0, TOP_EXPOSURES)) {
      const mm = r.mm[i]!;
      const eq = r.equity[i]!;
      topExposures.push({
        account: r.ids[i]!,
        member: memberOf.get(r.ids[i]!) ?? '',
        equity: formatAmount(eq),
        mm: formatAmount(mm),
        // equity / MM to 4 places, truncated toward zero: a ratio shown, never a threshold decided here.
        health: mm === 0n ? null : formatUnits((eq * 10_000n) / mm, 4),
        status: STATUS_CODES[r.status[i]!]!,
      });
    }
  }
  const calls = callDay(db, from, to);
  const stress = cycle ? (rememberedStress(db, cycle.asOf) ?? runLedgerStress(db, cycle.asOf, undefined)) : null;
  const auto = automationStatus(ctx);
  const seen = new Set<number>();
  const breakers = [...auto.tripped, ...auto.recentBreakers.filter((b) => b.trippedAt >= from && b.trippedAt < to)].filter((b) => !seen.has(b.id) && seen.add(b.id));
  return {
    day: input.day,
    from,
    to,
    asOf: ctx.now().toISOString(),
    statuses,
    cycle,
    calls: {
      issued: calls.issued,
      issuedAmount: formatAmount(calls.issuedAmount),
      met: calls.met,
      metAmount: formatAmount(calls.metAmount),
      waived: calls.waived,
      escalated: calls.escalated,
      open: calls.open,
      openAmount: formatAmount(calls.openAmount),
    },
    overrides: overridesIn(ctx, from, to),
    topExposures,
    cover: stress ? { asOf: stress.asOf, prefunded: stress.prefunded.total, cover1: stress.cover1, cover2: stress.cover2 } : null,
    breakers,
  };
}
