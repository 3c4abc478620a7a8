// The test oracle for portfolio margin, written straight from methodology §4 (and the rounding rules of §1) in
// decimal.js, sharing nothing with main/engine/portfolio: its own Black-76 (normal CDF from the erf Taylor series),
// its own scenario table, contract counts as decimals (lots x lot), and plain decimal sums.
//
// The conventions it follows (stated in main/engine/portfolio): +-1/3 and +-2/3 of the range are 0.333 and 0.667;
// extreme scenarios move 2 ranges with volatility unchanged at 35%; an option's range is its own scan range over its
// multiplier, else its underlying instrument's; array values are rounded down to the micro-USD; a loss, the short
// option minimum and IM are rounded up; credits are rounded down; a spread's legs are used in priority order, the
// limiting leg's whole free delta and the others in ratio; a leg's outright requirement is scan risk x used / |delta|;
// an option's delta per contract is taken to 8 decimal places, half-even.
// The spread work is done in exact fractions of its own (Q below): a credit is floored, and one that is exactly a
// whole micro-USD (scan x d / d, a ratio of 3) must not come out a hair below it as decimal division leaves it.
import { Decimal } from 'decimal.js';
import type { Book, Instrument } from '../../main/engine/model.ts';

const X = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });
type X = InstanceType<typeof X>;

export interface OracleCommodity {
  underlying: string;
  scenarios: string[];
  worst: number;
  scanRisk: string;
  shortOptionMinimum: string;
  credits: string;
  mm: string;
  im: string;
}

