// Position limits (issue 18): per instrument, per account and per member, a maximum position in lots, a maximum
// notional, a maximum leverage (notional / equity) and a maximum share of the instrument's open interest. Pure and
// exact: every comparison is one of integers (a ratio compared by cross-multiplication), never of floats.
import { RATE_ONE } from '../../shared/units.ts';

export type LimitScope = 'instrument' | 'account' | 'member';
export type LimitMetric = 'lots' | 'notional' | 'leverage' | 'oiShare';

export interface Limit {
  scope: LimitScope;
  /** The account or member id; '*' for an instrument's limit (every account holding it). */
  subject: string;
  /** An instrument id, or '*' for every instrument the subject holds. */
  instrument: string;
  /** Lots (only with a named instrument), micro-USD, ppm of equity, ppm of open interest; null where not set. */
  maxLots: bigint | null;
  maxNotional: bigint | null;
  maxLeverage: bigint | null;
  maxOiShare: bigint | null;
}

/** What a subject holds in the limit's instruments. */
export interface Exposure {
  /** Sum of |lots| (meaningful for one instrument). */
  lots: bigint;
  /** Sum of notionals, micro-USD. */
  notional: bigint;
  /** Equity backing it, micro-USD (the account's, or the member's accounts' summed). */
  equity: bigint;
  /** Per instrument: the subject's |lots| and the instrument's open interest (lots long). */
  shares: { instrument: string; lots: bigint; openInterest: bigint }[];
}

/** A ratio num/den (den > 0), or infinite (den = 0: leverage with no positive equity). */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export interface Measured {
  metric: LimitMetric;
  value: Ratio;
  max: Ratio;
  /** The instrument the value is about (the largest open-interest share), or the limit's. */
  instrument: string;
}

const whole = (v: bigint): Ratio => ({ num: v, den: 1n });

/** a > b, exactly; an infinite ratio is larger than any finite one. */
export function ratioAbove(a: Ratio, b: Ratio): boolean {
  if (a.den === 0n) return b.den !== 0n;
  if (b.den === 0n) return false;
  return a.num * b.den > b.num * a.den;
}

/** Every metric the limit sets, measured on the exposure. */
export function measure(limit: Limit, e: Exposure): Measured[] {
  const out: Measured[] = [];
  if (limit.maxLots !== null) out.push({ metric: 'lots', value: whole(e.lots), max: whole(limit.maxLots), instrument: limit.instrument });
  if (limit.maxNotional !== null) out.push({ metric: 'notional', value: whole(e.notional), max: whole(limit.maxNotional), instrument: limit.instrument });
  if (limit.maxLeverage !== null) {
    const value = e.equity > 0n ? { num: e.notional, den: e.equity } : e.notional === 0n ? whole(0n) : { num: 1n, den: 0n };
    out.push({ metric: 'leverage', value, max: { num: limit.maxLeverage, den: RATE_ONE }, instrument: limit.instrument });
  }
  if (limit.maxOiShare !== null) {
    let worst: Measured | null = null;
    for (const s of e.shares) {
      if (s.lots === 0n) continue;
      const value = s.openInterest > 0n ? { num: s.lots, den: s.openInterest } : { num: 1n, den: 0n };
      if (!worst || ratioAbove(value, worst.value)) worst = { metric: 'oiShare', value, max: { num: limit.maxOiShare, den: RATE_ONE }, instrument: s.instrument };
    }
    if (worst) out.push(worst);
  }
  return out;
}

/** The metrics over their maximum. */
export function breaches(limit: Limit, e: Exposure): Measured[] {
  return measure(limit, e).filter((m) => ratioAbove(m.value, m.max));
}
