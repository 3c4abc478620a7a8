// What the console shows of the lifecycle: funding times paid (with what rounding left to the funding account),
// futures settled, one account's payments and closes, and the ladder of what falls due in the next 30 days.
import type { CommandContext } from '../context.ts';
import type { AccountLifecycleView, FundingEventView, LifecycleOverview } from '../../../shared/contractLifecycle.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { Instrument } from '../../engine/model.ts';
import { readInstruments } from '../../ledger/bookRepo.ts';
import { readAccount } from '../../ledger/consoleRepo.ts';
import {
  expiryClosesOf,
  fundingEvents,
  fundingHouseBalance,
  fundingPaymentsOf,
  settlements,
  upcomingExpiries,
  upcomingFunding,
  positionsByMember,
  type FundingEventRow,
} from '../../ledger/lifecycleRepo.ts';
import { FUNDING_RATE_ONE, FUNDING_RATE_SCALE } from '../../engine/funding.ts';
import { formatAmount, formatUnits, unitsOf } from '../../../shared/units.ts';
import { ticksToPrice } from '../../csv/format.ts';
import { toDec } from '../../csv/values.ts';
import { InputError } from '../../../shared/errors.ts';

const LADDER_DAYS = 30;

function instrumentsById(ctx: CommandContext): Map<string, Instrument> {
  return new Map(readInstruments(ctx.db).map((i) => [i.id, i]));
}

const priceOf = (inst: Instrument | undefined, ticks: bigint): string => (inst ? ticksToPrice(ticks, toDec(inst.tick)) : String(ticks));
const rateOf = (r: bigint): string => formatUnits(r, FUNDING_RATE_SCALE);

/**
 * The residue is house less the exact funding of the book's net value (value_sum x rate), in micro-USD x 1e-10:
 * written exactly, as a decimal of USD.
 */
function residueOf(e: FundingEventRow): string {
  const exact = e.valueSum * e.rate; // micro-USD x 1e-10
  return formatUnits(e.house * FUNDING_RATE_ONE - exact, 6 + FUNDING_RATE_SCALE);
}

function eventView(e: FundingEventRow, inst: Instrument | undefined): FundingEventView {
  return {
    instrument: e.instrument,
    at: e.at,
    rate: rateOf(e.rate),
    mark: priceOf(inst, e.mark),
    markAt: e.markAt,
    positions: e.positions,
    debited: formatAmount(e.debited),
    credited: formatAmount(e.credited),
    house: formatAmount(e.house),
    paidAt: e.paidAt,
    actor: e.actor,
    residue: residueOf(e),
  };
}

export function lifecycleOverview(ctx: CommandContext, input: InputOf<'lifecycle.overview'>): LifecycleOverview {
  const limit = input.limit ?? 200;
  const insts = instrumentsById(ctx);
  const now = ctx.now();
  const from = now.toISOString();
  const to = new Date(now.getTime() + LADDER_DAYS * 86_400_000).toISOString();
  return {
    fundingAccount: formatAmount(fundingHouseBalance(ctx.db)),
    funding: fundingEvents(ctx.db, input.instrument ?? null, limit).map((e) => eventView(e, insts.get(e.instrument))),
    settlements: settlements(ctx.db, limit)
      .filter((s) => input.instrument === undefined || s.instrument === input.instrument)
      .map((s) => ({
        instrument: s.instrument,
        expiry: s.expiry,
        price: priceOf(insts.get(s.instrument), s.price),
        rule: s.rule,
        priceAt: s.priceAt,
        positions: s.positions,
        realised: formatAmount(s.realised),
        settledAt: s.settledAt,
        actor: s.actor,
      })),
    ladder: {
      from,
      to,
      expiries: upcomingExpiries(ctx.db, from, to).map((e) => ({ ...e, members: positionsByMember(ctx.db, e.instrument) })),
      funding: upcomingFunding(ctx.db, from, to).map((f) => ({ instrument: f.instrument, at: f.at, rate: rateOf(f.rate), members: positionsByMember(ctx.db, f.instrument) })),
    },
  };
}

export function accountLifecycle(ctx: CommandContext, input: InputOf<'lifecycle.account'>): AccountLifecycleView {
  if (!readAccount(ctx.db, input.account)) throw new InputError(`no account "${input.account}"`, { field: 'account' });
  const limit = input.limit ?? 200;
  const insts = instrumentsById(ctx);
  const qty = (id: string, lots: bigint) => {
    const inst = insts.get(id);
    return inst ? unitsOf(lots, inst.lot) : String(lots);
  };
  return {
    account: input.account,
    funding: fundingPaymentsOf(ctx.db, input.account, limit).map((p) => ({
      instrument: p.instrument,
      at: p.at,
      quantity: qty(p.instrument, p.quantity),
      value: formatAmount(p.value),
      rate: rateOf(p.rate),
      mark: priceOf(insts.get(p.instrument), p.mark),
      amount: formatAmount(p.amount),
    })),
    expiries: expiryClosesOf(ctx.db, input.account, limit).map((c) => ({
      instrument: c.instrument,
      settledAt: c.settledAt,
      quantity: qty(c.instrument, c.quantity),
      price: priceOf(insts.get(c.instrument), c.price),
      rule: c.rule,
      realised: formatAmount(c.realised),
      cash: formatAmount(c.cash),
    })),
  };
}
