// Where the planner has to look for the smallest close (methodology §7), worked out exactly before any trial.
//
// Closing k of a position's n lots, the unit's target test is g(k) = 1e6 x equity(k) - targetHealth x MM(k) >= 0.
// g is not monotone in k: the estimated price steps with the impact table's bracket of the closed size, and MM
// steps with the tier of the remaining notional. Between those breakpoints (a segment) both are linear in k but for
// roundings, and every rounding on the way works against the account: fees and MM are rounded up, the cash a close
// pays into a settlement holding at par is rounded down. So in a segment g(k) <= G(k) / 1e6, where G is the same
// quantity with no rounding at all: a linear function A + B x k with integer coefficients. No k with G(k) < 0 can
// pass; the search tries only the k where G(k) >= 0, smallest first, with the exact predicate.
//
// An isolated position left open must also keep a margin >= 0. Its margin after the close, cash(k), is the margin
// plus the realised P&L less fees; the entry value's share leaves half-even rounded, the only rounding here that can
// favour the account, by at most half a micro-USD. So cash(k) <= C(k) / (2n x 1e6) with C linear too.
//
// A fine instrument's lot-tick value K = lotTickValue / 10^scale (lotValue.ts) rounds each position's value down and
// its notional up. The lines are then kept times D = 10^scale, in integers; the position's value before the close
// is a constant rounded down by less than one micro-USD (so the equity line gains one micro-USD of slack), MM may
// exceed its line by two micro-USD instead of one, and the breakpoints are found by bisection on the rounded
// notional itself.
import type { Instrument } from './model.ts';
import { tierIndex, type TierCum } from './tierMath.ts';
import { estimatedPrice } from './closeMath.ts';
import { lotsNotional, lotTickFraction } from './lotValue.ts';

const E6 = 1_000_000n;

/** A line A + B x k over integers. */
export interface Line {
  a: bigint;
  b: bigint;
}

/** The k in [lo, hi] with A + B x k >= 0, as [from, to] (from > to when there is none). */
export function nonNegative(line: Line, lo: bigint, hi: bigint): [bigint, bigint] {
  const { a, b } = line;
  if (b === 0n) return a >= 0n ? [lo, hi] : [hi + 1n, hi];
  if (b > 0n) {
    // k >= -a / b, rounded up.
    const min = ceilDiv(-a, b);
    return [min > lo ? min : lo, hi];
  }
  // k <= a / -b, rounded down.
  const max = floorDiv(a, -b);
  return [lo, max < hi ? max : hi];
}

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d !== n && n < 0n !== d < 0n ? q - 1n : q;
}

function ceilDiv(n: bigint, d: bigint): bigint {
  return -floorDiv(-n, d);
}

/** What the envelope needs of the unit and the position before the close. */
export interface EnvelopeInput {
  inst: Pick<Instrument, 'tiers' | 'slippage' | 'impact' | 'lotTickValue' | 'lotTickScale'>;
  cums: readonly TierCum[];
  /** Signed lots and entry value of the position, its mark (ticks) and MM (micro-USD). */
  q: bigint;
  entry: bigint;
  mark: bigint;
  posMm: bigint;
  /** The unit's equity and MM (micro-USD); for an isolated unit, its margin too. */
  equity: bigint;
  mm: bigint;
  cash: bigint;
  isolated: boolean;
  targetHealth: bigint;
  /** Liquidation fee rate plus insurance fee rate, ppm. */
  feeRate: bigint;
}

/** One stretch of k over which the estimated price and the tier of what remains are fixed. */
export interface Segment {
  from: bigint;
  to: bigint;
  price: bigint;
  /** D x 1e6 x equity(k) with no rounding (plus the slack above): equity(k) <= this / (D x 1e6). */
  equity: Line;
  /** D x 1e6 x MM(k) with no rounding: this / (D x 1e6) <= MM(k) < this / (D x 1e6) + mmSlack. */
  mm: Line;
  mmSlack: bigint;
  /** D x 1e6 times the target test 1e6 x equity - targetHealth x MM, unrounded. */
  target: Line;
  /** The isolated margin's envelope C(k); null for a cross unit. */
  margin: Line | null;
}

/** The first k in [lo, hi] where `pass` holds, for a `pass` that holds from some k on; hi + 1 if never. */
function firstPassing(lo: bigint, hi: bigint, pass: (k: bigint) => boolean): bigint {
  let a = lo;
  let b = hi + 1n;
  while (a < b) {
    const mid = (a + b) / 2n;
    if (pass(mid)) b = mid;
    else a = mid + 1n;
  }
  return a;
}

