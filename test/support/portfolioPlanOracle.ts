// A brute-force liquidation planner for a cross account mixing tiered and portfolio-margined positions, written for
// the tests from methodology §1, §3, §4 and §7 (and the conventions of docs/portfolio-margin.md) in decimal.js.
// Its own arithmetic for equity, the estimated price, fees and the settlement holding in cents; the scanned
// requirement from the independent §4 oracle (portfolioOracle.ts); none of the engine's helpers. It tries every lot
// count of every position, so it disagrees with the planner wherever the planner's search skips one.
//
// The rules it follows, from §7 with a portfolio leg's contribution read as §4 gives it:
// - positions are taken largest maintenance contribution first (ties by instrument id): a tiered position's own
//   MM, a portfolio leg's the account's MM less its MM without that leg;
// - per position, the smallest lot count after which equity >= targetHealth x MM; where none, the count that leaves
//   the highest health (fewest lots among equals); a portfolio leg whose every close leaves the account less healthy
//   than it is now is not closed; an account below zero equity closes the position whole.
import { Decimal } from 'decimal.js';
import type { Book, Instrument, SpreadDefinition } from '../../main/engine/model.ts';
import { DEFAULT_POLICY } from '../../main/engine/model.ts';
import { oracleCommodities } from './portfolioOracle.ts';

const X = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
type X = InstanceType<typeof X>;

export interface PlanOracleCase {
  /** Instruments as the book gives them (tick 1 USD, lot 1: one lot at price P is worth P x multiplier). */
  instruments: Instrument[];
  marks: Map<string, bigint>;
  spreads: SpreadDefinition[];
  /** USD cents. */
  cents: bigint;
  positions: { instrument: string; lots: bigint; entry: bigint }[];
  /** ppm */
  target: bigint;
  fee: bigint;
  insurance: bigint;
}

export interface PlanOracleOrder {
  instrument: string;
  lots: bigint;
  met: boolean;
}

interface State {
  cents: X;
  pos: Map<string, { lots: bigint; entry: X }>;
}

const E6 = new X(1_000_000);
const usd = (micro: bigint | X): X => new X(micro.toString()).div(E6);
const floorMicro = (v: X): X => v.mul(E6).toDecimalPlaces(0, Decimal.ROUND_FLOOR).div(E6);
const ceilMicro = (v: X): X => v.mul(E6).toDecimalPlaces(0, Decimal.ROUND_CEIL).div(E6);
const ceilCent = (v: X): X => v.mul(100).toDecimalPlaces(0, Decimal.ROUND_CEIL).div(100);
const floorCent = (v: X): X => v.mul(100).toDecimalPlaces(0, Decimal.ROUND_FLOOR).div(100);

/** USD value of q lots at price p: q x p x tick x lot x multiplier. */
const worth = (i: Instrument, q: bigint | X, p: bigint): X => new X(q.toString()).mul(p.toString()).mul(i.tick).mul(i.lot).mul(i.multiplier);

/** §3 tiered MM as slices: each tier's rate on the part of the notional inside it, rounded up to the micro-USD. */
function tieredMm(i: Instrument, notional: X): X {
  let sum = new X(0);
  i.tiers.forEach((t, j) => {
    const lo = usd(t.floor);
    const hi = j + 1 < i.tiers.length ? usd(i.tiers[j + 1]!.floor) : notional;
    const top = X.min(notional, hi);
    if (top.gt(lo)) sum = sum.add(top.sub(lo).mul(usd(t.mmr)));
  });
  return ceilMicro(sum);
}

function figures(c: PlanOracleCase, insts: Map<string, Instrument>, s: State): { equity: X; mm: X } {
  let equity = s.cents;
  let mm = new X(0);
  const held: Book['positions'] = [];
  for (const [id, p] of s.pos) {
    const i = insts.get(id)!;
    const mark = c.marks.get(id)!;
    equity = equity.add(floorMicro(worth(i, p.lots, mark))).sub(p.entry);
    if (i.margin === 'portfolio') held.push({ account: 'A', instrument: id, quantity: p.lots, entryValue: 0n, isolatedMargin: null });
    else mm = mm.add(tieredMm(i, ceilMicro(worth(i, p.lots < 0n ? -p.lots : p.lots, mark))));
  }
  const book: Book = {
    policy: DEFAULT_POLICY,
    instruments: c.instruments,
    assets: [],
    accounts: [{ id: 'A', member: 'M', kind: 'client', mode: 'cross' }],
    positions: held,
    collateral: [],
    marks: c.marks,
    assetPrices: new Map(),
    market: { asOf: '2026-01-01T00:00:00.000Z', vols: new Map(), spreads: c.spreads },
  };
  for (const cm of oracleCommodities(book).get('A') ?? []) mm = mm.add(usd(BigInt(cm.mm)));
  return { equity, mm };
}

