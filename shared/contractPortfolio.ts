// Portfolio (SPAN-style) margin's channels (issue 17): merged into the contract in contract.ts. An account's combined
// commodities as the engine margins them now (methodology §4): the 16 scenario P&Ls, the worst, the credits taken.
import { z } from 'zod';
import { id } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

export interface ScenarioView {
  /** 1..16, methodology §4's numbering. */
  scenario: number;
  label: string;
  /** The commodity's P&L in the scenario, USD (a loss is negative). */
  pnl: string;
}

/** Black-76 greeks (a future: delta only), as decimal strings to 8 places. */
export interface GreeksView {
  /** Underlying units (contracts x multiplier). */
  delta: string;
  /** Change of delta per 1.0 of the underlying price. */
  gamma: string;
  /** USD per volatility point (0.01). */
  vega: string;
  /** USD per calendar day. */
  theta: string;
}

/** A combined commodity's margin figures (what a what-if shows under its shock). */
export interface CommodityFigures {
  underlying: string;
  scanRisk: string;
  credits: string;
  shortOptionMinimum: string;
  mm: string;
  im: string;
  /** The scenario with the largest loss (the first, on a tie). */
  worst: ScenarioView;
  /** The spreads that credited this commodity, and how much each. */
  spreads: { id: string; credit: string }[];
}

export interface CommodityView extends CommodityFigures {
  /** The sum of its positions' greeks. */
  greeks: GreeksView;
  scenarios: ScenarioView[];
}

export interface AccountCommodities {
  account: string;
  asOf: string;
  commodities: CommodityView[];
  /** Every position's greeks that can be priced (portfolio-margined positions), and the account's sum. */
  positions: { instrument: string; greeks: GreeksView }[];
  greeks: GreeksView | null;
}

export const portfolioContract = {
  'accounts.commodities': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ id }).strict(),
    output: returns<AccountCommodities>(),
    emits: [],
    refuses: ['no_price'],
  }),
} as const;
