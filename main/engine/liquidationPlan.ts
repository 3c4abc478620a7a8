// The liquidation planner (methodology §7): for an account in status `liquidation` (or `bankrupt`, or forced by an
// overdue call), the partial closes that restore equity >= targetHealth x MM in each margin unit that needs it.
//
// Per unit, positions go largest maintenance contribution first; for each, the smallest whole number of lots after
// which the target holds, given the estimated price (slippage or impact table) and the fees, capped at the whole
// position; then the next position. An isolated position is its own unit and is planned on its own; a fully closed
// isolated position hands its remaining margin to the cross unit's settlement holding before the cross unit is
// planned. Everything here is exact integers: a float only seeds the search (closed form of Drift's rule), every
// decision is the exact predicate.
//
// A cross unit holding portfolio-margined (SPAN-style) legs is planned on its scanned requirement: a leg's
// maintenance contribution is the unit's MM less its MM without that leg, and each candidate close of a leg is
// judged with the unit's combined commodities scanned again at that quantity (scannedClose.ts).
import type { AccountStatus, Collateral, Instrument, Policy, Position, Book, SpreadDefinition } from './model.ts';
import { STATUS_RANK } from './results.ts';
import { tieredRequirement, tierCums, type TierCum } from './tierMath.ts';
import { unitStatusExact } from './exactAccount.ts';
import { bankruptcyValue, bankruptcyPricePerUnit } from './bankruptcyPrice.ts';
import { closeEffect, estimatedPrice, cashToQuantity, settlementValue, settlesAtPar, SETTLEMENT_ASSET, type Settlement, type CloseEffect } from './closeMath.ts';
import { segments, nonNegative, asHealthy, type Segment } from './closeEnvelope.ts';
import { checkRange, divRound, formatUnits, roundAmountToScale } from '../../shared/units.ts';
import { lotsNotional, lotsValue } from './lotValue.ts';
import { heldRisk, type InstrumentRisk } from './portfolio/riskArrays.ts';
import { accountCommodities } from './portfolio/scan.ts';
import { scannedClose } from './scannedClose.ts';

export interface PlanContext {
  policy: Policy;
  instruments: Map<string, Instrument>;
  cums: Map<string, TierCum[]>;
  marks: Map<string, bigint>;
  settlement: Settlement | null;
  /** Risk arrays of the portfolio-margined instruments (empty in an all-tiered book) and the spread definitions. */
  risk: Map<string, InstrumentRisk>;
  spreads: readonly SpreadDefinition[];
  /** A portfolio leg of up to this many lots has every lot count tried (scannedClose.ts). */
  scanEveryLot: bigint;
}

export function planContext(book: Pick<Book, 'policy' | 'instruments' | 'assets' | 'marks' | 'assetPrices' | 'market' | 'positions'>): PlanContext {
  const asset = book.assets.find((a) => a.id === SETTLEMENT_ASSET);
  const price = book.assetPrices.get(SETTLEMENT_ASSET);
  const scanned = book.instruments.some((i) => i.margin === 'portfolio');
  return {
    policy: book.policy,
    instruments: new Map(book.instruments.map((i) => [i.id, i])),
    cums: new Map(book.instruments.map((i) => [i.id, tierCums(i.tiers)])),
    marks: book.marks,
    settlement: asset && price !== undefined ? { asset, price } : null,
    risk: scanned ? heldRisk(book) : new Map<string, InstrumentRisk>(),
    spreads: book.market?.spreads ?? [],
    scanEveryLot: 256n,
  };
}

export type ReasonCode = 'health' | 'bankrupt' | 'overdue_call' | 'circuit_breaker' | 'default';
export interface PlanReason {
  code: ReasonCode;
  /** 'cross' or the instrument of an isolated position. */
  unit: string;
  text: string;
}

export interface PlannedOrder {
  instrument: string;
  isolated: boolean;
  side: 'buy' | 'sell';
  /** Lots to close, > 0. */
  lots: bigint;
  /** The position before this order, signed lots. */
  positionLots: bigint;
  mark: bigint;
  /** Estimated fill price, ticks. */
  price: bigint;
  /** Closed notional at the estimated price, micro-USD. */
  notional: bigint;
  liquidationFee: bigint;
  insuranceFee: bigint;
  /** Bankruptcy price per unit of closing these lots (dYdX form), 8 places; null when it has none. */
  bankruptcyPrice: string | null;
}

