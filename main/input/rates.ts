// Where a rate above 1 has no meaning, one table of limits for every door that takes rates (the CSV imports and
// the what-if): a haircut of 1.5 makes collateral worth less than nothing, a slippage of 2 estimates a negative
// price, a margin or fee rate above 1 asks for more than the whole notional.
import { RATE_ONE, formatRate, parseRate } from '../../shared/units.ts';
import { InputError } from '../../shared/errors.ts';
import { atField } from './fields.ts';

/** Each bounded rate: its largest value in ppm, whether that value itself is allowed, and why. */
const LIMITS = {
  haircut: { below: true, why: 'an asset worth nothing is not collateral' },
  slippage: { below: true, why: 'a close at slippage 1 or more would be estimated at a price of 0 or less' },
  impact: { below: true, why: 'a close at an impact rate of 1 or more would be estimated at a price of 0 or less' },
  mmr: { below: false, why: 'a margin rate is at most 100% of notional' },
  imr: { below: false, why: 'a margin rate is at most 100% of notional' },
  fee: { below: false, why: 'a fee is at most 100% of the notional closed' },
  band: { below: false, why: 'a price band is at most a 100% move' },
  health: { below: false, why: 'liquidation starts at or before equity = maintenance margin' },
} as const;

export type BoundedRate = keyof typeof LIMITS;

/** Why a rate (ppm, already known not to be negative) is out of its bounds, or null when it is within them. */
export function rateProblem(kind: BoundedRate, ppm: bigint): string | null {
  const l = LIMITS[kind];
  if (l.below ? ppm < RATE_ONE : ppm <= RATE_ONE) return null;
  return `${formatRate(ppm)} is ${l.below ? 'not below 1' : 'above 1'} (100%): ${l.why}`;
}

/** A rate of a JSON input (a decimal string) in ppm, refused naming the field when it is not exact or out of bounds. */
export function boundedRate(s: string, field: string, kind: BoundedRate): bigint {
  const ppm = atField(field, () => parseRate(s, kind));
  const why = rateProblem(kind, ppm);
  if (why) throw new InputError(why, { field });
  return ppm;
}