const MOVES = ['0', '0', '0.333', '0.333', '-0.333', '-0.333', '0.667', '0.667', '-0.667', '-0.667', '1', '1', '-1', '-1', '2', '-2'];
const VOLS = [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 0, 0];
const WEIGHTS = ['1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '0.35', '0.35'];

/** N(x) = (1 + erf(x / sqrt 2)) / 2, erf by its Taylor series (precision 80 absorbs the alternating series' cancellation). */
function N(x: X): X {
  if (x.abs().gt(12)) return new X(x.isNeg() ? 0 : 1);
  const z = x.div(new X(2).sqrt());
  let term = z; // (-1)^n z^(2n+1) / n!
  let sum = z;
  const z2 = z.mul(z);
  for (let n = 1; n < 2000; n++) {
    term = term.mul(z2).neg().div(n);
    const add = term.div(2 * n + 1);
    sum = sum.add(add);
    if (add.abs().lt('1e-60')) break;
  }
  const erf = sum.mul(2).div(X.acos(-1).sqrt());
  return erf.add(1).div(2);
}

/** Black-76 (methodology §2) from the formula, with this file's own N. */
export function black(F: X, K: X, T: X, v: X, r: X, call: boolean): X {
  const df = X.exp(r.mul(T).neg());
  if (F.lte(0)) return call ? new X(0) : df.mul(K);
  if (T.isZero() || v.lte(0)) return df.mul(X.max(call ? F.sub(K) : K.sub(F), 0));
  const s = v.mul(T.sqrt());
  const d1 = X.ln(F.div(K)).add(s.mul(s).div(2)).div(s);
  const d2 = d1.sub(s);
  return call ? df.mul(F.mul(N(d1)).sub(K.mul(N(d2)))) : df.mul(K.mul(N(d2.neg())).sub(F.mul(N(d1.neg()))));
}

function blackDelta(F: X, K: X, T: X, v: X, r: X, call: boolean): X {
  const df = X.exp(r.mul(T).neg());
  if (T.isZero() || v.lte(0)) return df.mul(call ? (F.gt(K) ? 1 : 0) : F.gt(K) ? 0 : -1);
  const s = v.mul(T.sqrt());
  const d1 = X.ln(F.div(K)).add(s.mul(s).div(2)).div(s);
  return call ? df.mul(N(d1)) : df.mul(N(d1).sub(1));
}

/** An exact fraction [numerator, denominator > 0], never reduced (the oracle favours plainness over speed). */
type Q = readonly [bigint, bigint];
const q = (x: X | string): Q => {
  const [int, frac = ''] = new X(x).toFixed().split('.');
  return [BigInt(int! + frac), 10n ** BigInt(frac.length)];
};
const qAdd = (a: Q, b: Q): Q => [a[0] * b[1] + b[0] * a[1], a[1] * b[1]];
const qNeg = (a: Q): Q => [-a[0], a[1]];
const qMul = (a: Q, b: Q): Q => [a[0] * b[0], a[1] * b[1]];
const qDiv = (a: Q, b: Q): Q => (b[0] < 0n ? [-a[0] * b[1], a[1] * -b[0]] : [a[0] * b[1], a[1] * b[0]]);
const qAbs = (a: Q): Q => (a[0] < 0n ? qNeg(a) : a);
const qLt = (a: Q, b: Q): boolean => a[0] * b[1] < b[0] * a[1];
/** floor(a) by BigInt division (which truncates toward zero). */
const qFloor = (a: Q): bigint => (a[0] >= 0n ? a[0] / a[1] : -((-a[0] + a[1] - 1n) / a[1]));

const micro = (v: bigint | string | number) => new X(v.toString()).div(1_000_000);
const toMicroStr = (usd: X, rounding: Decimal.Rounding) => usd.mul(1_000_000).toDecimalPlaces(0, rounding).toFixed(0);
/** A Black-76 P&L: to 1e-12 micro-USD first (what is below that is no money), then down to the micro-USD. */
const pnlMicroStr = (usd: X) => usd.mul(1_000_000).toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toDecimalPlaces(0, Decimal.ROUND_FLOOR).toFixed(0);

/** Per instrument: array (USD per contract, rounded down to the micro-USD) and delta per contract (underlying units). */
function instrumentRisk(book: Book, x: Instrument): { array: X[]; delta: X | null } {
  const p = x.portfolio!;
  const byId = new Map(book.instruments.map((i) => [i.id, i]));
  const mult = new X(x.multiplier);
  if (!x.option) {
    const range = p.scanRange === null ? null : micro(p.scanRange);
    const array = p.riskArray
      ? p.riskArray.map((v) => micro(v))
      : MOVES.map((m, s) => new X(toMicroStr(range!.mul(m).mul(WEIGHTS[s]!), Decimal.ROUND_FLOOR)).div(1_000_000));
    return { array, delta: mult };
  }
  const o = x.option;
  const under = o.underlyingInstrument ? byId.get(o.underlyingInstrument) : undefined;
  let inputs: { F: X; K: X; T: X; v: X; r: X } | null = null;
  if (under && x.expiry && book.market) {
    const vol = book.market.vols.get(x.id) ?? book.market.vols.get(under.id);
    if (vol !== undefined) {
      inputs = {
        F: new X(book.marks.get(under.id)!.toString()).mul(under.tick),
        K: new X(o.strike.toString()).mul(x.tick),
        T: new X(Date.parse(x.expiry) - Date.parse(book.market.asOf)).div(365 * 86_400_000),
        v: micro(vol),
        r: new X(o.rate ?? '0'),
      };
    }
  }
  const call = o.right === 'call';
  // Spreads take an option's delta per contract to 8 decimal places, half-even (below 5e-9 it is none).
  const delta = inputs ? blackDelta(inputs.F, inputs.K, inputs.T, inputs.v, inputs.r, call).mul(mult).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN) : null;
  if (p.riskArray) return { array: p.riskArray.map((v) => micro(v)), delta };
  if (!inputs) throw new Error(`oracle: cannot price ${x.id}`);
  const { F, K, T, v, r } = inputs;
  const priceMove = p.scanRange !== null ? micro(p.scanRange).div(mult) : micro(under!.portfolio!.scanRange!).div(under!.multiplier);
  const shift = micro(p.volShift);
  const base = black(F, K, T, v, r, call);
  const array = MOVES.map((m, s) => {
    const value = black(F.add(priceMove.mul(m)), K, T, v.add(shift.mul(VOLS[s]!)), r, call);
    return new X(pnlMicroStr(value.sub(base).mul(mult).mul(WEIGHTS[s]!))).div(1_000_000);
  });
  return { array, delta };
}