export interface PlanFigures {
  equity: bigint;
  mm: bigint;
  im: bigint;
  status: AccountStatus;
  call: bigint | null;
}

export interface AccountPlan {
  account: string;
  reasons: PlanReason[];
  orders: PlannedOrder[];
  before: PlanFigures;
  after: PlanFigures;
  /** Every planned unit meets targetHealth after the orders, or has no positions left. */
  targetMet: boolean;
  /** Sum of the orders' closed notional at the estimated prices. */
  notional: bigint;
  /** Equity below zero left in units with no positions (a shortfall for default management), micro-USD >= 0. */
  shortfall: bigint;
}

/**
 * One account as the planner needs it: its positions and collateral, and its cross part's exact figures (from the
 * kernel or the BigInt path; an AccountResult will do). Each position's own figures are worked out here.
 */
export interface AccountInput {
  id: string;
  positions: readonly Position[];
  collateral: readonly Collateral[];
  cross: { equity: bigint; mm: bigint; im: bigint };
}

interface LivePos {
  instrument: string;
  inst: Instrument;
  cums: TierCum[];
  mark: bigint;
  q: bigint;
  entry: bigint;
  /** Tiered MM and IM of the position; 0 for a portfolio leg (its margin is its commodity's). */
  mm: bigint;
  im: bigint;
  portfolio: boolean;
}

interface Unit {
  key: string;
  isolated: boolean;
  equity: bigint;
  mm: bigint;
  im: bigint;
  /** Cross: the settlement holding (asset quantity units). Isolated: the position's margin (micro-USD). */
  cash: bigint;
  positions: LivePos[];
  /** MM and IM of the unit's combined commodities (included in mm and im). */
  commMm: bigint;
  commIm: bigint;
  /** Portfolio legs left open because every close of them left the unit less healthy. */
  kept: string[];
}

interface Trial {
  equity: bigint;
  mm: bigint;
  im: bigint;
  cash: bigint;
  q: bigint;
  entry: bigint;
  posMm: bigint;
  posIm: bigint;
  commMm: bigint;
  commIm: bigint;
  effect: CloseEffect;
  price: bigint;
}

const ONE = 1_000_000n;
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function meetsTarget(u: { equity: bigint; mm: bigint }, target: bigint): boolean {
  return u.mm === 0n ? u.equity >= 0n : u.equity * ONE >= target * u.mm;
}

function buildUnits(pc: PlanContext, input: AccountInput): { cross: Unit; isolated: Unit[] } {
  const r = input.cross;
  const settle = input.collateral.find((c) => c.asset === SETTLEMENT_ASSET);
  const cross: Unit = { key: 'cross', isolated: false, equity: r.equity, mm: r.mm, im: r.im, cash: settle?.quantity ?? 0n, positions: [], commMm: 0n, commIm: 0n, kept: [] };
  const isolated: Unit[] = [];
  for (const p of input.positions) {
    const inst = pc.instruments.get(p.instrument);
    const mark = pc.marks.get(p.instrument);
    if (!inst || mark === undefined) throw new RangeError(`account ${input.id}: no instrument or mark for ${p.instrument}`);
    if (p.quantity === 0n) continue;
    const cums = pc.cums.get(p.instrument)!;
    const portfolio = inst.margin === 'portfolio';
    const req = portfolio ? NO_REQUIREMENT : tieredRequirement(inst.tiers, lotsNotional(inst, p.quantity, mark), cums);
    const lp: LivePos = { instrument: p.instrument, inst, cums, mark, q: p.quantity, entry: p.entryValue, mm: req.mm, im: req.im, portfolio };
    if (p.isolatedMargin === null) cross.positions.push(lp);
    else {
      const equity = p.isolatedMargin + lotsValue(inst, p.quantity, mark) - p.entryValue;
      isolated.push({ key: p.instrument, isolated: true, equity, mm: req.mm, im: req.im, cash: p.isolatedMargin, positions: [lp], commMm: 0n, commIm: 0n, kept: [] });
    }
  }
  if (cross.positions.some((lp) => lp.portfolio)) ({ mm: cross.commMm, im: cross.commIm } = scanned(pc, cross.positions, null, 0n));
  return { cross, isolated };
}

const NO_REQUIREMENT = Object.freeze({ mm: 0n, im: 0n });