const meets = (c: PlanOracleCase, f: { equity: X; mm: X }): boolean => f.equity.gte(usd(c.target).mul(f.mm));

/** a healthier than b: no MM left is +infinity at equity >= 0, -infinity below. */
function healthier(a: { equity: X; mm: X }, b: { equity: X; mm: X }): boolean {
  const inf = (f: { equity: X; mm: X }): number => (f.mm.isZero() ? (f.equity.gte(0) ? 1 : -1) : 0);
  if (inf(a) !== inf(b) || inf(a) !== 0) return inf(a) > inf(b);
  return a.equity.div(a.mm).gt(b.equity.div(b.mm));
}

/** §7: closing k lots at the mark moved against the closing side by the slippage, to the whole tick worse for it. */
function closed(c: PlanOracleCase, insts: Map<string, Instrument>, s: State, id: string, k: bigint): State {
  const i = insts.get(id)!;
  const p = s.pos.get(id)!;
  const long = p.lots > 0n;
  const lots = long ? k : -k;
  const mark = new X(c.marks.get(id)!.toString());
  const moved = mark.mul(long ? E6.sub(i.slippage.toString()) : E6.add(i.slippage.toString())).div(E6);
  const price = BigInt(moved.toDecimalPlaces(0, long ? Decimal.ROUND_FLOOR : Decimal.ROUND_CEIL).toFixed(0));
  // The entry value leaves in proportion, half-even to the micro-USD (all of it on a whole close).
  const portion = lots === p.lots ? p.entry : p.entry.mul(lots.toString()).div(p.lots.toString()).mul(E6).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).div(E6);
  const value = floorMicro(worth(i, lots, price));
  const notional = ceilMicro(worth(i, k, price));
  const fees = ceilCent(notional.mul(usd(c.fee))).add(ceilCent(notional.mul(usd(c.insurance))));
  const pos = new Map(s.pos);
  if (lots === p.lots) pos.delete(id);
  else pos.set(id, { lots: p.lots - lots, entry: p.entry.sub(portion) });
  return { cents: s.cents.add(floorCent(value.sub(portion).sub(fees))), pos };
}

export function portfolioPlanOracle(c: PlanOracleCase): { orders: PlanOracleOrder[]; equity: bigint; mm: bigint } {
  const insts = new Map(c.instruments.map((i) => [i.id, i]));
  let s: State = { cents: new X(c.cents.toString()).div(100), pos: new Map(c.positions.map((p) => [p.instrument, { lots: p.lots, entry: usd(p.entry) }])) };
  const whole = figures(c, insts, s);
  const contribution = new Map<string, X>();
  for (const id of s.pos.keys()) {
    const without: State = { cents: s.cents, pos: new Map([...s.pos].filter(([k]) => k !== id)) };
    const i = insts.get(id)!;
    const p = s.pos.get(id)!;
    const own = tieredMm(i, ceilMicro(worth(i, p.lots < 0n ? -p.lots : p.lots, c.marks.get(id)!)));
    contribution.set(id, i.margin === 'portfolio' ? whole.mm.sub(figures(c, insts, without).mm) : own);
  }
  const queue = [...s.pos.keys()].sort((a, b) => contribution.get(b)!.cmp(contribution.get(a)!) || (a < b ? -1 : 1));
  const orders: PlanOracleOrder[] = [];
  for (const id of queue) {
    const now = figures(c, insts, s);
    if (meets(c, now)) break;
    const q = s.pos.get(id)!.lots;
    const n = q < 0n ? -q : q;
    let pick: { k: bigint; s: State; met: boolean } | null = null;
    if (now.equity.isNeg()) pick = { k: n, s: closed(c, insts, s, id, n), met: false };
    for (let k = 1n; pick === null && k <= n; k++) {
      const after = closed(c, insts, s, id, k);
      if (meets(c, figures(c, insts, after))) pick = { k, s: after, met: true };
    }
    if (pick === null) {
      for (let k = 1n; k <= n; k++) {
        const after = closed(c, insts, s, id, k);
        if (pick === null || healthier(figures(c, insts, after), figures(c, insts, pick.s))) pick = { k, s: after, met: false };
      }
      if (insts.get(id)!.margin === 'portfolio' && !healthier(figures(c, insts, pick!.s), now)) continue;
    }
    orders.push({ instrument: id, lots: pick!.k, met: pick!.met });
    s = pick!.s;
  }
  const end = figures(c, insts, s);
  const micro = (v: X): bigint => BigInt(v.mul(E6).toFixed(0));
  return { orders, equity: micro(end.equity), mm: micro(end.mm) };
}
