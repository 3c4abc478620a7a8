// Greeks of positions and of an account (issue 17): each position's contracts x its instrument's greeks per
// contract (riskArrays.ts: Black-76 for options; a future's delta is its multiplier). Reported, never decided on.
import { Decimal } from 'decimal.js';
import type { Instrument, Position } from '../model.ts';
import type { Greeks, InstrumentRisk } from './riskArrays.ts';

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export interface GreeksOut {
  delta: string;
  gamma: string;
  vega: string;
  theta: string;
}

const KEYS = ['delta', 'gamma', 'vega', 'theta'] as const;

/** Greeks as decimal strings to 8 places (half-even). */
export function greeksText(g: Greeks): GreeksOut {
  return { delta: fmt(g.delta), gamma: fmt(g.gamma), vega: fmt(g.vega), theta: fmt(g.theta) };
}

const fmt = (v: Decimal): string => new D(v).toDecimalPlaces(8).toFixed();

/** One position's greeks (contracts = lots x lot), or null when it is not portfolio-margined or cannot be priced. */
export function positionGreeks(p: Position, x: Instrument, risk: Map<string, InstrumentRisk>): Greeks | null {
  const g = risk.get(x.id)?.greeks;
  if (!g) return null;
  const contracts = new D(p.quantity.toString()).mul(x.lot);
  return { delta: g.delta.mul(contracts), gamma: g.gamma.mul(contracts), vega: g.vega.mul(contracts), theta: g.theta.mul(contracts) };
}

/** The sum of greeks (null entries skipped). */
export function sumGreeks(list: readonly (Greeks | null)[]): Greeks {
  const out: Greeks = { delta: new D(0), gamma: new D(0), vega: new D(0), theta: new D(0) };
  for (const g of list) if (g) for (const k of KEYS) out[k] = out[k].add(g[k]);
  return out;
}