/**
 * MM and IM of the combined commodities of a unit's positions, with `lp` (when given) held at `q` lots instead:
 * every commodity scanned again, spreads formed again (a leg's close can change the credits of the others).
 */
function scanned(pc: PlanContext, positions: readonly LivePos[], lp: LivePos | null, q: bigint): { mm: bigint; im: bigint } {
  const held: Position[] = [];
  for (const x of positions) {
    if (!x.portfolio) continue;
    const quantity = x === lp ? q : x.q;
    if (quantity !== 0n) held.push({ account: '', instrument: x.instrument, quantity, entryValue: 0n, isolatedMargin: null });
  }
  let mm = 0n;
  let im = 0n;
  for (const c of accountCommodities(held, pc.instruments, pc.risk, pc.spreads)) {
    mm += c.mm;
    im += c.im;
  }
  return { mm, im };
}

/** The unit after closing `c` lots (signed like the position) of `lp` at `price` (estimated when omitted). */
function trial(pc: PlanContext, u: Unit, lp: LivePos, c: bigint, price?: bigint): Trial {
  const side = lp.q > 0n ? 1n : -1n;
  const p = price ?? estimatedPrice(lp.inst, lp.mark, c, side);
  const effect = closeEffect({ quantity: lp.q, entryValue: lp.entry, close: c, price: p, inst: lp.inst, policy: pc.policy });
  const q = lp.q - c;
  const entry = lp.entry - effect.portion;
  // Position values and notionals rounded once per position, as the evaluation rounds them (lotValue.ts).
  const upnlBefore = lotsValue(lp.inst, lp.q, lp.mark) - lp.entry;
  const upnlAfter = lotsValue(lp.inst, q, lp.mark) - entry;
  const req = lp.portfolio ? NO_REQUIREMENT : tieredRequirement(lp.inst.tiers, lotsNotional(lp.inst, q, lp.mark), lp.cums);
  const comm = lp.portfolio ? scanned(pc, u.positions, lp, q) : { mm: u.commMm, im: u.commIm };
  let cash: bigint;
  let equity: bigint;
  if (u.isolated) {
    cash = u.cash + effect.cash;
    equity = cash + upnlAfter;
  } else {
    cash = u.cash + cashToQuantity(pc.settlement, effect.cash);
    equity = u.equity - upnlBefore + upnlAfter + settlementValue(pc.settlement, cash) - settlementValue(pc.settlement, u.cash);
  }
  return {
    equity: checkRange(equity, `account equity after closing ${lp.instrument}`),
    mm: u.mm - lp.mm + req.mm - u.commMm + comm.mm,
    im: u.im - lp.im + req.im - u.commIm + comm.im,
    cash,
    q,
    entry,
    posMm: req.mm,
    posIm: req.im,
    commMm: comm.mm,
    commIm: comm.im,
    effect,
    price: p,
  };
}

function accept(t: Trial, target: bigint, isolated: boolean): boolean {
  // An isolated position left open must keep a margin >= 0 (it cannot draw on the account): close more instead.
  if (isolated && t.q !== 0n && t.cash < 0n) return false;
  return meetsTarget(t, target);
}

function applyTrial(u: Unit, lp: LivePos, t: Trial): void {
  u.equity = t.equity;
  u.mm = t.mm;
  u.im = t.im;
  u.cash = t.cash;
  u.commMm = t.commMm;
  u.commIm = t.commIm;
  lp.q = t.q;
  lp.entry = t.entry;
  lp.mm = t.posMm;
  lp.im = t.posIm;
}

/**
 * An order's bankruptcy price is worked out when it is read: planning every account after a crash makes tens of
 * thousands of orders, and the division and the 8-place formatting are for the desk's eyes (and the ledger's row),
 * not for the search.
 */
class Order implements PlannedOrder {
  readonly instrument: string;
  readonly isolated: boolean;
  readonly side: 'buy' | 'sell';
  readonly lots: bigint;
  readonly positionLots: bigint;
  readonly mark: bigint;
  readonly price: bigint;
  readonly notional: bigint;
  readonly liquidationFee: bigint;
  readonly insuranceFee: bigint;
  #bp: { dnnv: bigint; tnc: bigint; dmmr: bigint; tmmr: bigint; c: bigint; lot: string; multiplier: string } | null;
  #bpText: string | null | undefined = undefined;

