// Black-76 written out from the formula for tests (methodology §2), independent of main/engine/black76.ts: the
// portfolio oracle's own (support/portfolioOracle.ts: N from the erf Taylor series at 80 digits), and the rounding of
// a model mark to the tick, half-even.
import { Decimal } from 'decimal.js';
import { black } from './portfolioOracle.ts';

const X = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });

/** call = e^{-rT}(F N(d1) - K N(d2)), put = e^{-rT}(K N(-d2) - F N(-d1)); T or sigma 0: discounted intrinsic. */
export function oracleBlack76(F: string, K: string, T: string | Decimal, sigma: string, r: string, right: 'call' | 'put'): Decimal {
  return new Decimal(black(new X(F), new X(K), new X(T.toString()), new X(sigma), new X(r), right === 'call').toString());
}

/** The oracle's price in whole ticks, half-even; and how far (in ticks) it sits from a rounding boundary. */
export function oracleTicks(price: Decimal, tick: string): { ticks: bigint; margin: Decimal } {
  const q = new X(price.toString()).div(tick);
  const ticks = q.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
  const frac = q.sub(q.floor());
  return { ticks: BigInt(ticks.toFixed(0)), margin: new Decimal(frac.sub('0.5').abs().toString()) };
}
