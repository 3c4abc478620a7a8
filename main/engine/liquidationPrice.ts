// Liquidation price of one linear position (methodology §5): the mark at which equity = MM with every other price
// held, solved across tier edges.
//
// Units as in results.ts: quantity q in lots (signed), entryValue E and every amount in micro-USD, lotTickValue K in
// micro-USD per lot per tick, rates in ppm, cum_n in micro x ppm. Let m be the mark in ticks (a real number here)
// and A the money the position can draw on: A = WB - TMM + UPNL for a cross position (wallet balance = the
// account's collateral value, minus the other positions' MM, plus their upnl), A = isolatedMargin for an
// isolated one. In tier n (MM taken without its ceil, so the equation is continuous):
//
//     A + q m K - E = (|q| m K mmr_n - cum_n) / 1e6
//  => m = (1e6 (E - A) - cum_n) / (K (1e6 q - |q| mmr_n))
//
// which, with P = m x tick and |q| in units of the underlying, is the Binance USD-M form
// LP = (WB - TMM + UPNL + cum - side |q| entry) / (|q| mmr - side |q|). The solution counts only when its notional
// |q| m K falls in tier n (floor_n <= notional < floor_{n+1}) and m > 0. Since every mmr <= 1, equity - MM is
// monotone in m, so at most one tier gives a solution unless a tier has mmr = 100% on a long (a flat stretch, whose
// degenerate equation is skipped); if several do, the one nearest the current mark on the losing side wins.
//
// Everything is solved as an exact rational (bigint numerator and denominator); the only rounding is the final
// one to 8 decimal places, half-even (methodology §1). decimal.js serves the tick rounding for display. A fine
// instrument's K is the fraction lotTickValue / 10^lotTickScale and enters the solution as that exact fraction:
// like MM without its ceil, the equation is the continuous one, not the per-position rounding of lotValue.ts (at
// most a micro-USD apart), since this is a reported price, not a threshold decision.
import { Decimal as DecimalJs } from 'decimal.js';
import type { Tier } from './model.ts';
import { RATE_ONE, decimalPlaces, divRound, formatUnits, parseUnits } from '../../shared/units.ts';
import { lotTickFraction } from './lotValue.ts';

const D = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });

/** Decimal places of reported liquidation and bankruptcy prices. */
export const PRICE_DP = 8;

export type Side = 1 | -1;

export interface LiqPosition {
  /** Signed quantity in lots. */
  quantity: bigint;
  /** Signed entry value, micro-USD (quantity x entry price x lot x multiplier x 1e6). */
  entryValue: bigint;
  /** Micro-USD per lot per tick, lot x tick x multiplier x 1e6 = lotTickValue x 10^-lotTickScale. */
  lotTickValue: bigint;
  lotTickScale: number;
  lot: string;
  tick: string;
  multiplier: string;
  tiers: Tier[];
  /** The current mark in ticks: picks the solution on the losing side when several exist. */
  mark: bigint;
}

export interface CrossLiqInput extends LiqPosition {
  kind: 'cross';
  /** WB: the account's collateral value, micro-USD. */
  walletBalance: bigint;
  /** TMM: the maintenance margin of the account's other cross positions, micro-USD. */
  otherMm: bigint;
  /** UPNL: the upnl of the account's other cross positions, micro-USD. */
  otherUpnl: bigint;
}

export interface IsolatedLiqInput extends LiqPosition {
  kind: 'isolated';
  isolatedMargin: bigint;
}

export type LiqInput = CrossLiqInput | IsolatedLiqInput;

/** The liquidation mark in ticks as the exact rational num / den (den > 0), and the 0-based tier it falls in. */
export interface LiqSolution {
  num: bigint;
  den: bigint;
  tier: number;
}

/** The money the position draws on, micro-USD: WB - TMM + UPNL (cross) or the isolated margin. */
export function availableMargin(input: LiqInput): bigint {
  return input.kind === 'cross' ? input.walletBalance - input.otherMm + input.otherUpnl : input.isolatedMargin;
}

function checkLotTickValue(p: LiqPosition): void {
  const parts = [p.lot, p.tick, p.multiplier];
  const scale = parts.reduce((s, x) => s + decimalPlaces(x), 0);
  const product = parts.reduce((acc, x) => acc * parseUnits(x, decimalPlaces(x), 'lot/tick/multiplier'), 1n);
  // product / 10^scale x 1e6 must equal K = num / den.
  const k = lotTickFraction(p);
  if (product * 1_000_000n * k.den !== k.num * 10n ** BigInt(scale)) {
    throw new RangeError(
      `lotTickValue ${p.lotTickValue} x 10^-${p.lotTickScale} is not lot ${p.lot} x tick ${p.tick} x multiplier ${p.multiplier} x 1e6`,
    );
  }
}