  constructor(u: Unit, lp: LivePos, c: bigint, t: Trial) {
    this.instrument = lp.instrument;
    this.isolated = u.isolated;
    this.side = lp.q > 0n ? 'sell' : 'buy';
    this.lots = abs(c);
    this.positionLots = lp.q;
    this.mark = lp.mark;
    this.price = t.price;
    this.notional = t.effect.notional;
    this.liquidationFee = t.effect.liquidationFee;
    this.insuranceFee = t.effect.insuranceFee;
    // dYdX's inputs from what the trial already knows: DNNV and DMMR are the position's value and MM after minus before.
    this.#bp =
      u.mm > 0n
        ? { dnnv: lotsValue(lp.inst, lp.q - c, lp.mark) - lotsValue(lp.inst, lp.q, lp.mark), tnc: u.equity, dmmr: t.mm - u.mm, tmmr: u.mm, c, lot: lp.inst.lot, multiplier: lp.inst.multiplier }
        : null;
  }

  get bankruptcyPrice(): string | null {
    if (this.#bpText === undefined) {
      const b = this.#bp;
      this.#bpText = b && bankruptcyPricePerUnit({ value: bankruptcyValue(b), quantity: b.c, lot: b.lot, multiplier: b.multiplier });
    }
    return this.#bpText;
  }

  toJSON(): PlannedOrder {
    const { bankruptcyPrice } = this;
    return { ...this, bankruptcyPrice };
  }
}

function orderOf(u: Unit, lp: LivePos, c: bigint, t: Trial): PlannedOrder {
  return new Order(u, lp, c, t);
}

/** Lots tried one by one in a segment before the search assumes the rest of it is monotone (see firstIn). */
const WALK = 512n;

interface Choice {
  lots: bigint;
  t: Trial;
}

/** Health ordering of two after-states: > 0 when a is healthier. No MM left counts as +inf at equity >= 0, -inf below. */
function compareHealth(a: { equity: bigint; mm: bigint }, b: { equity: bigint; mm: bigint }): number {
  const rank = (x: { equity: bigint; mm: bigint }): number => (x.mm !== 0n ? 0 : x.equity >= 0n ? 1 : -1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra !== 0) return ra - rb;
  const l = a.equity * b.mm;
  const r = b.equity * a.mm;
  return l > r ? 1 : l < r ? -1 : 0;
}

/**
 * The close of one position (methodology §7): the smallest lots in [1, |q|] after which the unit meets the target.
 * The target test is not monotone in the lots (tiers of what remains, impact brackets of what is closed), so the
 * search goes segment by segment between those breakpoints, trying in each only the lots its exact envelope allows
 * (closeEnvelope.ts), smallest first. When no lots meet the target, the close that leaves the highest health; a unit
 * already below zero equity cannot be brought back by closing (every close costs slippage and fees), so its position
 * closes whole and what is left is a shortfall for default management.
 */
function chooseClose(pc: PlanContext, u: Unit, lp: LivePos): Choice {
  const n = abs(lp.q);
  const sign = lp.q > 0n ? 1n : -1n;
  // Most positions of a book after a crash belong to units already below zero: one trial, nothing else built.
  if (u.equity < 0n) return { lots: n, t: trial(pc, u, lp, sign * n) };
  const target = pc.policy.targetHealth;
  const memo = new Map<bigint, Trial>();
  const at = (k: bigint): Trial => {
    let t = memo.get(k);
    if (!t) memo.set(k, (t = trial(pc, u, lp, sign * k)));
    return t;
  };
  const ok = (k: bigint): boolean => accept(at(k), target, u.isolated);
  const segs = segments({
    inst: lp.inst,
    cums: lp.cums,
    q: lp.q,
    entry: lp.entry,
    mark: lp.mark,
    posMm: lp.mm,
    equity: u.equity,
    mm: u.mm,
    cash: u.cash,
    isolated: u.isolated,
    targetHealth: target,
    feeRate: pc.policy.liquidationFeeRate + pc.policy.insuranceFeeRate,
  });
  // The envelope bounds the exact test only where every rounding works against the account: a cross unit whose
  // cash settles at par (or in plain micro-USD); any other settlement holding is searched by bisection per segment.
  const exact = u.isolated || settlesAtPar(pc.settlement);
  for (const s of segs) {
    const k = exact ? firstIn(s, n, ok) : bisectIn(s.from, s.to, ok);
    if (k !== null) return { lots: k, t: at(k) };
  }
  return healthiest(segs, u.isolated, at);
}

