// The liquidation price as the desk reads it (methodology §1 and §5): the exact root of equity = MM is reported to
// 8 places, shown rounded to the tick toward the side that triggers sooner, and only where it means a liquidation.
// equity - MM rises with the mark for a long and falls for a short (every mmr <= 1), so a long whose root lies
// above its mark (a short: below) is a unit already under maintenance margin: that root is where it would recover,
// not where it would be liquidated, and showing it as a liquidation price misleads (807,746 for a long at 46,022).
import { roundLiqPriceToTick } from './liquidationPrice.ts';
import { Decimal } from 'decimal.js';

export type LiquidationState = 'price' | 'passed' | 'none';

export interface LiquidationShown {
  state: LiquidationState;
  /** The price rounded to the tick toward the side that triggers sooner (state 'price'), else null. */
  price: string | null;
  /** One sentence a desk can follow. */
  text: string;
}

export interface LiquidationFacts {
  /** The exact root (8 places), or null where no positive price solves equity = MM. */
  exact: string | null;
  /** The current mark, as a decimal price. */
  mark: string;
  tick: string;
  /** Signed quantity: > 0 long. */
  long: boolean;
  /** The unit (cross part or isolated position) is under maintenance margin now: equity < MM. */
  belowMm: boolean;
  /** 'the account' (cross) or 'the isolated position'. */
  unit: string;
  instrument: string;
}

export function liquidationShown(f: LiquidationFacts): LiquidationShown {
  const wrongSide = f.exact !== null && (f.long ? new Decimal(f.exact).gt(f.mark) : new Decimal(f.exact).lt(f.mark));
  if (f.belowMm || wrongSide) {
    return {
      state: 'passed',
      price: null,
      text: `${cap(f.unit)} is already below maintenance margin at the mark ${f.mark}: no price move is needed to liquidate it.`,
    };
  }
  if (f.exact === null) {
    return { state: 'none', price: null, text: `No price of ${f.instrument} alone brings ${f.unit} down to maintenance margin.` };
  }
  const price = roundLiqPriceToTick(f.exact, f.tick, f.long ? 1 : -1);
  return {
    state: 'price',
    price,
    text: f.long
      ? `If ${f.instrument} falls to ${price} (other prices held), ${f.unit}'s equity meets maintenance margin; exact ${f.exact}, rounded up to the tick.`
      : `If ${f.instrument} rises to ${price} (other prices held), ${f.unit}'s equity meets maintenance margin; exact ${f.exact}, rounded down to the tick.`,
  };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
