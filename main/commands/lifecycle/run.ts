// The instrument lifecycle as of a time (issue 18): every future expired by then settles at its final settlement
// price, and every funding time due by then is paid, each exactly once (the ledger's keys refuse a second time).
// Options expiring by then are exercised and assigned, or expire (options.ts). Expiry is never refused for a
// position limit: a limit the exercise or assignment takes an account over (or further over) is listed in the result
// (limitBreaches) naming the limit, the value and the account; a cycle's dashboard raises each as an alert.
// Runs inside the caller's transaction: a margin cycle's first step, or the lifecycle.run command.
//
// Final settlement price (the documented rule): the imported one (a settlement-prices file), or else the
// instrument's last mark at or before its expiry. With neither, the future stays open and is listed as unsettled.
// Funding is paid on the positions held when it is paid, valued at the last mark at or before the funding time; a
// funding time with no such mark waits (listed as unpriced). Both settle in the account's USD holding: realised P&L
// (an isolated position's margin comes back with it), and funding (for isolated positions too: their posted margin
// stays as posted). A physically delivered future (a deliveries file) also exchanges the asset for its value at the
// settlement price: the long receives quantity x multiplier units and pays, the short delivers and is paid.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Instrument } from '../../engine/model.ts';
import type { ExpirySettled, FundingPaid, LifecycleResult } from '../../../shared/contractLifecycle.ts';
import { readAssets, readInstruments, readPolicy } from '../../ledger/bookRepo.ts';
import { liveLiquidationsIn, setLiquidation, addLiquidationEvent } from '../../ledger/liquidationRepo.ts';
import { writePosition, addCollateral, positionsIn } from '../../ledger/holdingsRepo.ts';
import { dueExpiries, importedSettlementPrice, insertExpiryClose, insertSettlement, type DueExpiry } from '../../ledger/expiryRepo.ts';
import { dueFunding, insertFundingEvent, insertFundingPayment, type DueFunding } from '../../ledger/fundingRepo.ts';
import { markAtOrBefore } from '../../ledger/priceRepo.ts';
import { deliveryAssetOf, insertDelivery } from '../../ledger/deliveryRepo.ts';
import { settlementAt } from '../liquidations/execute.ts';
import { expireOption } from './options.ts';
import { limitWatch } from './limits.ts';
import { cashToQuantity, closeEffect, type Settlement } from '../../engine/closeMath.ts';
import { lotsValue } from '../../engine/lotValue.ts';
import { deliveryCash } from '../../engine/delivery.ts';
import { fundingAmounts, FUNDING_RATE_SCALE } from '../../engine/funding.ts';
import { formatAmount, formatUnits } from '../../../shared/units.ts';
import { ticksToPrice } from '../../csv/format.ts';
import { decToUnits, mulDec, toDec } from '../../csv/values.ts';
import { normaliseTime } from '../../../shared/time.ts';
import { RuleError } from '../../../shared/errors.ts';

const NO_FEES = { liquidationFeeRate: 0n, insuranceFeeRate: 0n } as const;

const price = (inst: Instrument, ticks: bigint): string => ticksToPrice(ticks, toDec(inst.tick));

/** Whether anything happened: a cycle reports the lifecycle only then. */
export function lifecycleDidAnything(r: LifecycleResult): boolean {
  return r.settled.length + (r.options?.length ?? 0) + r.unsettled.length + r.funding.length + r.unpriced.length > 0;
}

