// Options at expiry (issue 18), a step of the instrument lifecycle after the futures have settled, in the caller's
// transaction. The documented rules (docs/csv-formats.md, settlement-prices):
// - The underlying's final settlement price: a price imported for the option itself (an index option has no other);
//   else, when the underlying future settles with or before the option, its final settlement price; else the
//   underlying instrument's last mark at or before the option's expiry. With none, the option stays open and is
//   listed as not settled.
// - In the money (a call above the strike, a put below; at the strike it is not): every long lot is exercised, and
//   the exercised lots are assigned to the shorts by the policy's method (engine/assignment.ts). An option on an
//   instrument that is still trading exercises into it: the long call (the assigned short put) takes a long position at
//   the strike, the long put (the assigned short call) a short one; the option itself closes at nothing, so its
//   premium is realised. An option whose underlying has expired, or an index option, settles in cash: each exercised
//   lot receives its intrinsic value and each assigned lot pays it (the value floored: paid out down, owed up).
// - Out of the money, and short lots left unassigned: the positions expire worthless (the premium is realised).
// An isolated option position's margin comes back to the USD holding with it, as a future's does at settlement.
import type { Database } from 'better-sqlite3';
import type { Instrument, Position } from '../../engine/model.ts';
import type { LifecycleResult, OptionExpired } from '../../../shared/contractLifecycle.ts';
import { readPolicy, readPositions } from '../../ledger/bookRepo.ts';
import { liveLiquidationsIn, setLiquidation, addLiquidationEvent } from '../../ledger/liquidationRepo.ts';
import { writePosition, addCollateral, insertPosition, positionsIn } from '../../ledger/holdingsRepo.ts';
import { importedSettlementPrice, settlementOf, type DueExpiry } from '../../ledger/expiryRepo.ts';
import { markAtOrBefore } from '../../ledger/priceRepo.ts';
import { insertOptionExercise, insertOptionExpiry, readAssignmentPolicy, type OptionExpiryRow } from '../../ledger/optionRepo.ts';
import { cashToQuantity, type Settlement } from '../../engine/closeMath.ts';
import { assign, drawSeed } from '../../engine/assignment.ts';
import { exerciseTerms, formatFraction, intrinsic, ticksPrice, valueAt, type Fraction } from '../../engine/optionExpiry.ts';
import { mergeInto } from '../../engine/mergePosition.ts';
import { lotsValue } from '../../engine/lotValue.ts';
import { unitsOf } from '../../../shared/units.ts';

interface UnderlyingPrice {
  price: Fraction;
  rule: OptionExpiryRow['rule'];
  priceAt: string | null;
}

/** The underlying's final settlement price by the documented rule, or why there is none. */
function underlyingPrice(db: Database, opt: Instrument, under: Instrument | undefined, expiry: string): UnderlyingPrice | string {
  const imported = importedSettlementPrice(db, opt.id);
  if (imported !== undefined) return { price: ticksPrice(imported, opt.tick), rule: 'imported', priceAt: null };
  if (!under) return `an option on ${opt.underlying} with no underlying instrument settles only at a price imported for it (settlement-prices)`;
  if (under.expiry !== null && under.expiry <= expiry) {
    const s = settlementOf(db, under.id);
    return s ? { price: ticksPrice(s.price, under.tick), rule: 'underlying_settlement', priceAt: null } : `its underlying future ${under.id} has not settled`;
  }
  const m = markAtOrBefore(db, under.id, expiry);
  if (!m || m.mark <= 0n) return `no price imported for it and no mark of ${under.id} at or before its expiry ${expiry}`;
  return { price: ticksPrice(m.mark, under.tick), rule: 'underlying_mark', priceAt: m.at };
}

/** Adds `q` lots of `into` at the strike to an account's holding, realising any part it nets out at the strike. */
function takeUnderlying(db: Database, account: string, into: Instrument, q: bigint, strike: bigint, settlement: Settlement): void {
  const held = readPositions(db, account).find((p) => p.instrument === into.id);
  const merged = mergeInto(held, account, into, q, lotsValue(into, q, strike), strike, readPolicy(db));
  if (!held) insertPosition(db, { account, instrument: into.id, quantity: q, entryValue: merged.position!.entryValue });
  else writePosition(db, merged.position ?? { account, instrument: into.id, closed: true });
  addCollateral(db, account, settlement.asset.id, cashToQuantity(settlement, merged.cash));
}