/** The segments of k = 1..|q|, in order. */
export function segments(e: EnvelopeInput): Segment[] {
  const n = e.q < 0n ? -e.q : e.q;
  const fine = e.inst.lotTickScale !== 0;
  const v = e.mark * e.inst.lotTickValue; // one lot at the mark, as tieredRequirement measures it (x D when fine)
  const absV = v < 0n ? -v : v;
  const cuts = new Set<bigint>([1n, n + 1n]);
  const cut = (k: bigint): void => {
    if (k > 1n && k <= n) cuts.add(k);
  };
  // Only floors the position's own notional reaches can be crossed: what remains, or is closed, never exceeds it.
  const top = lotsNotional(e.inst, n, e.mark);
  if (v > 0n) {
    // The remaining notional falls below a tier floor F from some k on.
    for (const t of e.inst.tiers) {
      if (t.floor <= 0n || t.floor > top) continue;
      cut(fine ? firstPassing(1n, n, (k) => lotsNotional(e.inst, n - k, e.mark) < t.floor) : n - ceilDiv(t.floor, v) + 1n);
    }
  }
  if (absV > 0n) {
    // The closed notional reaches an impact floor F from some k on.
    for (const b of e.inst.impact ?? []) {
      if (b.floor <= 0n || b.floor > top) continue;
      cut(fine ? firstPassing(1n, n, (k) => lotsNotional(e.inst, k, e.mark) >= b.floor) : ceilDiv(b.floor, absV));
    }
  }
  const sorted = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const side: 1n | -1n = e.q > 0n ? 1n : -1n;
  const out: Segment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push(segmentAt(e, n, side, sorted[i]!, sorted[i + 1]! - 1n));
  return out;
}

function segmentAt(e: EnvelopeInput, n: bigint, s: 1n | -1n, from: bigint, to: bigint): Segment {
  const { num: Kv, den: D } = lotTickFraction(e.inst);
  const fine = D !== 1n;
  const price = estimatedPrice(e.inst, e.mark, from, s);
  const absP = price < 0n ? -price : price;
  const remaining = lotsNotional(e.inst, n - from, e.mark);
  const tier = tierIndex(e.inst.tiers, remaining);
  const r = e.inst.tiers[tier]!.mmr;
  const cum = remaining === 0n ? 0n : e.cums[tier]!.cumM;
  const t = e.targetHealth;
  const v = e.mark * Kv;
  // D x 1e6 x equity(k) = D x 1e6 x E0 - 1e6 x s x k x (mark - P) x Kv - k x |P| x Kv x feeRate (+ D x 1e6 when fine)
  const equity: Line = { a: D * E6 * e.equity + (fine ? D * E6 : 0n), b: -E6 * s * (e.mark - price) * Kv - absP * Kv * e.feeRate };
  // D x 1e6 x MM(k) = D x 1e6 x (MM - posMm) + (n - k) x v x r - D x cum
  const mm: Line = { a: D * E6 * (e.mm - e.posMm) + n * v * r - D * cum, b: -v * r };
  const target: Line = { a: E6 * equity.a - t * mm.a, b: E6 * equity.b - t * mm.b };
  let margin: Line | null = null;
  if (e.isolated) {
    // The entry value's share that leaves is entry x c / q = entry x k / n, so
    // 2n x 1e6 x D x cash(k) <= 2n x 1e6 x D x M + n x 1e6 x D + k x (2n x 1e6 x s x P x Kv - 2e6 x D x entry - 2n x |P| x Kv x feeRate)
    margin = {
      a: 2n * n * E6 * D * e.cash + n * E6 * D,
      b: 2n * n * E6 * s * price * Kv - 2n * E6 * D * e.entry - 2n * n * absP * Kv * e.feeRate,
    };
  }
  return { from, to, price, equity, mm, mmSlack: (fine ? 2n : 1n) * D * E6, target, margin };
}

/**
 * The k of a segment that could be at least as healthy as an after-state of equity E* and MM* > 0 (micro-USD):
 * a necessary condition, E(k) x MM* >= E* x MM(k), bounded with the envelopes (equity(k) <= its line, MM(k) from
 * its line to mmSlack above it), which is linear in k.
 */
export function asHealthy(s: Segment, equity: bigint, mm: bigint): [bigint, bigint] {
  const slack = equity < 0n ? s.mmSlack : 0n; // E* < 0: the bound on E* x MM(k) takes MM's upper end
  const line = { a: s.equity.a * mm - equity * (s.mm.a + slack), b: s.equity.b * mm - equity * s.mm.b };
  return nonNegative(line, s.from, s.to);
}
