// The overrides of a period, each beside its automatic alternative and both outcomes costed as of now
// (overrides.report; docs/overrides-and-reports.md says how each kind is costed). Read from the journal: an override's entry
// carries its automatic alternative (overrides/wrap.ts), so the report reads the same whenever it is asked for, but
// for what has happened since (a call met, a member in default).
import { Decimal } from 'decimal.js';
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { OverrideOutcome, OverrideRow, OverridesReport } from '../../../shared/contractReports.ts';
import { normaliseTime } from '../../../shared/time.ts';
import { scanJournal } from '../../ledger/journal.ts';
import { getCall } from '../../ledger/callRepo.ts';
import { getLiquidation } from '../../ledger/liquidationRepo.ts';
import { listCases, type CaseRow } from '../../ledger/defaultRepo.ts';
import { formatAmount } from '../../../shared/units.ts';
import { overrideOf, type JournalledOverride } from './journalled.ts';

const D = (s: string): Decimal => new Decimal(s);
const money = (d: Decimal): string => d.toFixed();

/** The member's first default case declared at or after `at` that has been closed out. */
function defaultAfter(db: Database, member: string | null, at: string): CaseRow | null {
  if (member === null) return null;
  return listCases(db).find((c) => c.member === member && c.declaredAt >= at && c.equityAfter !== null) ?? null;
}

/**
 * A call's amount W not collected (waived, or left unmet after an extension) and a later default of its member: the
 * loss that passed the defaulter's own resources was max(0, −equity after the close-out); had W been deposited, the
 * equity after would have been W higher (cash is not closed out), so the automatic path's loss is
 * max(0, −equity after − W). The difference is the loss the override incurred.
 */
function callDefaultCost(c: CaseRow, uncollected: Decimal): Pick<OverrideOutcome, 'actualCost' | 'automaticCost' | 'difference'> {
  const after = D(formatAmount(c.equityAfter!));
  const actual = Decimal.max(0, after.neg());
  const automatic = Decimal.max(0, after.neg().minus(uncollected));
  return { actualCost: money(actual), automaticCost: money(automatic), difference: money(actual.minus(automatic)) };
}

function callOutcome(db: Database, o: JournalledOverride, at: string): OverrideOutcome {
  const id = Number(o.facts.call);
  const c = getCall(db, id);
  const status = c?.status ?? 'unknown';
  const def = defaultAfter(db, o.member, at);
  const uncollected = o.kind === 'waiver' ? D(o.facts.outstanding!) : c ? D(formatAmount(c.amount - c.deposited)) : new Decimal(0);
  if (def) {
    return {
      actualOutcome: `call ${status}; member ${o.member} defaulted (case ${def.id}, equity after close-out ${formatAmount(def.equityAfter!)})`,
      automaticOutcome: `${money(uncollected)} collected by ${o.facts.deadline} would have stood against the loss`,
      ...callDefaultCost(def, uncollected),
    };
  }
  if (o.kind === 'extension' && status === 'met') {
    return { actualOutcome: 'met within the extension', automaticOutcome: `escalated to liquidation at ${o.facts.deadline}`, actualCost: '0', automaticCost: null, difference: null };
  }
  return {
    actualOutcome: `call ${status}; no default of member ${o.member ?? '—'} since`,
    automaticOutcome: o.kind === 'waiver' ? `${o.facts.outstanding} due by ${o.facts.deadline}` : `due by ${o.facts.deadline}`,
    actualCost: '0',
    automaticCost: '0',
    difference: '0',
  };
}

function outcomeOf(db: Database, o: JournalledOverride, at: string): OverrideOutcome {
  const f = o.facts;
  const diff = (a: string, b: string): OverrideOutcome['difference'] => money(D(a).minus(b));
  switch (o.kind) {
    case 'waiver':
    case 'extension':
      return callOutcome(db, o, at);
    case 'liquidation_rejected':
    case 'liquidation_held': {
      const l = getLiquidation(db, Number(f.liquidation));
      return { actualOutcome: `liquidation ${l?.status ?? 'unknown'}`, automaticOutcome: `closed ${f.orders}, notional ${f.notional}, fees ${f.fees}`, actualCost: null, automaticCost: null, difference: null };
    }
    case 'liquidation_edited':
      return {
        actualOutcome: `${f.deskOrders}: notional ${f.deskNotional}, fees ${f.deskFees}`,
        automaticOutcome: `${f.orders}: notional ${f.notional}, fees ${f.fees}`,
        actualCost: f.deskFees!,
        automaticCost: f.fees!,
        difference: diff(f.deskFees!, f.fees!),
      };
    case 'off_band_fill':
      return {
        actualOutcome: `filled at ${f.price}: notional ${f.fillNotional}`,
        automaticOutcome: `at the mark ${f.mark}: notional ${f.markNotional}`,
        actualCost: f.costAgainstMark!,
        automaticCost: '0',
        difference: f.costAgainstMark!,
      };
    case 'recovery_tools':
      return { actualOutcome: `uncovered ${f.uncovered} (${f.tools || 'no tools'})`, automaticOutcome: `uncovered ${f.automaticUncovered} (${f.automaticTools})`, actualCost: f.uncovered!, automaticCost: f.automaticUncovered!, difference: diff(f.uncovered!, f.automaticUncovered!) };
    case 'auction_award':
      return { actualOutcome: `auction loss ${f.loss}`, automaticOutcome: o.automatic, actualCost: f.loss!, automaticCost: f.automaticLoss!, difference: diff(f.loss!, f.automaticLoss!) };
    case 'breaker_reset':
      return { actualOutcome: `automation may execute ${f.instrument} proposals again`, automaticOutcome: `${f.instrument} held for the desk`, actualCost: null, automaticCost: null, difference: null };
    case 'automation_switch':
      return { actualOutcome: `switch ${f.now}`, automaticOutcome: `switch ${f.was}`, actualCost: null, automaticCost: null, difference: null };
  }
}

export function overridesIn(ctx: CommandContext, from: string, to: string): OverrideRow[] {
  const rows: OverrideRow[] = [];
  // The text narrows the scan (an override's result names it); overrideOf decides.
  for (const e of scanJournal(ctx.db, { from, to, contains: ['"override"'], newestFirst: false })) {
    const o = overrideOf(e);
    if (!o) continue;
    rows.push({ seq: e.seq, at: e.at, actor: e.actor, ...o, ...outcomeOf(ctx.db, o, e.at) });
  }
  return rows;
}

export function overridesReport(ctx: CommandContext, input: InputOf<'overrides.report'>): OverridesReport {
  const from = normaliseTime(input.from, 'from');
  const to = normaliseTime(input.to, 'to');
  const rows = overridesIn(ctx, from, to);
  const total = rows.reduce((s, r) => (r.difference === null ? s : s.plus(r.difference)), new Decimal(0));
  return { from, to, asOf: ctx.now().toISOString(), rows, totalDifference: money(total) };
}
