// The instrument lifecycle's channels (issue 18): funding of perpetuals, expiry and settlement of futures, and the
// history and ladder the console shows. Merged into the contract in contract.ts. Every amount a decimal string.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { decimal, id, isoTime, listLimit } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

/** A future settled at expiry by this run. */
export interface ExpirySettled {
  instrument: string;
  expiry: string;
  /** The final settlement price, and where it came from: imported, or the last mark at or before expiry (its time). */
  price: string;
  rule: 'imported' | 'last_mark';
  priceAt: string | null;
  positions: number;
  /** Realised P&L summed over the positions closed, USD. */
  realised: string;
}

/** A funding time paid by this run. */
export interface FundingPaid {
  instrument: string;
  at: string;
  /** The interval's rate (positive: longs pay shorts), and the mark the positions were valued at, with its time. */
  rate: string;
  mark: string;
  markAt: string;
  positions: number;
  /** Taken from payers, paid to receivers, and the difference booked to the clearinghouse's funding account. */
  debited: string;
  credited: string;
  house: string;
}

/**
 * An option expired by this run. The underlying's final settlement price (imported on the option's own row, the
 * underlying future's settlement when it settles with or before the option, else the underlying's last mark at or
 * before expiry) decides: in the money, the longs' lots are exercised (into the underlying instrument at the strike,
 * or in cash) and assigned to the shorts by the policy's method; out of the money, every position expires worthless.
 */
export interface OptionExpired {
  instrument: string;
  expiry: string;
  underlyingPrice: string;
  rule: 'imported' | 'underlying_settlement' | 'underlying_mark';
  priceAt: string | null;
  inTheMoney: boolean;
  settles: 'exercise' | 'cash';
  /** The instrument exercised into (settles = exercise). */
  into: string | null;
  method: 'pro_rata' | 'random';
  /** The seed a random assignment drew with. */
  seed: string | null;
  /** In the option's quantity: long lots exercised, short lots assigned. */
  exercised: string;
  assigned: string;
  positions: number;
}

/**
 * A position limit an option's exercise or assignment at expiry took an account over, or further over than it was.
 * Expiry is never refused: the breach is listed (the run's result, the dashboard's alerts, limits.list) naming the
 * limit, the value and the account, and the limit gate then lets the account reduce but not add.
 */
export interface ExpiryLimitBreach {
  account: string;
  scope: 'instrument' | 'account' | 'member';
  subject: string;
  /** The limit's instrument ('*': every instrument). */
  instrument: string;
  /** 'unmeasured': the limit could not be measured after the expiry (the message says why). */
  metric: 'lots' | 'notional' | 'leverage' | 'oiShare' | 'unmeasured';
  message: string;
}

/** What one lifecycle run (a cycle's first step, or lifecycle.run) did as of `at`. */
export interface LifecycleResult {
  at: string;
  settled: ExpirySettled[];
  /** Options expired (present only when one did, so that results journalled before options expired read the same). */
  options?: OptionExpired[];
  /** Expired futures and options that could not settle (no price to settle at): still open. */
  unsettled: { instrument: string; expiry: string; why: string }[];
  funding: FundingPaid[];
  /** Funding times due that have no mark at or before them: not paid until one is stored. */
  unpriced: { instrument: string; at: string }[];
  /** Limits the options' exercise and assignment breached (present only when one did). */
  limitBreaches?: ExpiryLimitBreach[];
}

export interface FundingEventView extends FundingPaid {
  paidAt: string;
  actor: string;
  /** house less the exact funding of the book's net position: what rounding left (>= 0). */
  residue: string;
}

/** What physically delivered futures will deliver in the coming days, per position (the delivery-risk view). */
export interface DeliveryRiskView {
  from: string;
  to: string;
  due: {
    instrument: string;
    expiry: string;
    asset: string;
    account: string;
    member: string;
    /** Asset units: + to receive, - to deliver. */
    quantity: string;
    /** USD at the latest mark: - to pay, + to be paid (the settlement price decides). */
    cash: string;
    /** The account's holding of the asset now, and what it lacks to deliver (0 for a receiver). */
    holding: string;
    short: string;
  }[];
}

export interface AccountLifecycleView {
  account: string;
  deliveries: { instrument: string; asset: string; quantity: string; cash: string }[];
  funding: { instrument: string; at: string; quantity: string; value: string; rate: string; mark: string; amount: string }[];
  expiries: { instrument: string; settledAt: string; quantity: string; price: string; rule: string; realised: string; cash: string }[];
  /** Option positions closed at expiry: lots exercised or assigned, what was taken of the underlying instrument. */
  options: { instrument: string; settledAt: string; quantity: string; underlyingPrice: string; lots: string; into: string | null; underlyingQuantity: string; cash: string; realised: string }[];
}