/** The smallest k of the segment that passes, trying only those its envelope allows; null when none does. */
function firstIn(s: Segment, n: bigint, ok: (k: bigint) => boolean): bigint | null {
  let [lo, hi] = nonNegative(s.target, s.from, s.to);
  // Closed whole, an isolated position keeps no margin, so |q| is exempt from the margin envelope.
  const whole = s.margin !== null && s.to === n && lo <= n && n <= hi;
  if (s.margin) [lo, hi] = nonNegative(s.margin, lo, hi);
  for (let k = lo, walked = 0n; k <= hi; k++) {
    if (ok(k)) return k;
    // Only roundings of a few units separate the envelope from the test, so a pass comes within a few lots of the
    // envelope's edge unless one lot moves the account by far less than a cent. For such fine lots, the rest of
    // the segment is taken as monotone.
    if (++walked === WALK) {
      const b = bisectIn(k + 1n, hi, ok);
      if (b !== null) return b;
      break;
    }
  }
  return whole && n > hi && ok(n) ? n : null;
}

/** The smallest passing k of [lo, hi] where the test is taken as monotone (passes from some k on); null if hi fails. */
function bisectIn(lo: bigint, hi: bigint, ok: (k: bigint) => boolean): bigint | null {
  if (lo > hi || !ok(hi)) return null;
  if (ok(lo)) return lo;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * No close meets the target: the one that leaves the highest health (the fewest lots among equals). Within a
 * segment the unrounded health is a ratio of two functions linear in the lots, so it is highest at one of the
 * segment's ends; the roundings can lift a lot count near an end above it, so after the ends every lot count the
 * envelope says could match the best is tried too. An isolated position left open with a negative margin is no
 * candidate.
 */
function healthiest(segs: Segment[], isolated: boolean, at: (k: bigint) => Trial): Choice {
  let best: Choice | null = null;
  const consider = (k: bigint, than: Choice | null): Choice | null => {
    const t = at(k);
    if (isolated && t.q !== 0n && t.cash < 0n) return than;
    const d = than === null ? 1 : compareHealth(t, than.t);
    return d > 0 || (d === 0 && k < than!.lots) ? { lots: k, t } : than;
  };
  for (const s of segs) best = consider(s.to, consider(s.from, best));
  const ends = best;
  if (ends !== null && ends.t.mm > 0n) {
    for (const s of segs) {
      const [lo, hi] = asHealthy(s, ends.t.equity, ends.t.mm);
      for (let k = lo, walked = 0n; k <= hi && walked < WALK; k++, walked++) best = consider(k, best);
    }
  }
  const last = segs[segs.length - 1]!;
  return best ?? { lots: last.to, t: at(last.to) };
}

/**
 * A portfolio leg's close, on the unit's scanned requirement: the smallest lots after which the unit meets the
 * target; else the healthiest close; null when no close leaves the unit healthier than leaving the leg open. A unit
 * below zero equity closes the leg whole, as chooseClose does.
 */
function chooseScanned(pc: PlanContext, u: Unit, lp: LivePos): Choice | null {
  const n = abs(lp.q);
  const sign = lp.q > 0n ? 1n : -1n;
  if (u.equity < 0n) return { lots: n, t: trial(pc, u, lp, sign * n) };
  const target = pc.policy.targetHealth;
  const memo = new Map<bigint, Trial>();
  const c = scannedClose<Trial>({
    n,
    limit: pc.scanEveryLot,
    at: (k) => {
      let t = memo.get(k);
      if (!t) memo.set(k, (t = trial(pc, u, lp, sign * k)));
      return t;
    },
    meets: (t) => meetsTarget(t, target),
    compare: compareHealth,
    now: u,
  });
  return c && { lots: c.lots, t: c.t };
}

/**
 * Each position's maintenance contribution: a tiered position's own MM; a portfolio leg's, the unit's MM less its
 * MM with that leg closed (negative for a hedge).
 */
function contributions(pc: PlanContext, u: Unit): Map<LivePos, bigint> {
  return new Map(u.positions.map((lp) => [lp, lp.portfolio ? u.commMm - scanned(pc, u.positions, lp, 0n).mm : lp.mm]));
}

function planUnit(pc: PlanContext, u: Unit, orders: PlannedOrder[]): void {
  const target = pc.policy.targetHealth;
  const mm = contributions(pc, u);
  const queue = [...u.positions].sort((a, b) => {
    const x = mm.get(a)!;
    const y = mm.get(b)!;
    if (x !== y) return x > y ? -1 : 1;
    return a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0;
  });
  for (const lp of queue) {
    if (meetsTarget(u, target)) return;
    const choice = lp.portfolio ? chooseScanned(pc, u, lp) : chooseClose(pc, u, lp);
    if (!choice) {
      u.kept.push(lp.instrument);
      continue;
    }
    orders.push(orderOf(u, lp, (lp.q > 0n ? 1n : -1n) * choice.lots, choice.t));
    applyTrial(u, lp, choice.t);
  }
}

function figuresOf(pc: PlanContext, cross: Unit, isolated: Unit[]): PlanFigures {
  const { liquidationHealth, callTrigger, amountScale } = pc.policy;
  let worst = unitStatusExact(cross.equity, cross.mm, cross.im, liquidationHealth);
  let need = 0n;
  const add = (u: Unit): void => {
    if (u.equity < (callTrigger === 'initial' ? u.im : u.mm)) need += u.im - u.equity;
  };
  add(cross);
  for (const u of isolated) {
    if (u.positions[0]!.q === 0n) continue;
    const s = unitStatusExact(u.equity, u.mm, u.im, liquidationHealth);
    if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
    add(u);
  }
  return {
    equity: cross.equity,
    mm: cross.mm,
    im: cross.im,
    status: worst,
    call: need > 0n ? roundAmountToScale(need, amountScale, 'ceil') : null,
  };
}

/** An isolated position closed whole hands its margin to the cross unit's settlement holding (a deficit is a shortfall). */
function releaseClosedIsolated(pc: PlanContext, cross: Unit, isolated: Unit[]): bigint {
  let shortfall = 0n;
  for (const u of isolated) {
    if (u.positions[0]!.q !== 0n || u.cash === 0n) continue;
    if (u.cash < 0n) shortfall += -u.cash;
    else {
      const before = settlementValue(pc.settlement, cross.cash);
      cross.cash += cashToQuantity(pc.settlement, u.cash);
      cross.equity += settlementValue(pc.settlement, cross.cash) - before;
    }
    u.cash = 0n;
    u.equity = 0n;
  }
  return shortfall;
}

export function healthText(equity: bigint, mm: bigint): string {
  return mm === 0n ? 'infinite' : formatUnits(divRound(equity * 100_000_000n, mm, 'halfEven'), 8, 8);
}

function reasonsFor(pc: PlanContext, u: Unit): PlanReason | null {
  const s = unitStatusExact(u.equity, u.mm, u.im, pc.policy.liquidationHealth);
  const unit = u.isolated ? `isolated ${u.key}` : 'the cross part';
  if (s === 'bankrupt') return { code: 'bankrupt', unit: u.key, text: `equity of ${unit} is below zero` };
  if (s === 'liquidation') {
    return {
      code: 'health',
      unit: u.key,
      text: `health of ${unit} ${healthText(u.equity, u.mm)} is below ${formatUnits(pc.policy.liquidationHealth, 6)}`,
    };
  }
  return null;
}

/**
 * Plans one account. Units in status liquidation or bankrupt are planned; with `force` (an overdue or escalated call)
 * every unit below targetHealth is. Returns null when no unit needs a plan.
 */
export function planAccount(pc: PlanContext, input: AccountInput, force: PlanReason | null = null): AccountPlan | null {
  const { cross, isolated } = buildUnits(pc, input);
  const before = figuresOf(pc, cross, isolated);
  const target = pc.policy.targetHealth;
  const reasons: PlanReason[] = [];
  const chosen: Unit[] = [];
  for (const u of [...isolated, cross]) {
    const r = reasonsFor(pc, u);
    if (r) reasons.push(r);
    if (r || (force && !meetsTarget(u, target) && u.positions.length > 0)) chosen.push(u);
  }
  if (chosen.length === 0) return null;
  if (force) reasons.push(force);
  const orders: PlannedOrder[] = [];
  for (const u of chosen.filter((x) => x.isolated)) planUnit(pc, u, orders);
  const shortfallIso = releaseClosedIsolated(pc, cross, isolated);
  if (chosen.includes(cross)) planUnit(pc, cross, orders);
  const plan = finish(pc, input.id, reasons, orders, before, cross, isolated, chosen, shortfallIso);
  if (!plan.targetMet) explainMiss(pc, reasons, chosen, shortfallIso);
  return plan;
}

/** Says, in the reason of each planned unit left short of the target, that no close could restore it and why. */
function explainMiss(pc: PlanContext, reasons: PlanReason[], chosen: Unit[], shortfallIso: bigint): void {
  const target = formatUnits(pc.policy.targetHealth, 6);
  for (const u of chosen) {
    const closed = u.positions.every((p) => p.q === 0n);
    const short = closed && (u.isolated ? shortfallIso > 0n : u.equity < 0n);
    if (meetsTarget(u, pc.policy.targetHealth) && !short) continue;
    const kept = u.kept.length === 0 ? '' : ` (${u.kept.join(', ')} left open: every close of ${u.kept.length === 1 ? 'it' : 'them'} would raise the scanned margin more than it frees)`;
    const note = short
      ? 'no close restores it: every position closes and the deficit is a shortfall for default management'
      : `no close restores the target health ${target}: the plan leaves the highest health it can${kept}`;
    for (const r of reasons) if (r.unit === u.key) r.text += `; ${note}`;
  }
}

function finish(
  pc: PlanContext,
  account: string,
  reasons: PlanReason[],
  orders: PlannedOrder[],
  before: PlanFigures,
  cross: Unit,
  isolated: Unit[],
  chosen: Unit[],
  shortfallIso: bigint,
): AccountPlan {
  const target = pc.policy.targetHealth;
  const crossEmpty = cross.positions.every((p) => p.q === 0n);
  const shortfall = shortfallIso + (crossEmpty && cross.equity < 0n ? -cross.equity : 0n);
  // A unit closed whole with a deficit has met nothing: its equity was set to zero when the deficit became a shortfall.
  const targetMet = shortfall === 0n && chosen.every((u) => meetsTarget(u, target));
  return {
    account,
    reasons,
    orders,
    before,
    after: figuresOf(pc, cross, isolated),
    targetMet,
    notional: orders.reduce((s, o) => s + o.notional, 0n),
    shortfall,
  };
}

export interface EditedOrder {
  instrument: string;
  /** Lots to close, >= 0 (0 drops the order). */
  lots: bigint;
}

/**
 * The account after the desk's own orders (edited quantities), applied in the given order at their estimated
 * prices: the after-metrics the review screen shows as the desk types. Lots beyond the position are refused.
 */
export function applyOrders(pc: PlanContext, input: AccountInput, edits: readonly EditedOrder[], reasons: PlanReason[] = []): AccountPlan {
  const { cross, isolated } = buildUnits(pc, input);
  const before = figuresOf(pc, cross, isolated);
  const orders: PlannedOrder[] = [];
  const touched = new Set<Unit>();
  const units = [...isolated, cross];
  // Isolated orders first, as the planner does, so released margin reaches the cross unit before its closes.
  const sorted = [...edits].sort((a, b) => Number(isolatedOf(units, b.instrument)) - Number(isolatedOf(units, a.instrument)));
  let released = false;
  let shortfallIso = 0n;
  for (const e of sorted) {
    const u = units.find((x) => x.positions.some((p) => p.instrument === e.instrument));
    if (!u) throw new RangeError(`account ${input.id} has no position in ${e.instrument}`);
    if (!u.isolated && !released) {
      shortfallIso = releaseClosedIsolated(pc, cross, isolated);
      released = true;
    }
    const lp = u.positions.find((p) => p.instrument === e.instrument)!;
    if (e.lots < 0n) throw new RangeError(`${e.instrument}: a quantity to close must not be negative`);
    if (e.lots === 0n) continue;
    if (e.lots > abs(lp.q)) throw new RangeError(`${e.instrument}: cannot close ${e.lots} lots of a position of ${abs(lp.q)}`);
    const c = (lp.q > 0n ? 1n : -1n) * e.lots;
    const t = trial(pc, u, lp, c);
    orders.push(orderOf(u, lp, c, t));
    applyTrial(u, lp, t);
    touched.add(u);
  }
  if (!released) shortfallIso = releaseClosedIsolated(pc, cross, isolated);
  return finish(pc, input.id, reasons, orders, before, cross, isolated, [...touched], shortfallIso);
}

function isolatedOf(units: Unit[], instrument: string): boolean {
  return units.some((u) => u.isolated && u.key === instrument);
}
