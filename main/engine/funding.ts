// Funding of perpetuals (issue 18): at each funding time every position pays or receives its value times the
// interval's rate. A positive rate has longs pay shorts. Money demanded is rounded up to the money step and money paid
// out rounded down (methodology §1); what the rounding leaves, together with any imbalance between longs and shorts
// in the ledger's book, goes to the clearinghouse's funding account, so that debits = credits + house to the unit.
// Pure: the ledger writes what this returns.
import { divRound } from '../../shared/units.ts';

/** Funding rates are per interval and finer than margin rates: exact to 10 decimal places (0.0001 = 1_000_000). */
export const FUNDING_RATE_SCALE = 10;
export const FUNDING_RATE_ONE = 10n ** BigInt(FUNDING_RATE_SCALE);

/**
 * The widest rate a live feed may mark for one interval: 3%, the widest cap the major venues put on a perpetual's
 * funding rate. A mark beyond it is a feed fault (a percent sent as a fraction, a misplaced point), refused rather
 * than paid; a genuine rate beyond it comes in a funding-rates file, which a person imports and answers for.
 */
export const FEED_FUNDING_RATE_CAP = 3n * 10n ** BigInt(FUNDING_RATE_SCALE - 2);

export interface FundingAmounts {
  /** Per position, micro-USD: negative paid by the account, positive received. */
  amounts: bigint[];
  debited: bigint;
  credited: bigint;
  /** debited - credited: to the clearinghouse's funding account. */
  house: bigint;
}

/**
 * The payments of one funding time on positions of signed values `values` (micro-USD, q x mark x multiplier).
 * `step`: the money step in micro-USD (10^(6 - amount scale)), a payment is a whole
 * number of steps.
 */
export function fundingAmounts(values: readonly bigint[], rate: bigint, step: bigint): FundingAmounts {
  const amounts: bigint[] = [];
  let debited = 0n;
  let credited = 0n;
  const den = FUNDING_RATE_ONE * step;
  for (const v of values) {
    const owed = v * rate; // in micro-USD x 1e-10: positive, the account pays
    if (owed > 0n) {
      const pay = divRound(owed, den, 'ceil') * step;
      debited += pay;
      amounts.push(-pay);
    } else {
      const get = divRound(-owed, den, 'floor') * step;
      credited += get;
      amounts.push(get);
    }
  }
  return { amounts, debited, credited, house: debited - credited };
}