/** Positions each member holds in what falls due. */
export type MemberPositions = { member: string; positions: number }[];

/** What expires, settles or pays funding in the coming days (the expiry ladder), with each member's share. */
export interface LifecycleLadder {
  from: string;
  to: string;
  expiries: { instrument: string; expiry: string; positions: number; members: MemberPositions }[];
  funding: { instrument: string; at: string; rate: string; members: MemberPositions }[];
}

export interface LifecycleOverview {
  /** The clearinghouse's funding account: every funding time's house share, summed. */
  fundingAccount: string;
  funding: FundingEventView[];
  settlements: (ExpirySettled & { settledAt: string; actor: string })[];
  optionExpiries: (OptionExpired & { settledAt: string; actor: string })[];
  ladder: LifecycleLadder;
}

export interface LimitView {
  scope: 'instrument' | 'account' | 'member';
  subject: string;
  instrument: string;
  /** In the instrument's quantity; USD; a multiple of equity; a share of open interest. Null: not set. */
  maxPosition: string | null;
  maxNotional: string | null;
  maxLeverage: string | null;
  maxOiShare: string | null;
}

export interface LimitsView {
  limits: LimitView[];
  /** Breaches present now, each named: limit, account, value and maximum. */
  breaches: { scope: LimitView['scope']; subject: string; instrument: string; account: string; metric: 'lots' | 'notional' | 'leverage' | 'oiShare'; message: string }[];
}

/** Funding-rate marks a batch holds at most (a feed sends one per perpetual every few seconds). */
export const MAX_FUNDING_MARKS = 1_000;

/**
 * What funding.tick stored: per mark, the funding time it rates and the rate that time will be paid at unless a later
 * mark (or a funding-rates file) changes it before it is paid.
 */
export interface FundingTickOutput {
  stored: { instrument: string; fundingTime: string; rate: string; time: string }[];
}

const lifecycleResult = returns<LifecycleResult>();

export const lifecycleContract = {
  /**
   * Settles every future expired at or before `at` (default now) and pays every funding time due by then, each once:
   * what a margin cycle does first. Not after now.
   */
  'lifecycle.run': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z.object({ at: isoTime.optional() }).strict(),
    output: lifecycleResult,
    emits: [],
    refuses: ['lifecycle_in_future', 'no_price', 'no_settlement_asset'],
  }),
  /**
   * Live marks of perpetuals' funding rates from a market-data feed: each rates the funding time it names (the rate of
   * the interval ending then, positive: longs pay shorts), observed at `time`. The funding time is paid at the latest
   * rate stored for it when it falls due (lifecycle/fundingTick.ts has the rule and the checks).
   */
  'funding.tick': defineCommand({
    role: 'operator' as Role,
    mutates: true,
    input: z
      .object({
        rates: z
          .array(z.object({ instrument: id, rate: decimal, fundingTime: isoTime, time: isoTime }).strict())
          .min(1, 'send at least one funding rate')
          .max(MAX_FUNDING_MARKS, `at most ${MAX_FUNDING_MARKS} funding rates a batch`),
      })
      .strict(),
    output: returns<FundingTickOutput>(),
    emits: [],
    refuses: [],
  }),
  /** Funding times paid and futures settled, newest first, the funding account's balance, and the next 30 days. */
  'lifecycle.overview': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ instrument: id.optional(), limit: listLimit.optional() }).strict(),
    output: returns<LifecycleOverview>(),
    emits: [],
    refuses: [],
  }),
  /** One account's funding payments and positions closed at expiry, newest first. */
  'lifecycle.account': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ account: id, limit: listLimit.optional() }).strict(),
    output: returns<AccountLifecycleView>(),
    emits: [],
    refuses: [],
  }),
  /** Physically delivered futures expiring in the next `days` (default 7): what each position delivers or receives. */
  'lifecycle.deliveries': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ days: z.number().int().min(1).max(90).optional() }).strict(),
    output: returns<DeliveryRiskView>(),
    emits: [],
    refuses: [],
  }),
  /** The position limits and every breach present now (limits are imported as a supervisor's limits CSV). */
  'limits.list': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<LimitsView>(),
    emits: [],
    refuses: ['no_price'],
  }),
} as const;
