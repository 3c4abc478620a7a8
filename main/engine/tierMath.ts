// Tiered (position-based) margin and bracketed haircuts in exact integer units (methodology §3, results.ts).
//
// Units: floors and amounts in micro-USD, rates in ppm, so a rate times an amount is in micro x ppm, and the
// cumulative "maintenance amounts" cum_n are kept in micro x ppm too (exact, never divided). A requirement is
// ceil((notional x rate_n - cum_n) / 1e6) micro-USD. All bigint, no floats, no decimal.js.
import type { Bracket, Tier } from './model.ts';
import { RATE_ONE, divRound } from '../../shared/units.ts';

export interface TierCum {
  /** cum_n for the maintenance rate, micro x ppm. */
  cumM: bigint;
  /** cum_n for the initial rate, micro x ppm. */
  cumI: bigint;
}

/**
 * Why a tier table is unusable, or null when it is fine. Checked, in order: not empty; first floor 0; floors
 * strictly increasing; no negative rate; mmr <= imr in each tier; rates non-decreasing from tier to tier (a
 * decreasing rate would make the requirement fall as the notional grows); no rate above 1 (1e6 ppm).
 */
export function validateTiers(tiers: readonly Tier[]): string | null {
  if (tiers.length === 0) return 'the tier table is empty';
  const first = tiers[0] as Tier;
  if (first.floor !== 0n) return `the first tier's floor is ${first.floor}, not 0`;
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i] as Tier;
    const n = i + 1;
    if (t.mmr < 0n || t.imr < 0n) return `tier ${n} has a negative rate`;
    if (t.mmr > RATE_ONE) return `tier ${n} maintenance rate ${t.mmr} ppm is above 1`;
    if (t.imr > RATE_ONE) return `tier ${n} initial rate ${t.imr} ppm is above 1`;
    if (t.mmr > t.imr) return `tier ${n} maintenance rate ${t.mmr} ppm is above its initial rate ${t.imr} ppm`;
    if (i > 0) {
      const p = tiers[i - 1] as Tier;
      if (t.floor <= p.floor) return `tier ${n} floor ${t.floor} is not above tier ${n - 1} floor ${p.floor}`;
      if (t.mmr < p.mmr) return `tier ${n} maintenance rate ${t.mmr} ppm is below tier ${n - 1}'s ${p.mmr} ppm`;
      if (t.imr < p.imr) return `tier ${n} initial rate ${t.imr} ppm is below tier ${n - 1}'s ${p.imr} ppm`;
    }
  }
  return null;
}

/**
 * Why a bracket schedule (haircuts) is unusable, or null: not empty, first floor 0, floors strictly increasing,
 * rates within [0, 1] and non-decreasing.
 */
export function validateBrackets(brackets: readonly Bracket[]): string | null {
  if (brackets.length === 0) return 'the bracket schedule is empty';
  const first = brackets[0] as Bracket;
  if (first.floor !== 0n) return `the first bracket's floor is ${first.floor}, not 0`;
  for (let i = 0; i < brackets.length; i++) {
    const b = brackets[i] as Bracket;
    const n = i + 1;
    if (b.rate < 0n) return `bracket ${n} has a negative rate`;
    if (b.rate > RATE_ONE) return `bracket ${n} rate ${b.rate} ppm is above 1`;
    if (i > 0) {
      const p = brackets[i - 1] as Bracket;
      if (b.floor <= p.floor) return `bracket ${n} floor ${b.floor} is not above bracket ${n - 1} floor ${p.floor}`;
      if (b.rate < p.rate) return `bracket ${n} rate ${b.rate} ppm is below bracket ${n - 1}'s ${p.rate} ppm`;
    }
  }
  return null;
}

// Tier tables and bracket schedules are never changed once built (a new import builds new arrays), so their
// cumulative amounts are computed once per array: the per-account paths (exact evaluation, the liquidation planner)
// would otherwise rebuild them for every position.
const tierCumCache = new WeakMap<readonly Tier[], TierCum[]>();
const bracketCumCache = new WeakMap<readonly Bracket[], bigint[]>();

/** cum_1 = 0, cum_n = floor_n x (rate_n - rate_{n-1}) + cum_{n-1}, for mmr and imr (micro x ppm). */
export function tierCums(tiers: readonly Tier[]): TierCum[] {
  const hit = tierCumCache.get(tiers);
  if (hit && hit.length === tiers.length) return hit;
  const out: TierCum[] = [];
  let cumM = 0n;
  let cumI = 0n;
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i] as Tier;
    if (i > 0) {
      const p = tiers[i - 1] as Tier;
      cumM += t.floor * (t.mmr - p.mmr);
      cumI += t.floor * (t.imr - p.imr);
    }
    out.push({ cumM, cumI });
  }
  tierCumCache.set(tiers, out);
  return out;
}

/** Cumulative amounts of a bracket schedule (micro x ppm), as for tiers. */
export function bracketCums(brackets: readonly Bracket[]): bigint[] {
  const hit = bracketCumCache.get(brackets);
  if (hit && hit.length === brackets.length) return hit;
  const out: bigint[] = [];
  let cum = 0n;
  for (let i = 0; i < brackets.length; i++) {
    const b = brackets[i] as Bracket;
    if (i > 0) cum += b.floor * (b.rate - (brackets[i - 1] as Bracket).rate);
    out.push(cum);
  }
  bracketCumCache.set(brackets, out);
  return out;
}

/** 0-based index of the last tier whose floor <= notional (0 when the notional is below every floor). */
export function tierIndex(tiers: readonly { floor: bigint }[], notional: bigint): number {
  // Binary search: floors are strictly increasing.
  let lo = 0;
  let hi = tiers.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((tiers[mid] as { floor: bigint }).floor <= notional) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

/**
 * MM and IM (micro-USD) of a notional (micro-USD) under a tier table: ceil((notional x rate_n - cum_n) / 1e6)
 * with n = tierIndex(notional). Pass `cums` (from tierCums) to avoid recomputing them.
 */
export function tieredRequirement(
  tiers: readonly Tier[],
  notional: bigint,
  cums: readonly TierCum[] = tierCums(tiers),
): { mm: bigint; im: bigint } {
  if (tiers.length === 0) throw new RangeError('empty tier table');
  if (notional === 0n) return { mm: 0n, im: 0n }; // the first floor is 0, so cum_1 = 0
  const n = tierIndex(tiers, notional);
  const t = tiers[n] as Tier;
  const c = cums[n] as TierCum;
  return {
    mm: divRound(notional * t.mmr - c.cumM, RATE_ONE, 'ceil'),
    im: divRound(notional * t.imr - c.cumI, RATE_ONE, 'ceil'),
  };
}

/**
 * The bracketed amount (e.g. a haircut, micro-USD) of a holding value (micro-USD):
 * ceil((value x rate_n - cum_n) / 1e6) with the bracket chosen by value. 0 for a value <= 0 (results.ts: a debit
 * takes no haircut).
 */
export function bracketAmount(brackets: readonly Bracket[], value: bigint, cums: readonly bigint[] = bracketCums(brackets)): bigint {
  if (value <= 0n) return 0n;
  if (brackets.length === 0) return 0n;
  const n = tierIndex(brackets, value);
  const b = brackets[n] as Bracket;
  return divRound(value * b.rate - (cums[n] as bigint), RATE_ONE, 'ceil');
}
