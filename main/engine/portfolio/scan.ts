// Combined commodities of one account (methodology §4): the portfolio positions on one underlying margined
// together. Scan risk = max(0, worst loss over the 16 scenarios); inter-commodity spread credits by priority;
// MM = max(scan risk - credits, short option minimum); IM = MM x imMultiplier.
//
// Rounding (methodology §1, money demanded rounds up): a contract count is lots x lot, so a commodity's scenario
// P&L is summed exactly over 10^lotScale and the loss rounded up to the micro-USD; the short option minimum is
// rounded up; a credit (money given back) is rounded down; IM is rounded up. Deltas and credits are exact fractions
// (rational.ts), so a credit that is a whole micro-USD is not floored one short.
import type { Instrument, Position, SpreadDefinition } from '../model.ts';
import type { InstrumentRisk } from './riskArrays.ts';
import { SCENARIO_COUNT } from './scenarios.ts';
import { divRound } from '../../../shared/units.ts';
import { InputError } from '../../../shared/errors.ts';
import type { Fraction } from './rational.ts';
import { ZERO, absF, add, cmp, div, floorF, fraction, fromDecimal, fromDecimalText, mul, sign, sub } from './rational.ts';

export interface CommodityResult {
  underlying: string;
  /** The commodity's P&L in each scenario, micro-USD (rounded toward minus infinity). */
  scenarios: bigint[];
  /** 1-based index of the scenario with the largest loss (the first, on a tie). */
  worst: number;
  scanRisk: bigint;
  shortOptionMinimum: bigint;
  credits: bigint;
  /** Spreads that gave this commodity a credit, with the credit each gave. */
  spreads: { id: string; credit: bigint }[];
  mm: bigint;
  im: bigint;
}

const spreadSets = new WeakMap<readonly SpreadDefinition[], ReadonlySet<string>>();
function spreadUnderlyings(spreads: readonly SpreadDefinition[]): ReadonlySet<string> {
  let s = spreadSets.get(spreads);
  if (!s) {
    s = new Set(spreads.flatMap((sp) => sp.legs.map((l) => l.underlying)));
    spreadSets.set(spreads, s);
  }
  return s;
}

interface Leg {
  underlying: string;
  sums: bigint[];
  /** Denominator exponent of `sums` and `shortMin`. */
  scale: number;
  shortMin: bigint;
  /** Net delta, exact over the instruments' deltas; null when unknown or not needed (no spread names the commodity). */
  delta: Fraction | null;
  imMultiplier: bigint;
}

/**
 * A portfolio position is scanned with its commodity in the cross part; an isolated one would be in no scan and carry
 * no margin at all. The commands never write one and the ledger's triggers (step 18) refuse it; a book that holds one
 * anyway (a row from before step 18, a hand-built book) is refused here, naming it, rather than margined as zero.
 */
export function refuseIsolatedPortfolio(p: Position, x: Instrument, field = 'positions'): void {
  if (p.isolatedMargin === null || x.margin !== 'portfolio') return;
  throw new InputError(
    `position of account ${p.account} in ${x.id}: ${x.id} is portfolio-margined (scanned with its commodity in the cross part), so the position cannot be isolated`,
    { field },
  );
}

const POW10: readonly bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/** Brings a sum kept over 10^from to 10^to (to >= from). */
const up = (v: bigint, from: number, to: number): bigint => (to === from ? v : v * POW10[to - from]!);

function gather(
  positions: readonly Position[],
  instruments: Map<string, Instrument>,
  risk: Map<string, InstrumentRisk>,
  spreadUnderlyings: ReadonlySet<string>,
): Map<string, Leg> {
  const legs = new Map<string, Leg>();
  for (const p of positions) {
    if (p.quantity === 0n) continue;
    const x = instruments.get(p.instrument)!;
    if (x.margin !== 'portfolio') continue;
    refuseIsolatedPortfolio(p, x);
    const r = risk.get(x.id)!;
    const lot = r.lot;
    let leg = legs.get(x.underlying);
    if (!leg) {
      const inSpread = spreadUnderlyings.has(x.underlying);
      leg = { underlying: x.underlying, sums: new Array<bigint>(SCENARIO_COUNT).fill(0n), scale: 0, shortMin: 0n, delta: inSpread ? ZERO : null, imMultiplier: x.portfolio!.imMultiplier };
      legs.set(x.underlying, leg);
    }
    if (lot.scale > leg.scale) {
      leg.sums = leg.sums.map((v) => up(v, leg!.scale, lot.scale));
      leg.shortMin = up(leg.shortMin, leg.scale, lot.scale);
      leg.scale = lot.scale;
    }
    const contracts = up(p.quantity * lot.num, lot.scale, leg.scale);
    for (let s = 0; s < SCENARIO_COUNT; s++) leg.sums[s]! += contracts * r.array[s]!;
    if (x.option && p.quantity < 0n) leg.shortMin += -contracts * x.option.shortOptionMinimum;
    // Deltas only serve spreads: decimal work skipped for a commodity no spread names.
    if (leg.delta !== null) leg.delta = r.delta === null ? null : add(leg.delta, mul(fromDecimal(r.delta), fraction(contracts, POW10[leg.scale]!)));
    // One commodity, one multiplier: the largest of its instruments' (the prudent one).
    if (x.portfolio!.imMultiplier > leg.imMultiplier) leg.imMultiplier = x.portfolio!.imMultiplier;
  }
  return legs;
}

