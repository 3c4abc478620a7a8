// The rows each CSV import kind produces, in the model's exact integer units (methodology §1), and what the parser
// needs to know from the ledger to validate them. docs/csv-formats.md describes every format.
import type { Account, Asset, Bracket, Collateral, Instrument, Position, SpreadDefinition, Tier } from '../engine/model.ts';
import { IMPORT_KINDS } from '../../shared/contract.ts';
import type { Limit } from '../engine/limits.ts';

export const MEMBER_STATUSES = ['active', 'watch', 'suspended', 'defaulted'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A clearing member (design §1). Not in engine/model.ts because the margin engine does not need it. */
export interface Member {
  id: string;
  name: string;
  status: MemberStatus;
  /** Default-fund contribution, micro-USD. */
  defaultFund: bigint;
  /** Assessment cap as a multiple of the contribution, ppm (2_000_000 = 2x). */
  assessmentMultiple: bigint;
}

/** A mark for an instrument at a time. */
export interface PriceRow {
  instrument: string;
  /** ISO-8601 UTC, canonical form `YYYY-MM-DDTHH:MM:SSZ` (milliseconds kept only when not zero). */
  at: string;
  /** In the instrument's ticks. */
  mark: bigint;
  /** Implied volatility, ppm (0.65 -> 650_000), or null. */
  impliedVol: bigint | null;
  source: string | null;
}

/** A price of a collateral asset at a time. */
export interface AssetPriceRow {
  asset: string;
  at: string;
  /** In 10^-priceScale USD of the asset. */
  price: bigint;
  source: string | null;
}

/** The whole tier table of one instrument (a tiers file replaces the tables of the instruments it names). */
export interface TierTable {
  instrument: string;
  tiers: Tier[];
}

/** The whole haircut schedule of one asset (a haircuts file replaces the schedules of the assets it names). */
export interface HaircutTable {
  asset: string;
  haircuts: Bracket[];
}

/** The whole impact table of one instrument (an impact file replaces the tables of the instruments it names). */
export interface ImpactTable {
  instrument: string;
  impact: Bracket[];
}

/** The funding rate of a perpetual for the interval ending at `at`. */
export interface FundingRateRow {
  instrument: string;
  at: string;
  /** In 1e-10 (engine/funding.ts FUNDING_RATE_SCALE): 0.0001 -> 1_000_000. Positive: longs pay shorts. */
  rate: bigint;
  source: string | null;
}

/** The final settlement price of a future, in its ticks. */
export interface SettlementPriceRow {
  instrument: string;
  price: bigint;
  source: string | null;
}

/** A position limit (engine/limits.ts); every limit column null removes the limit. */
export type LimitRow = Limit;

/** A physically delivered future and the asset it delivers (quantity x multiplier units per position quantity). */
export interface DeliveryRow {
  instrument: string;
  asset: string;
}

/** An imported risk array (methodology §4): replaces the computed array of the instrument it names. */
export interface RiskArrayRow {
  instrument: string;
  /** 16 values, micro-USD per one long contract, in §4's scenario order. */
  values: bigint[];
}

/**
 * An implied volatility (methodology §2, Black-76) quoted on the instrument options are written on: at every strike
 * (strike null) or at one strike, in the underlying instrument's ticks.
 */
export interface VolatilityRow {
  underlyingInstrument: string;
  strike: bigint | null;
  at: string;
  /** ppm */
  impliedVol: bigint;
  source: string | null;
}

export interface RowsByKind {
  members: Member[];
  accounts: Account[];
  /** Assets come with `haircuts: []`; their schedules come from a `haircuts` file. */
  assets: Asset[];
  haircuts: HaircutTable[];
  /** Instruments come with `tiers: []`; tiered instruments get their tables from a `tiers` file. */
  instruments: Instrument[];
  tiers: TierTable[];
  impact: ImpactTable[];
  positions: Position[];
  collateral: Collateral[];
  prices: PriceRow[];
  'asset-prices': AssetPriceRow[];
  'funding-rates': FundingRateRow[];
  'settlement-prices': SettlementPriceRow[];
  limits: LimitRow[];
  deliveries: DeliveryRow[];
  'risk-arrays': RiskArrayRow[];
  /** A spreads file replaces the definitions of the spreads it names. */
  spreads: SpreadDefinition[];
  volatilities: VolatilityRow[];
}

export type CsvKind = keyof RowsByKind;

// The contract lists the kinds the import command takes; the parser handles exactly those.
export const CSV_KINDS: readonly CsvKind[] = IMPORT_KINDS;

export function isCsvKind(s: string): s is CsvKind {
  return (CSV_KINDS as readonly string[]).includes(s);
}

/** What one parsed file holds: a discriminated union on `kind` when K is left open. */
export type Rows<K extends CsvKind = CsvKind> = K extends CsvKind
  ? { kind: K; file: string; rows: RowsByKind[K] }
  : never;

/**
 * What validation needs to look up: the ledger as it stands, plus what earlier files of the same import have
 * defined (the importer layers them). Each returns undefined when the id is unknown.
 */
export interface CsvRef {
  member(id: string): Member | undefined;
  account(id: string): Account | undefined;
  asset(id: string): Asset | undefined;
  instrument(id: string): Instrument | undefined;
}

/** A CsvRef over plain lists (tests, the demo book, an importer that has loaded what it needs). */
export function refFromLists(lists: {
  members?: readonly Member[];
  accounts?: readonly Account[];
  assets?: readonly Asset[];
  instruments?: readonly Instrument[];
}): CsvRef {
  const index = <T extends { id: string }>(xs: readonly T[] | undefined): Map<string, T> =>
    new Map((xs ?? []).map((x) => [x.id, x]));
  const members = index(lists.members);
  const accounts = index(lists.accounts);
  const assets = index(lists.assets);
  const instruments = index(lists.instruments);
  return {
    member: (id) => members.get(id),
    account: (id) => accounts.get(id),
    asset: (id) => assets.get(id),
    instrument: (id) => instruments.get(id),
  };
}

/** A ref that looks in `first`, then in `then` (e.g. this import's earlier files, then the ledger). */
export function layerRefs(first: CsvRef, then: CsvRef): CsvRef {
  return {
    member: (id) => first.member(id) ?? then.member(id),
    account: (id) => first.account(id) ?? then.account(id),
    asset: (id) => first.asset(id) ?? then.asset(id),
    instrument: (id) => first.instrument(id) ?? then.instrument(id),
  };
}