export function runLifecycle(ctx: CommandContext, asOf: string): LifecycleResult {
  const { db } = ctx;
  const expiries = dueExpiries(db, asOf);
  const options = dueExpiries(db, asOf, 'option');
  const funding = dueFunding(db, asOf);
  const result: LifecycleResult = { at: asOf, settled: [], unsettled: [], funding: [], unpriced: [] };
  if (expiries.length === 0 && options.length === 0 && funding.length === 0) return result;
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  const settlement = settlementAt(db, asOf);
  const now = ctx.now().toISOString();
  // In the order they expired, a future before an option expiring with it: an option settles against its future's
  // price when they expire together, and what it exercises into a future that expires later settles with that future.
  const due = [...expiries.map((e) => ({ e, option: false })), ...options.map((e) => ({ e, option: true }))].sort(
    (a, b) => (a.e.expiry < b.e.expiry ? -1 : a.e.expiry > b.e.expiry ? 1 : Number(a.option) - Number(b.option)),
  );
  // Expiry is never refused for a limit: what the exercise and assignment do to the holders' limits is listed after.
  const watch = options.length > 0 && !ctx.noLimitWatch ? limitWatch(db, options.flatMap((o) => positionsIn(db, o.instrument).map((p) => p.account)), asOf) : null;
  for (const { e, option } of due) {
    const inst = instruments.get(e.instrument)!;
    if (option) expireOption(db, ctx.actor.name, now, inst, instruments, e, settlement, result);
    else settleExpiry(db, ctx.actor.name, now, inst, e, settlement, result);
  }
  const breaches = watch?.breaches() ?? [];
  if (breaches.length > 0) result.limitBreaches = breaches;
  if (funding.length > 0) {
    const step = moneyStep(db, settlement);
    for (const f of funding) payFunding(db, ctx.actor.name, now, instruments.get(f.instrument)!, f, settlement, step, result);
  }
  return result;
}

/** The lifecycle.run command: not after now, like a cycle. */
export function lifecycleCommand(ctx: CommandContext, input: { at?: string | undefined }): LifecycleResult {
  const now = ctx.now().toISOString();
  const at = input.at ? normaliseTime(input.at) : now;
  if (at > now) throw new RuleError('lifecycle_in_future', `the lifecycle cannot run as of ${at}, after now (${now}): nothing has expired or fallen due then yet`);
  return runLifecycle(ctx, at);
}

/** Funding moves whole money steps: the policy's amount scale, or the cash holding's, whichever is coarser. */
function moneyStep(db: Database, s: Settlement): bigint {
  const scale = Math.min(readPolicy(db).amountScale, s.asset.quantityScale, 6);
  return 10n ** BigInt(6 - scale);
}

function settleExpiry(db: Database, actor: string, now: string, inst: Instrument, e: DueExpiry, settlement: Settlement, out: LifecycleResult): void {
  const imported = importedSettlementPrice(db, e.instrument);
  const last = imported === undefined ? markAtOrBefore(db, e.instrument, e.expiry) : undefined;
  const ticks = imported ?? last?.mark;
  if (ticks === undefined || ticks <= 0n) {
    out.unsettled.push({ instrument: e.instrument, expiry: e.expiry, why: `no settlement price imported and no mark at or before its expiry ${e.expiry}` });
    return;
  }
  const delivery = deliveryOf(db, inst);
  if (typeof delivery === 'string') {
    out.unsettled.push({ instrument: e.instrument, expiry: e.expiry, why: delivery });
    return;
  }
  const positions = positionsIn(db, e.instrument);
  let realised = 0n;
  const closes = positions.map((p) => {
    const effect = closeEffect({ quantity: p.quantity, entryValue: p.entryValue, close: p.quantity, price: ticks, inst, policy: { ...NO_FEES, amountScale: 0 } });
    // An isolated position's margin comes back with its P&L; the account owes what that leaves below zero.
    const cash = effect.realised + (p.isolatedMargin ?? 0n);
    realised += effect.realised;
    return { p, realised: effect.realised, cash };
  });
  insertSettlement(db, {
    instrument: e.instrument,
    expiry: e.expiry,
    price: ticks,
    rule: imported !== undefined ? 'imported' : 'last_mark',
    priceAt: imported !== undefined ? null : last!.at,
    settledAt: now,
    actor,
    positions: positions.length,
    realised,
  });
  for (const c of closes) {
    writePosition(db, { account: c.p.account, instrument: e.instrument, closed: true });
    addCollateral(db, c.p.account, settlement.asset.id, cashToQuantity(settlement, c.cash));
    insertExpiryClose(db, { instrument: e.instrument, account: c.p.account, quantity: c.p.quantity, entryValue: c.p.entryValue, realised: c.realised, cash: c.cash });
    if (delivery) deliver(db, inst, delivery, c.p.account, c.p.quantity, ticks, settlement);
  }
  // A live liquidation proposal with an order in the future has nothing left to close there: it is superseded, and
  // the next cycle proposes again from what the account now holds.
  for (const l of liveLiquidationsIn(db, e.instrument)) {
    setLiquidation(db, l.id, { status: 'superseded' }, now);
    addLiquidationEvent(db, l.id, { at: now, actor, kind: 'superseded', note: `${e.instrument} settled at expiry at ${price(inst, ticks)}: its order there has nothing left to close`, detail: JSON.stringify({ settled: e.instrument }) });
  }
  const settled: ExpirySettled = {
    instrument: e.instrument,
    expiry: e.expiry,
    price: price(inst, ticks),
    rule: imported !== undefined ? 'imported' : 'last_mark',
    priceAt: imported !== undefined ? null : last!.at,
    positions: positions.length,
    realised: formatAmount(realised),
  };
  out.settled.push(settled);
}