/** The combined commodities of every account (by account id), sorted by underlying. */
export function oracleCommodities(book: Book): Map<string, OracleCommodity[]> {
  const risk = new Map<string, { array: X[]; delta: X | null }>();
  for (const x of book.instruments) if (x.margin === 'portfolio') risk.set(x.id, instrumentRisk(book, x));
  const inst = new Map(book.instruments.map((i) => [i.id, i]));
  const out = new Map<string, OracleCommodity[]>();
  for (const a of book.accounts) {
    type C = { u: string; pnl: X[]; som: X; delta: Q | null; imm: bigint; scan: X; free: Q; credit: Q; worst: number };
    const cs = new Map<string, C>();
    for (const p of book.positions) {
      if (p.account !== a.id || p.quantity === 0n || p.isolatedMargin !== null) continue;
      const x = inst.get(p.instrument)!;
      if (x.margin !== 'portfolio') continue;
      const contracts = new X(p.quantity.toString()).mul(x.lot);
      const r = risk.get(x.id)!;
      let c = cs.get(x.underlying);
      if (!c) {
        c = { u: x.underlying, pnl: MOVES.map(() => new X(0)), som: new X(0), delta: [0n, 1n], imm: 0n, scan: new X(0), free: [0n, 1n], credit: [0n, 1n], worst: 1 };
        cs.set(x.underlying, c);
      }
      c.pnl = c.pnl.map((v, s) => v.add(contracts.mul(r.array[s]!)));
      if (x.option && contracts.isNeg()) c.som = c.som.add(contracts.neg().mul(micro(x.option.shortOptionMinimum)));
      c.delta = c.delta === null || r.delta === null ? null : qAdd(c.delta, qMul(q(contracts), q(r.delta)));
      if (x.portfolio!.imMultiplier > c.imm) c.imm = x.portfolio!.imMultiplier;
    }
    for (const c of cs.values()) {
      // Scan risk = max(0, max over s of -(sum of q x array[s])), rounded up to the micro-USD.
      let worstLoss = c.pnl[0]!.neg();
      c.worst = 1;
      c.pnl.forEach((v, s) => {
        if (v.neg().gt(worstLoss)) {
          worstLoss = v.neg();
          c.worst = s + 1;
        }
      });
      c.scan = X.max(0, new X(toMicroStr(worstLoss, Decimal.ROUND_CEIL)).div(1_000_000));
      c.free = c.delta ?? [0n, 1n];
    }
    const spreads = [...(book.market?.spreads ?? [])].sort((p, q) => p.priority - q.priority || p.id.localeCompare(q.id, 'en'));
    const sgn = (a: Q) => (a[0] > 0n ? 1 : a[0] < 0n ? -1 : 0);
    for (const sp of spreads) {
      const legs = sp.legs.map((l) => ({ ratio: q(l.ratio), c: cs.get(l.underlying) }));
      if (legs.some(({ c }) => !c || c.delta === null || sgn(c.free) === 0 || c.scan.isZero())) continue;
      if (!legs.some(({ c }) => sgn(c!.free) > 0) || !legs.some(({ c }) => sgn(c!.free) < 0)) continue;
      const perSpread = (g: (typeof legs)[number]) => qDiv(qAbs(g.c!.free), g.ratio);
      let lim = legs[0]!;
      for (const g of legs) if (qLt(perSpread(g), perSpread(lim))) lim = g;
      const spreadsFormed = perSpread(lim);
      for (const { ratio, c } of legs) {
        const used = qMul(spreadsFormed, ratio);
        // In micro-USD: scan x used / |delta| x rate (ppm / 10^6).
        const outright = qDiv(qMul(q(c!.scan.mul(1_000_000)), used), qAbs(c!.delta!));
        c!.credit = qAdd(c!.credit, qMul(outright, [sp.rate, 1_000_000n]));
        c!.free = sgn(c!.free) > 0 ? qAdd(c!.free, qNeg(used)) : qAdd(c!.free, used);
      }
    }
    const list = [...cs.values()]
      .sort((p, q) => (p.u < q.u ? -1 : 1))
      .map((c) => {
        const credits = new X(qFloor(c.credit).toString()).div(1_000_000);
        const som = new X(toMicroStr(c.som, Decimal.ROUND_CEIL)).div(1_000_000);
        const mm = X.max(c.scan.sub(credits), som);
        const im = new X(toMicroStr(mm.mul(micro(c.imm)), Decimal.ROUND_CEIL)).div(1_000_000);
        return {
          underlying: c.u,
          scenarios: c.pnl.map((v) => toMicroStr(v, Decimal.ROUND_FLOOR)),
          worst: c.worst,
          scanRisk: toMicroStr(c.scan, Decimal.ROUND_CEIL),
          shortOptionMinimum: toMicroStr(som, Decimal.ROUND_CEIL),
          credits: toMicroStr(credits, Decimal.ROUND_FLOOR),
          mm: toMicroStr(mm, Decimal.ROUND_CEIL),
          im: toMicroStr(im, Decimal.ROUND_CEIL),
        };
      });
    if (list.length > 0) out.set(a.id, list);
  }
  return out;
}
