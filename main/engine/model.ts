// The engine's domain model, in exact integer units (methodology §1). Built from the ledger or from a what-if
// JSON file; the kernel turns it into columns. Nothing here does I/O.
import type { HaircutBasis, HaircutRule } from './haircutRules.ts';

export type InstrumentKind = 'future' | 'perpetual' | 'option';
export type MarginMethod = 'tiered' | 'portfolio';
export type AccountMode = 'cross' | 'isolated';
export type AccountKind = 'house' | 'client';
export type CallTrigger = 'maintenance' | 'initial';

export const ACCOUNT_STATUSES = ['healthy', 'warning', 'call', 'liquidation', 'bankrupt'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** A bracket of a tier table: from `floor` (micro-USD of notional or holding value) upward, at `rate` (ppm). */
export interface Bracket {
  floor: bigint;
  rate: bigint;
}

/** One margin tier: notional from `floor` (micro-USD) up to the next tier's floor. Rates in ppm. */
export interface Tier {
  floor: bigint;
  mmr: bigint;
  imr: bigint;
}

export interface OptionTerms {
  right: 'call' | 'put';
  /** Strike in the instrument's price ticks. */
  strike: bigint;
  underlyingInstrument: string | null;
  /** Short option minimum per contract (micro-USD). */
  shortOptionMinimum: bigint;
  /** Black-76 interest rate (decimal string, continuously compounded); absent: 0. */
  rate?: string;
}

/**
 * Portfolio (SPAN-style) parameters of an instrument, methodology §4. Amounts are micro-USD per one long contract
 * (quantity 1, i.e. lot x lots = 1), gain positive.
 */
export interface PortfolioTerms {
  /** Price scan range as money per contract; null: an option takes its underlying instrument's price move. */
  scanRange: bigint | null;
  /** Volatility shift (ppm of volatility points: 40_000 is 0.04). */
  volShift: bigint;
  /** IM = MM x imMultiplier (ppm; 1_100_000 by default). */
  imMultiplier: bigint;
  /** An imported array (16 values), used as it is; null: computed from scanRange and volShift. */
  riskArray: bigint[] | null;
}

/** An inter-commodity spread definition (methodology §4). */
export interface SpreadDefinition {
  id: string;
  /** Ratio: a positive decimal string, in units of the underlying (contracts x multiplier) per spread. */
  legs: { underlying: string; ratio: string }[];
  /** Credit rate, ppm. */
  rate: bigint;
  /** Lower first. */
  priority: number;
}

/** What the portfolio margin needs beyond marks: time, volatilities and spread definitions. */
export interface PortfolioMarket {
  asOf: string;
  /** Implied volatility (ppm) per instrument id: an option's own (per strike), else its underlying instrument's. */
  vols: Map<string, bigint>;
  spreads: SpreadDefinition[];
}

export interface Instrument {
  id: string;
  kind: InstrumentKind;
  underlying: string;
  /** Decimal strings as given; their exact product with 1e6 is `lotTickValue` x 10^-lotTickScale. */
  multiplier: string;
  lot: string;
  tick: string;
  /**
   * With lotTickScale, K: the micro-USD that one lot gains when the price moves one tick, lot x tick x multiplier x
   * 1e6 = lotTickValue x 10^-lotTickScale. Money is computed from it only through lotValue.ts.
   */
  lotTickValue: bigint;
  /**
   * 0 for an ordinary instrument (K a whole number of micro-USD); for a fine one, the decimal places of K in
   * micro-USD (1..18), with lotTickValue not a multiple of 10, so each K has one form.
   */
  lotTickScale: number;
  margin: MarginMethod;
  /** Tier table, floors strictly increasing, the first at 0. */
  tiers: Tier[];
  /** Slippage rate (ppm) for estimated liquidation prices. */
  slippage: bigint;
  /**
   * A size-based impact table: slippage rate (ppm) by the closed notional (micro-USD at the mark), bracketed like
   * tiers. When present it replaces the flat `slippage`.
   */
  impact?: Bracket[];
  expiry: string | null;
  option: OptionTerms | null;
  /** Circuit-breaker band (ppm of price) within `bandWindowMinutes`; null when none. */
  priceBand: bigint | null;
  /** Present exactly when margin is 'portfolio'. */
  portfolio?: PortfolioTerms;
}

export interface Asset {
  id: string;
  /** Decimal places of a quantity of this asset (quantities are integers of 10^-quantityScale). */
  quantityScale: number;
  /** Decimal places of this asset's price (prices are integers of 10^-priceScale USD). */
  priceScale: number;
  /**
   * Haircut schedule by holding value, bracketed like margin tiers: the effective one every path evaluates (read from
   * a ledger, the asset's own schedule with its class minimum and concentration add-ons compiled in, haircutRules.ts).
   */
  haircuts: Bracket[];
  liquidityClass: string;
  /** What `haircuts` was compiled from (absent: `haircuts` is the asset's own schedule as it stands). */
  haircutBasis?: HaircutBasis;
  /** Per bracket of `haircuts`, the rules that set its rate. */
  haircutRules?: HaircutRule[];
}

export interface Policy {
  callTrigger: CallTrigger;
  /** ppm: status `liquidation` when health falls below this. */
  liquidationHealth: bigint;
  /** ppm: the health a liquidation restores. */
  targetHealth: bigint;
  liquidationFeeRate: bigint;
  insuranceFeeRate: bigint;
  /** Decimal places that money demanded (rounded up) or paid (rounded down) is rounded to. */
  amountScale: number;
  cureMinutes: number;
  fourEyesNotional: bigint;
  /** A waiver of more than this (micro-USD outstanding) needs a second, different supervisor. */
  fourEyesWaiver: bigint;
  /**
   * The window (minutes, ending at the act) over which what one person moves on one account without a second
   * approver is added up against fourEyesNotional: approvals and fills, not one approval at a time.
   */
  fourEyesWindowMinutes: number;
  /** ppm of the mark: a fill priced further from the mark needs a supervisor (and four eyes above fourEyesNotional). */
  fillBand: bigint;
  bandWindowMinutes: number;
}

export const DEFAULT_POLICY: Policy = {
  callTrigger: 'maintenance',
  liquidationHealth: 800_000n,
  targetHealth: 1_000_000n,
  liquidationFeeRate: 5_000n,
  insuranceFeeRate: 0n,
  amountScale: 2,
  cureMinutes: 60,
  fourEyesNotional: 1_000_000_000_000n,
  fourEyesWaiver: 1_000_000_000_000n,
  fourEyesWindowMinutes: 1_440,
  fillBand: 50_000n,
  bandWindowMinutes: 15,
};

export interface Account {
  id: string;
  member: string;
  kind: AccountKind;
  mode: AccountMode;
}

export interface Position {
  account: string;
  instrument: string;
  /** Signed quantity in lots: positive long, negative short. */
  quantity: bigint;
  /** Signed entry value in micro-USD: quantity x entry price x lot x multiplier (kept exact for average prices). */
  entryValue: bigint;
  /** Isolated margin (micro-USD), or null for a cross position. */
  isolatedMargin: bigint | null;
}

/**
 * Asked of a positions array that can answer it without reading each position (the resident book's view over its
 * columns, resident/columnPositions.ts): a function giving the instruments the array names.
 */
export const HELD_INSTRUMENTS = Symbol('held instruments');

export interface Collateral {
  account: string;
  asset: string;
  /** Integer of 10^-quantityScale of the asset; negative for a cash debit. */
  quantity: bigint;
}

/** A whole book at one instant: static data plus the prices to value it at. */
export interface Book {
  policy: Policy;
  instruments: Instrument[];
  assets: Asset[];
  accounts: Account[];
  positions: Position[];
  collateral: Collateral[];
  /** Mark per instrument id, in that instrument's ticks. */
  marks: Map<string, bigint>;
  /** Price per asset id, in 10^-priceScale USD. */
  assetPrices: Map<string, bigint>;
  /** Needed when an instrument is margined by portfolio or an option is marked by the model; absent otherwise. */
  market?: PortfolioMarket;
  /** The options marked by Black-76 for want of an imported price (optionMarks.ts), with their inputs, by id. */
  modelMarks?: Map<string, ModelMark>;
}

/** One model mark with what it was computed from (optionMarks.ts), as the desk and a trace show it. */
export interface ModelMark {
  /** The mark, in the option's ticks. */
  ticks: bigint;
  /** Black-76's price before the rounding to the tick (30 significant digits). */
  price: string;
  underlyingInstrument: string;
  /** F and K as decimal prices; T in years (to 12 places); sigma and r as decimals. */
  forward: string;
  strike: string;
  years: string;
  vol: string;
  /** Where sigma came from: the option's own (its strike's quote) or its underlying instrument's. */
  volFrom: 'strike' | 'underlying';
  rate: string;
  /** The valuation time T is counted from. */
  asOf: string;
  expiry: string;
}
