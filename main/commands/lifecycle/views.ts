// What the console shows of the lifecycle: funding times paid (with what rounding left to the funding account),
// futures settled, one account's payments and closes, and the ladder of what falls due in the next 30 days.
import type { CommandContext } from '../context.ts';
import type { AccountLifecycleView, DeliveryRiskView, FundingEventView, LifecycleOverview } from '../../../shared/contractLifecycle.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { Instrument } from '../../engine/model.ts';
import { readAssets, readCollateral, readInstruments } from '../../ledger/bookRepo.ts';
import { readAccount } from '../../ledger/consoleRepo.ts';
import { expiryClosesOf, settlements, upcomingExpiries, positionsByMember } from '../../ledger/expiryRepo.ts';
import { fundingEvents, fundingHouseBalance, fundingPaymentsOf, upcomingFunding, type FundingEventRow } from '../../ledger/fundingRepo.ts';
import { markAtOrBefore } from '../../ledger/priceRepo.ts';
import { positionsIn } from '../../ledger/holdingsRepo.ts';
import { deliveriesOf, upcomingDeliveries } from '../../ledger/deliveryRepo.ts';
import { FUNDING_RATE_ONE, FUNDING_RATE_SCALE } from '../../engine/funding.ts';
import { formatAmount, formatUnits, unitsOf } from '../../../shared/units.ts';
import { ticksToPrice } from '../../csv/format.ts';
import { decToUnits, mulDec, toDec } from '../../csv/values.ts';
import { deliveryCash } from '../../engine/delivery.ts';
import { InputError } from '../../../shared/errors.ts';
import { optionExercisesOf, optionExpiries } from '../../ledger/optionRepo.ts';
import { optionExpiredView } from './options.ts';

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
  // Once per instrument: a perpetual has a funding time every few hours of the ladder's 30 days, and each count
  // reads every position in it (tens of thousands on the 100k book).
  const byMember = new Map<string, { member: string; positions: number }[]>();
  const membersOf = (instrument: string) => {
    let m = byMember.get(instrument);
    if (!m) byMember.set(instrument, (m = positionsByMember(ctx.db, instrument)));
    return m;
  };
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
    optionExpiries: optionExpiries(ctx.db, limit)
      .filter((o) => input.instrument === undefined || o.instrument === input.instrument)
      .map((o) => ({ ...optionExpiredView(o, insts.get(o.instrument)), settledAt: o.settledAt, actor: o.actor })),
    ladder: {
      from,
      to,
      expiries: upcomingExpiries(ctx.db, from, to).map((e) => ({ ...e, members: membersOf(e.instrument) })),
      funding: upcomingFunding(ctx.db, from, to).map((f) => ({ instrument: f.instrument, at: f.at, rate: rateOf(f.rate), members: membersOf(f.instrument) })),
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
    deliveries: deliveriesOf(ctx.db, input.account, limit).map((d) => ({
      instrument: d.instrument,
      asset: d.asset,
      quantity: formatUnits(d.quantity, assetScale(ctx, d.asset)),
      cash: formatAmount(d.cash),
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
    options: optionExercisesOf(ctx.db, input.account, limit).map((x) => ({
      instrument: x.instrument,
      settledAt: x.settledAt,
      quantity: qty(x.instrument, x.quantity),
      underlyingPrice: x.underlyingPrice,
      lots: qty(x.instrument, x.lots),
      into: x.into,
      underlyingQuantity: x.into === null ? '0' : qty(x.into, x.underlyingLots),
      cash: formatAmount(x.cash),
      realised: formatAmount(x.realised),
    })),
  };
}

function assetScale(ctx: CommandContext, asset: string): number {
  return readAssets(ctx.db).find((a) => a.id === asset)?.quantityScale ?? 0;
}

/**
 * The delivery-risk view: each position in a physically delivered future expiring in the next days, what it will
 * deliver or receive, its cash at the latest mark, and what a deliverer lacks of the asset now.
 */
export function deliveryRisk(ctx: CommandContext, input: InputOf<'lifecycle.deliveries'>): DeliveryRiskView {
  const now = ctx.now();
  const from = now.toISOString();
  const to = new Date(now.getTime() + (input.days ?? 7) * 86_400_000).toISOString();
  const insts = instrumentsById(ctx);
  const due: DeliveryRiskView['due'] = [];
  for (const d of upcomingDeliveries(ctx.db, from, to)) {
    const inst = insts.get(d.instrument)!;
    const scale = assetScale(ctx, d.asset);
    const perLot = decToUnits(mulDec(toDec(inst.lot), toDec(inst.multiplier)), scale) ?? 0n;
    const mark = markAtOrBefore(ctx.db, d.instrument, from);
    for (const p of positionsIn(ctx.db, d.instrument)) {
      const quantity = p.quantity * perLot;
      const holding = readCollateral(ctx.db, p.account).find((c) => c.asset === d.asset)?.quantity ?? 0n;
      const cash = mark ? deliveryCash(inst, p.quantity, mark.mark) : 0n;
      const short = quantity < 0n && holding < -quantity ? -quantity - (holding > 0n ? holding : 0n) : 0n;
      due.push({
        instrument: d.instrument,
        expiry: d.expiry,
        asset: d.asset,
        account: p.account,
        member: readAccount(ctx.db, p.account)?.member ?? '',
        quantity: formatUnits(quantity, scale),
        cash: formatAmount(cash),
        holding: formatUnits(holding, scale),
        short: formatUnits(short, scale),
      });
    }
  }
  return { from, to, due };
}
