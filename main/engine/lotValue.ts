// The one home of the rule that turns lots and ticks into money (methodology §1, §2; results.ts).
//
// An instrument's lot-tick value K (micro-USD that one lot gains when the price moves one tick) is
// lotTickValue x 10^-lotTickScale. For an ordinary instrument the scale is 0 and K is a whole number of micro-USD:
// every product below is exact and nothing is rounded (the kernel's path). A fine instrument (a lot of 0.00001
// with a tick of 0.01: K = 0.1; a memecoin quoted to 1e-8: K = 0.01) has a scale > 0, and q x price x K is then
// rounded to a whole micro-USD once per position, in the direction methodology §1 prescribes:
// - a position's value (and so its upnl, a close's realised P&L) is the floor of the signed value: equity is never
//   overstated, what is paid out rounds down and what is owed rounds up;
// - a notional (what requirements and fees are charged on, money demanded) is the ceiling of |q x price x K|.
// Accounts holding a fine instrument are evaluated on the BigInt path (columns.ts flags them), so the float and
// wasm kernels never see a scale. test/support/reference.ts applies the same rule on its own, from the methodology, as the oracle.
import type { Instrument } from './model.ts';
import { divRound } from '../../shared/units.ts';

/** What the rule needs of an instrument. */
export type LotTick = Pick<Instrument, 'lotTickValue' | 'lotTickScale'>;

/** The finest lot-tick value accepted: 10^-18 micro-USD (lot x tick x multiplier down to 1e-24 USD). */
export const MAX_LOT_TICK_SCALE = 18;

const POW10: readonly bigint[] = Array.from({ length: MAX_LOT_TICK_SCALE + 1 }, (_, i) => 10n ** BigInt(i));

function divisor(k: LotTick): bigint {
  const d = POW10[k.lotTickScale];
  if (d === undefined) throw new RangeError(`lot-tick scale ${k.lotTickScale} is not an integer in 0..${MAX_LOT_TICK_SCALE}`);
  return d;
}

/** The value of q lots (signed) at `price` ticks, micro-USD: floor(q x price x K). */
export function lotsValue(k: LotTick, q: bigint, price: bigint): bigint {
  const v = q * price * k.lotTickValue;
  return k.lotTickScale === 0 ? v : divRound(v, divisor(k), 'floor');
}

/** The notional of q lots (either sign) at `price` ticks, micro-USD: ceil(|q x price x K|). */
export function lotsNotional(k: LotTick, q: bigint, price: bigint): bigint {
  const v = q * price * k.lotTickValue;
  const a = v < 0n ? -v : v;
  return k.lotTickScale === 0 ? a : divRound(a, divisor(k), 'ceil');
}

/** K as the exact fraction num / den (den = 10^scale), for the paths that solve for a price rather than value one. */
export function lotTickFraction(k: LotTick): { num: bigint; den: bigint } {
  return { num: k.lotTickValue, den: divisor(k) };
}

/** Whether K is not a whole number of micro-USD, so the instrument's holders leave the kernel for the BigInt path. */
export const isFine = (k: LotTick): boolean => k.lotTickScale !== 0;