/**
 * How a future settles: null in cash; a physically delivered one's asset and units per lot; or why it cannot settle
 * (a lot that is not a whole number of the asset's units, after the asset's scale changed).
 */
function deliveryOf(db: Database, inst: Instrument): { asset: string; perLot: bigint } | null | string {
  const asset = deliveryAssetOf(db, inst.id);
  if (asset === undefined) return null;
  const scale = readAssets(db).find((a) => a.id === asset)!.quantityScale;
  const perLot = decToUnits(mulDec(toDec(inst.lot), toDec(inst.multiplier)), scale);
  return perLot === null ? `one lot delivers ${inst.lot} x ${inst.multiplier} ${asset}, finer than its ${scale} decimal places` : { asset, perLot };
}

/**
 * The delivery leg of a physically delivered position closed at `price`: the long receives its quantity of the asset
 * and pays its value (rounded up: demanded), the short delivers and is paid (rounded down: paid out). A short without
 * the asset is left holding less than none: the delivery-risk view shows that coming.
 */
function deliver(db: Database, inst: Instrument, d: { asset: string; perLot: bigint }, account: string, lots: bigint, price: bigint, settlement: Settlement): void {
  const cash = deliveryCash(inst, lots, price);
  const quantity = lots * d.perLot;
  addCollateral(db, account, d.asset, quantity);
  addCollateral(db, account, settlement.asset.id, cashToQuantity(settlement, cash));
  insertDelivery(db, { instrument: inst.id, account, asset: d.asset, quantity, cash });
}

function payFunding(db: Database, actor: string, now: string, inst: Instrument, f: DueFunding, settlement: Settlement, step: bigint, out: LifecycleResult): void {
  const mark = markAtOrBefore(db, f.instrument, f.at);
  if (!mark || mark.mark <= 0n) {
    out.unpriced.push({ instrument: f.instrument, at: f.at });
    return;
  }
  const positions = positionsIn(db, f.instrument);
  const values = positions.map((p) => lotsValue(inst, p.quantity, mark.mark));
  const paid = fundingAmounts(values, f.rate, step);
  const valueSum = values.reduce((a, b) => a + b, 0n);
  insertFundingEvent(db, {
    instrument: f.instrument,
    at: f.at,
    rate: f.rate,
    mark: mark.mark,
    markAt: mark.at,
    paidAt: now,
    actor,
    positions: positions.length,
    valueSum,
    debited: paid.debited,
    credited: paid.credited,
    house: paid.house,
  });
  positions.forEach((p, k) => {
    const amount = paid.amounts[k]!;
    insertFundingPayment(db, { instrument: f.instrument, at: f.at, account: p.account, quantity: p.quantity, value: values[k]!, amount, isolated: p.isolatedMargin !== null });
    addCollateral(db, p.account, settlement.asset.id, cashToQuantity(settlement, amount));
  });
  const row: FundingPaid = {
    instrument: f.instrument,
    at: f.at,
    rate: formatUnits(f.rate, FUNDING_RATE_SCALE),
    mark: price(inst, mark.mark),
    markAt: mark.at,
    positions: positions.length,
    debited: formatAmount(paid.debited),
    credited: formatAmount(paid.credited),
    house: formatAmount(paid.house),
  };
  out.funding.push(row);
}