export function expireOption(db: Database, actor: string, now: string, opt: Instrument, instruments: Map<string, Instrument>, due: DueExpiry, settlement: Settlement, out: LifecycleResult): void {
  const terms = opt.option!;
  const under = terms.underlyingInstrument === null ? undefined : instruments.get(terms.underlyingInstrument);
  const s = underlyingPrice(db, opt, under, due.expiry);
  const unsettled = (why: string) => out.unsettled.push({ instrument: opt.id, expiry: due.expiry, why });
  if (typeof s === 'string') return void unsettled(s);
  const value = intrinsic(terms.right, ticksPrice(terms.strike, opt.tick), s.price);
  const itm = value.num > 0n;
  // Into the instrument while it trades on after the option; in cash when it expires with it, or there is none.
  const into = under && (under.expiry === null || under.expiry > due.expiry) ? under : null;
  const exercise = into ? exerciseTerms({ ...opt, strike: terms.strike }, into) : null;
  if (typeof exercise === 'string') return void unsettled(exercise);

  const positions = positionsIn(db, opt.id);
  const longs = positions.filter((p) => p.quantity > 0n);
  const shorts = positions.filter((p) => p.quantity < 0n);
  const exercised = itm ? longs.reduce((a, p) => a + p.quantity, 0n) : 0n;
  const policy = readAssignmentPolicy(db);
  const seed = drawSeed(policy.seed, opt.id);
  const assigned = assign(exercised, shorts.map((p) => -p.quantity), policy.method, seed);
  const lotsOf = new Map<Position, bigint>([...longs.map((p): [Position, bigint] => [p, itm ? p.quantity : 0n]), ...shorts.map((p, i): [Position, bigint] => [p, assigned[i]!])]);
  const totalAssigned = assigned.reduce((a, b) => a + b, 0n);

  const row: OptionExpiryRow = {
    instrument: opt.id,
    expiry: due.expiry,
    underlyingPrice: formatFraction(s.price),
    rule: s.rule,
    priceAt: s.priceAt,
    inTheMoney: itm,
    settles: exercise ? 'exercise' : 'cash',
    into: exercise ? into!.id : null,
    method: policy.method,
    seed: policy.method === 'random' ? seed.toString() : null,
    exercised,
    assigned: totalAssigned,
    settledAt: now,
    actor,
    positions: positions.length,
  };
  insertOptionExpiry(db, row);
  for (const p of positions) {
    const lots = lotsOf.get(p)!;
    const signed = p.quantity > 0n ? lots : -lots;
    // Exercised or assigned lots: in cash at the intrinsic value, or into the underlying (the option closes at nothing).
    const cash = exercise || lots === 0n ? 0n : valueAt(opt, signed, value);
    const realised = cash - p.entryValue;
    const underlyingLots = exercise && lots > 0n ? signed * exercise.perLot * (terms.right === 'call' ? 1n : -1n) : 0n;
    writePosition(db, { account: p.account, instrument: opt.id, closed: true });
    addCollateral(db, p.account, settlement.asset.id, cashToQuantity(settlement, realised + (p.isolatedMargin ?? 0n)));
    if (underlyingLots !== 0n) takeUnderlying(db, p.account, into!, underlyingLots, exercise!.strike, settlement);
    insertOptionExercise(db, { instrument: opt.id, account: p.account, quantity: p.quantity, entryValue: p.entryValue, lots, underlyingLots, cash, realised });
  }
  for (const l of liveLiquidationsIn(db, opt.id)) {
    setLiquidation(db, l.id, { status: 'superseded' }, now);
    addLiquidationEvent(db, l.id, { at: now, actor, kind: 'superseded', note: `${opt.id} expired: its order there has nothing left to close`, detail: JSON.stringify({ expired: opt.id }) });
  }
  (out.options ??= []).push(optionExpiredView(row, opt));
}

export function optionExpiredView(r: OptionExpiryRow, opt: Instrument | undefined): OptionExpired {
  const qty = (lots: bigint) => (opt ? unitsOf(lots, opt.lot) : String(lots));
  return {
    instrument: r.instrument,
    expiry: r.expiry,
    underlyingPrice: r.underlyingPrice,
    rule: r.rule,
    priceAt: r.priceAt,
    inTheMoney: r.inTheMoney,
    settles: r.settles,
    into: r.into,
    method: r.method,
    seed: r.seed,
    exercised: qty(r.exercised),
    assigned: qty(r.assigned),
    positions: r.positions,
  };
}