function cums(tiers: readonly Tier[]): bigint[] {
  const out: bigint[] = [];
  let c = 0n;
  for (let i = 0; i < tiers.length; i++) {
    if (i > 0) c += (tiers[i] as Tier).floor * ((tiers[i] as Tier).mmr - (tiers[i - 1] as Tier).mmr);
    out.push(c);
  }
  return out;
}

/** sign(a/b - c/d) for b, d > 0. */
function cmpFrac(a: bigint, b: bigint, c: bigint, d: bigint): number {
  const l = a * d;
  const r = c * b;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Solves equity = MM for the mark, across tier edges, as an exact rational in ticks. Null when no positive mark
 * solves it: a flat position, a long that no price > 0 liquidates, or a short already past the point at every
 * price > 0.
 */
export function solveLiquidationMark(input: LiqInput): LiqSolution | null {
  checkLotTickValue(input);
  const { quantity: q, entryValue: E, tiers } = input;
  const { num: K, den: Kd } = lotTickFraction(input);
  if (q === 0n) return null;
  if (tiers.length === 0) throw new RangeError('empty tier table');
  if (K <= 0n) throw new RangeError('lotTickValue must be > 0');
  const A = availableMargin(input);
  const absQ = q < 0n ? -q : q;
  const cs = cums(tiers);
  const found: LiqSolution[] = [];
  for (let n = 0; n < tiers.length; n++) {
    const t = tiers[n] as Tier;
    let num = Kd * (RATE_ONE * (E - A) - (cs[n] as bigint));
    let den = K * (RATE_ONE * q - absQ * t.mmr);
    if (den === 0n) continue; // mmr = 100% on a long: equity - MM is flat in this tier
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    if (num <= 0n) continue; // no positive mark
    // notional = |q| (K / Kd) m = |q| K num / (Kd den) must lie in [floor_n, floor_{n+1}).
    const scaledNotional = absQ * K * num;
    if (t.floor * den * Kd > scaledNotional) continue;
    const next = tiers[n + 1];
    if (next !== undefined && scaledNotional >= next.floor * den * Kd) continue;
    found.push({ num, den, tier: n });
  }
  if (found.length <= 1) return found[0] ?? null;
  // Several: the nearest to the mark on the losing side (below it for a long, above it for a short); failing
  // that, the nearest on either side.
  const losing = found.filter((s) => {
    const c = cmpFrac(s.num, s.den, input.mark, 1n);
    return q > 0n ? c <= 0 : c >= 0;
  });
  const pool = losing.length > 0 ? losing : found;
  let best = pool[0] as LiqSolution;
  const dist = (s: LiqSolution): [bigint, bigint] => {
    const d = s.num - input.mark * s.den;
    return [d < 0n ? -d : d, s.den];
  };
  for (const s of pool.slice(1)) {
    const [a, b] = dist(s);
    const [c, d] = dist(best);
    if (cmpFrac(a, b, c, d) < 0) best = s;
  }
  return best;
}

/** A rational price num / den (den > 0) as a decimal string with exactly 8 places, half-even. */
export function formatPrice(num: bigint, den: bigint): string {
  return formatUnits(divRound(num * 10n ** BigInt(PRICE_DP), den, 'halfEven'), PRICE_DP, PRICE_DP);
}

/** The liquidation mark as a price (mark x tick), or null. See solveLiquidationMark. */
export function liquidationPriceOfSolution(s: LiqSolution, tick: string): string {
  const ts = decimalPlaces(tick);
  const tickUnits = parseUnits(tick, ts, 'tick');
  return formatPrice(s.num * tickUnits, s.den * 10n ** BigInt(ts));
}

/**
 * The liquidation price of one position: a decimal string with 8 places (half-even), in the instrument's price
 * (mark x tick, e.g. USD per BTC), or null when no liquidation price exists.
 */
export function liquidationPrice(input: LiqInput): string | null {
  const s = solveLiquidationMark(input);
  return s === null ? null : liquidationPriceOfSolution(s, input.tick);
}

/**
 * Rounds a liquidation price to the instrument's tick for display, toward the side that triggers sooner: a long
 * (side 1) is liquidated as the price falls, so it triggers sooner at a higher price (round up); a short (side -1)
 * at a lower one (round down). The result has the tick's decimal places.
 */
export function roundLiqPriceToTick(lp: string, tick: string, side: Side): string {
  const t = new D(tick);
  if (!t.gt(0)) throw new RangeError(`tick "${tick}" must be > 0`);
  const steps = new D(lp).div(t).toDecimalPlaces(0, side === 1 ? DecimalJs.ROUND_CEIL : DecimalJs.ROUND_FLOOR);
  return steps.mul(t).toFixed(decimalPlaces(tick));
}
