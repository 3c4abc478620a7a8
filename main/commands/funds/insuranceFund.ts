// The insurance fund as a layer in front of default management: what it holds against its floor (policy
// insuranceFundFloor), the shortfalls liquidations left, and a draw that covers one of them, in full or as far as the
// fund goes; what it cannot cover stays an open shortfall for the member's default case. A draw is money leaving the
// fund: the contract holds it for a second supervisor (approvals.ts), and it runs against the fund as it is then.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { Alert, FundEntryView, InputOf } from '../../../shared/contract.ts';
import type { InsuranceFundView } from '../../../shared/contractFunds.ts';
import { fundBalance, fundEntries } from '../../ledger/fundRepo.ts';
import { openShortfalls, shortfallById } from '../../ledger/shortfallRepo.ts';
import { insuranceFundFloor, drawOnShortfall } from '../../ledger/insuranceFundRepo.ts';
import { formatAmount } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';

export function insuranceFundView(db: Database): InsuranceFundView {
  const balance = fundBalance(db, 'insurance');
  const floor = insuranceFundFloor(db);
  const open = openShortfalls(db);
  const total = open.reduce((s, x) => s + x.amount, 0n);
  const room = balance > 0n ? balance : 0n;
  return {
    balance: formatAmount(balance),
    floor: formatAmount(floor),
    belowFloor: balance < floor,
    openShortfalls: open.map((s) => ({ id: s.id, account: s.account, member: s.member, liquidation: s.liquidation, amount: formatAmount(s.amount), at: s.at })),
    openTotal: formatAmount(total),
    drawable: formatAmount(total < room ? total : room),
  };
}

export function insuranceFundCommand(ctx: CommandContext): InsuranceFundView {
  return insuranceFundView(ctx.db);
}

/** funds.history: a fund's entries, newest first, each with the balance after it. */
export function fundsHistory(ctx: CommandContext, input: InputOf<'funds.history'>): FundEntryView[] {
  return fundEntries(ctx.db, input.fund, input.limit ?? 200).map((e) => ({
    id: e.id,
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    amount: formatAmount(e.amount),
    balance: formatAmount(e.balance),
    liquidation: e.liquidation,
    note: e.note,
  }));
}

/** The shortfall a draw covers, and what it would take now; refused (naming the shortfall) when there is nothing to draw. */
function plannedDraw(db: Database, input: InputOf<'funds.draw'>): { s: NonNullable<ReturnType<typeof shortfallById>>; drawn: bigint; balance: bigint } {
  const s = shortfallById(db, input.shortfall);
  if (!s) throw new InputError(`no shortfall ${input.shortfall}`, { field: 'shortfall' });
  if (s.status !== 'open') throw new RuleError('not_open', `shortfall ${s.id} of account ${s.account} is ${s.status}: a draw covers only an open shortfall`);
  const balance = fundBalance(db, 'insurance');
  if (balance <= 0n) throw new RuleError('fund_empty', `the insurance fund holds ${formatAmount(balance)}: nothing to draw for shortfall ${s.id} (${formatAmount(s.amount)})`);
  return { s, drawn: s.amount < balance ? s.amount : balance, balance };
}

/** What approvals.ts records for a held draw. */
export function describeDraw(db: Database, input: InputOf<'funds.draw'>): { subject: string; summary: string; view: (db: Database) => InsuranceFundView } {
  const { s, drawn } = plannedDraw(db, input);
  const part = drawn === s.amount ? 'in full' : `${formatAmount(drawn)} of it (what the fund holds)`;
  return {
    subject: `shortfall:${s.id}`,
    summary: `cover shortfall ${s.id} of account ${s.account} (${formatAmount(s.amount)}) from the insurance fund, ${part}: ${input.reason}`,
    view: insuranceFundView,
  };
}

/** funds.draw, as a second supervisor confirmed it (asked for, approvals.ts runs it rolled back and holds it). */
export function drawCommand(ctx: CommandContext, input: InputOf<'funds.draw'>): Handled<'funds.draw'> {
  const { db } = ctx;
  const { s, drawn, balance } = plannedDraw(db, input);
  const at = ctx.now().toISOString();
  const remainder = drawOnShortfall(db, s, drawn, at, ctx.actor.name, input.reason);
  const after = insuranceFundView(db);
  return {
    output: after,
    journal: {
      result: {
        shortfall: s.id,
        account: s.account,
        drawn: formatAmount(drawn),
        remainder: remainder === null ? null : { shortfall: remainder, amount: formatAmount(s.amount - drawn) },
        balanceBefore: formatAmount(balance),
        balanceAfter: after.balance,
        belowFloor: after.belowFloor,
      },
    },
  };
}

/** The dashboard's alerts on the fund: depleted below its floor, or open shortfalls beyond what it holds. */
export function insuranceFundAlerts(db: Database, at: string): Alert[] {
  const v = insuranceFundView(db);
  const out: Alert[] = [];
  if (v.belowFloor) {
    out.push({ at, level: 'critical', text: `insurance fund depleted: it holds ${v.balance}, below its floor of ${v.floor} (policy insuranceFundFloor)` });
  }
  if (v.openShortfalls.length > 0 && v.openTotal !== v.drawable) {
    out.push({ at, level: 'warning', text: `open shortfalls of ${v.openTotal} exceed what the insurance fund can cover (${v.drawable}): the rest falls to default management` });
  }
  return out;
}