interface Working {
  leg: Leg;
  /** 0-based index of the worst scenario. */
  worst: number;
  scanRisk: bigint;
  /** Delta still free to form spreads (0 when the commodity takes no part in spreads). */
  free: Fraction;
  /** Credits taken, null while none. */
  credit: Fraction | null;
  spreads: { id: string; credit: Fraction }[];
}

/**
 * Forms spreads in priority order (then id): a spread needs every leg's commodity, with a known non-zero delta and
 * a scan risk, and at least one leg long and one short. The number of spreads is the smallest free delta / ratio
 * over the legs; each leg then uses ratio x spreads of its delta, whose outright requirement is that many deltas
 * at the commodity's price risk per delta (scan risk / |delta|), and is credited rate x that requirement.
 */
function applySpreads(work: Map<string, Working>, spreads: readonly SpreadDefinition[]): void {
  const ordered = [...spreads].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ratios = new Map<string, Fraction[]>();
  for (const sp of ordered) {
    const ws = sp.legs.map((l) => work.get(l.underlying));
    if (ws.some((w) => !w || w.leg.delta === null || sign(w.free) === 0 || w.scanRisk === 0n)) continue;
    const legs = ws as Working[];
    if (!legs.some((w) => sign(w.free) > 0) || !legs.some((w) => sign(w.free) < 0)) continue;
    let ratio = ratios.get(sp.id);
    if (!ratio) ratios.set(sp.id, (ratio = sp.legs.map((l) => fromDecimalText(l.ratio))));
    const rate = fraction(sp.rate, 1_000_000n);
    // The limiting leg uses all its free delta; the others that many spreads at their ratio.
    let lim = 0;
    legs.forEach((w, j) => {
      if (cmp(div(absF(w.free), ratio[j]!), div(absF(legs[lim]!.free), ratio[lim]!)) < 0) lim = j;
    });
    const formed = div(absF(legs[lim]!.free), ratio[lim]!);
    legs.forEach((w, j) => {
      const used = mul(formed, ratio[j]!);
      const outright = mul(fraction(w.scanRisk), div(used, absF(w.leg.delta!)));
      const credit = mul(outright, rate);
      w.credit = w.credit === null ? credit : add(w.credit, credit);
      w.spreads.push({ id: sp.id, credit });
      w.free = sign(w.free) > 0 ? sub(w.free, used) : add(w.free, used);
    });
  }
}


/** The combined commodities of one account's cross positions, sorted by underlying. */
export function accountCommodities(
  positions: readonly Position[],
  instruments: Map<string, Instrument>,
  risk: Map<string, InstrumentRisk>,
  spreads: readonly SpreadDefinition[],
): CommodityResult[] {
  const legs = gather(positions, instruments, risk, spreadUnderlyings(spreads));
  if (legs.size === 0) return [];
  const work = new Map<string, Working>();
  for (const leg of legs.values()) {
    const den = POW10[leg.scale]!;
    let worst = 0;
    for (let s = 1; s < SCENARIO_COUNT; s++) if (leg.sums[s]! < leg.sums[worst]!) worst = s;
    const loss = -leg.sums[worst]!;
    const scanRisk = loss > 0n ? divRound(loss, den, 'ceil') : 0n;
    work.set(leg.underlying, { leg, worst, scanRisk, free: leg.delta ?? ZERO, credit: null, spreads: [] });
  }
  if (spreads.length > 0) applySpreads(work, spreads);
  const list = [...work.values()];
  if (list.length > 1) list.sort((a, b) => (a.leg.underlying < b.leg.underlying ? -1 : 1));
  return list.map((w) => {
      const { leg } = w;
      const den = POW10[leg.scale]!;
      const scenarios = leg.scale === 0 ? leg.sums : leg.sums.map((v) => divRound(v, den, 'floor'));
      const credits = w.credit === null ? 0n : floorF(w.credit);
      const shortOptionMinimum = leg.scale === 0 ? leg.shortMin : divRound(leg.shortMin, den, 'ceil');
      const net = w.scanRisk - credits;
      const mm = net > shortOptionMinimum ? net : shortOptionMinimum;
      const im = divRound(mm * leg.imMultiplier, 1_000_000n, 'ceil');
      return {
        underlying: leg.underlying,
        scenarios,
        worst: w.worst + 1,
        scanRisk: w.scanRisk,
        shortOptionMinimum,
        credits,
        spreads: w.spreads.map((s) => ({ id: s.id, credit: floorF(s.credit) })),
        mm,
        im,
      };
    });
}
