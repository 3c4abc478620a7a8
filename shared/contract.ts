// The command contract: one table from channel to input schema, least role, output type, the events it announces and
// the refusals its rules give (each entry a defineCommand, shared/command.ts; refusal codes in shared/refusals.ts).
// Every door (Electron IPC, browser mode over HTTP, the CLI) validates against it before the command layer runs anything.
// No Node or Electron imports here: the renderer imports this file too.
import { z } from 'zod';
import type { Role } from './roles.ts';
import type { ScreenId } from './screens.ts';

import { decimal, isoTime, id, reason, rowId, note, listLimit, safeText, shocks } from './schemaParts.ts';
import { recoveryContract, type ApprovalView } from './contractRecovery.ts';
import { policyContract } from './contractPolicy.ts';
import { fundsContract } from './contractFunds.ts';
import { playbookContract, DRILL_CHANNELS } from './contractPlaybook.ts';
import { integrityContract } from './contractIntegrity.ts';
import { adminContract } from './contractAdmin.ts';
import type { Capabilities } from './contractAllowed.ts';
import { feedContract, FEED_CHANNELS, type FeedStatus } from './contractFeed.ts';
import { lifecycleContract, type LifecycleResult } from './contractLifecycle.ts';
import { portfolioContract, type CommodityFigures } from './contractPortfolio.ts';
import { explainContract } from './contractExplain.ts';
import { metricsContract, type AccountMetrics } from './contractMetrics.ts';
import { attentionContract } from './contractAttention.ts';
import { reportsContract } from './contractReports.ts';
import { defineCommand, returns, type OutputOfSpec } from './command.ts';
import { callsContract, type MarginCall } from './contractCalls.ts';
import { journalContract } from './contractJournal.ts';
import { liquidationsContract } from './contractLiquidations.ts';

// The areas' own types, where the console and the command layer have always found them.
export * from './contractCalls.ts';
export * from './contractJournal.ts';
export * from './contractLiquidations.ts';

export const IMPORT_KINDS = [
  'members',
  'accounts',
  'assets',
  'haircuts',
  'instruments',
  'tiers',
  'impact',
  'positions',
  'collateral',
  'prices',
  'asset-prices',
  'funding-rates',
  'settlement-prices',
  'deliveries',
  'limits',
  'risk-arrays',
  'spreads',
  'volatilities',
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

// ---- outputs (plain JSON: every amount a decimal string) ----
export interface CycleSummary {
  cycle: number;
  asOf: string;
  accounts: number;
  /** held: accounts that need a call but whose waived or escalated call holds it off. */
  calls: { issued: number; updated: number; met: number; overdue: number; held: number };
  statuses: Record<'healthy' | 'warning' | 'call' | 'liquidation' | 'bankrupt', number>;
  totals: { equity: string; mm: string; im: string; openCalls: string };
  exactPathAccounts: number;
  /** Liquidation proposals made, replaced, executed by automation, and left to the desk's decision. */
  liquidations: { proposed: number; superseded: number; executed: number; inReview: number };
  /** Instruments whose circuit breaker this cycle tripped. */
  breakersTripped: string[];
  /**
   * The times of the oldest and newest instrument marks the cycle used (the latest at or before asOf for each held
   * instrument): a cycle run now may value a book at marks from much earlier, and the desk must see that.
   */
  prices: { oldest: string | null; newest: string | null; oldestInstrument: string | null };
  /** The policy version the cycle ran under (policies.list; its calls and plans record theirs). */
  policyVersion: number;
  /** Futures settled and funding paid as the cycle's first step; absent when there was nothing to do. */
  lifecycle?: LifecycleResult;
  ms: number;
}

export interface ImportResult {
  kind: ImportKind;
  file: string;
  rows: number;
}

/** The most marks one prices.tick batch may carry. */
export const MAX_TICK_MARKS = 10_000;

/** What a batch of live marks did: the marks stored and the margin calls they issued, in the order issued. */
export interface TickOutput {
  stored: number;
  calls: { account: string; callId: number; amount: string }[];
}

/** The resident book against a fresh full evaluation from the ledger (resident.check). */
export interface ResidentCheck {
  /** Whether the running process holds a resident book at all (the CLI does not: it evaluates cold). */
  resident: boolean;
  ok: boolean;
  accounts: number;
  /** The first differences found (account, figure, resident value, full-evaluation value), at most 20. */
  differences: { account: string; figure: string; resident: string; full: string }[];
  /** How many times the resident book has been read whole from the ledger since the console started. */
  loads: number;
  /** Time the check took, ms. */
  ms: number;
}

export interface WhoAmI {
  name: string;
  role: Role;
  /** Signed in with a password an admin set: the console asks for a new one before anything else. */
  mustChangePassword?: boolean;
  /** Per channel, whether this user's role may run it, and if not why (whoami only). */
  capabilities?: Capabilities;
  /**
   * The server's clock when it answered (whoami only): the console's countdowns run on it, so a call the server
   * holds not yet due is not shown late by a browser whose clock differs (a drill's clock, serve --now).
   */
  now?: string;
}

export type Status = 'healthy' | 'warning' | 'call' | 'liquidation' | 'bankrupt';

export interface Alert {
  at: string;
  level: 'info' | 'warning' | 'critical';
  text: string;
}

export interface DashboardSummary {
  /** The latest cycle, or null before the first one. */
  cycle: number | null;
  asOf: string | null;
  /** The marks the latest cycle used: see CycleSummary.prices. */
  prices: { oldest: string | null; newest: string | null; oldestInstrument: string | null } | null;
  totals: { equity: string; mm: string; im: string };
  statuses: Record<Status, number>;
  openCalls: { count: number; amount: string; overdue: number };
  alerts: Alert[];
  /** Totals of the latest cycles, oldest first, for the margin and equity chart. */
  history: { cycle: number; asOf: string; equity: string; mm: string; im: string }[];
}

/** Every account of the latest cycle as columns (one array per field, same order): compact for 100k rows. */
export interface AccountsTable {
  cycle: number | null;
  asOf: string | null;
  /**
   * The ledger state the table was made at (the latest cycle and the journal's head): the same version is the same
   * table, so a console that holds it asks `accounts.version` instead of fetching 100k rows again.
   */
  version: string;
  columns: {
    id: string[];
    member: string[];
    kind: ('house' | 'client')[];
    status: Status[];
    equity: string[];
    mm: string[];
    im: string[];
    /** equity / MM as a float, for sorting and display only (null: MM is 0); decisions use the exact figures. */
    health: (number | null)[];
    call: (string | null)[];
    /** MM / equity and IM / equity (8 places; null when equity <= 0), and equity - IM (USD), every unit summed. */
    marginRatio: (string | null)[];
    utilisation: (string | null)[];
    excess: string[];
  };
}

export interface PositionView {
  instrument: string;
  quantity: string;
  entryPrice: string;
  mark: string;
  /** Where a model made the mark: "model: Black-76 (F ..., K ..., T ..., sigma ..., r ...) ..."; null for an imported price. */
  markSource: string | null;
  notional: string;
  upnl: string;
  mm: string;
  im: string;
  /** The exact root of equity = MM (8 places, methodology §5), or null; read `liquidation` for what it means. */
  liquidationPrice: string | null;
  /**
   * The liquidation price as shown: 'price' (rounded to the tick toward the side that triggers sooner), 'passed'
   * (the unit is already under maintenance margin: the root is a recovery price) or 'none'; with a sentence.
   */
  liquidation: { state: 'price' | 'passed' | 'none'; price: string | null; text: string };
  /** Per unit of the underlying, for closing the whole position (methodology §7, dYdX form), 8 places; null when flat. */
  bankruptcyPrice: string | null;
  isolated: { equity: string; mm: string; im: string; status: Status } | null;
}

export interface CollateralView {
  asset: string;
  quantity: string;
  price: string;
  /** Value after haircut (USD). */
  value: string;
  /** The haircut taken off the gross value (USD; 0 for a debit). */
  haircut: string;
  /** The rule that set the bracket the holding lies in (docs/collateral-haircuts.md); null for a debit. */
  haircutRule: string | null;
}

/** One margin unit of an account (methodology §5): its cross part, or one isolated position. */
export interface MarginUnitView {
  unit: 'cross' | 'isolated';
  /** The isolated position's instrument; null for the cross part. */
  instrument: string | null;
  equity: string;
  mm: string;
  im: string;
  /** equity / MM to 8 decimal places, null when MM is 0. */
  health: string | null;
  status: Status;
}

/**
 * An account's figures over every margin unit, as the accounts grid shows them: equity, MM and IM of the cross part
 * plus each isolated position's; health the worst unit's; the status the worst unit's (raised for an overdue call).
 * Collateral is the cross part's (an isolated position holds its own margin instead).
 */
export interface AccountFigures {
  collateral: string;
  equity: string;
  mm: string;
  im: string;
  /** The worst unit's equity / MM to 8 decimal places, null when it has no MM. */
  health: string | null;
  status: Status;
  call: string | null;
  /** Each unit when the account holds an isolated position: the cross part, then each isolated position in order. Empty otherwise (the figures are the cross part's). */
  units: MarginUnitView[];
}

export interface AccountDetail {
  account: { id: string; member: string; kind: 'house' | 'client'; mode: 'cross' | 'isolated' };
  asOf: string;
  figures: AccountFigures;
  /** Margin ratio, utilisation, excess and the price moves to call, liquidation and bankruptcy (issue 21 item 3). */
  metrics: AccountMetrics;
  positions: PositionView[];
  collateral: CollateralView[];
  history: { cycle: number; asOf: string; equity: string; mm: string; im: string; status: Status }[];
  openCall: MarginCall | null;
}

export interface WhatIfResult {
  shocks: Record<string, string>;
  figures: AccountFigures;
  positions: PositionView[];
  /** The holdings at the shocked prices: an underlying's shock moves the collateral asset of the same id. */
  collateral: CollateralView[];
  /** The combined commodities (portfolio margin) at the shocked prices, scanned again: scan risk, credits, MM. */
  commodities: CommodityFigures[];
}

export interface InstrumentView {
  id: string;
  kind: string;
  underlying: string;
  lot: string;
  tick: string;
  multiplier: string;
}

export interface PriceSeries {
  instrument: string;
  points: { at: string; mark: string }[];
}

/** What the main side pushes to the console (Electron IPC event, or SSE in browser mode). */
export type ConsoleEvent =
  | { type: 'cycle.done'; summary: CycleSummary }
  /** From the Electron menu: show a screen (the window's own shortcuts do the same in the page). */
  | { type: 'navigate'; screen: ScreenId }
  | { type: 'calls.changed' }
  | { type: 'liquidations.changed' }
  /** Long work (a stress run) step by step: `done` of `total` steps, the step just finished, and who started it. */
  | { type: 'progress'; task: 'stress.run'; done: number; total: number; label: string | null; by: string }
  | { type: 'alert'; alert: Alert }
  /** The market-data feed's state, about once a second while a feed is attached or was (contractFeed.ts). */
  | { type: 'feed.status'; status: FeedStatus }
  /** Accounts whose figures or calls changed outside a full cycle (a price tick, a deposit): refetch those rows. */
  | { type: 'accounts.changed'; accounts: string[] };

// ---- the table ----
export const contract = {
  'cycle.run': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ at: isoTime.optional() }).strict(),
    output: returns<CycleSummary>(),
    emits: ['cycle.done', 'calls.changed', 'liquidations.changed', 'alert'],
    refuses: ['cycle_before_latest', 'cycle_in_future', 'fill_refused', 'no_position', 'no_price', 'no_settlement_asset', 'not_approved'],
  }),
  /**
   * Live marks from a market-data feed: each stored, and every account the move pushes into needing a margin call
   * (that has none) is called at once, in one transaction with the journal entry. A mark's time may not be after now,
   * nor before its instrument's latest stored mark. The unattended batch actor may run it (a feed is a price import).
   */
  'prices.tick': defineCommand({
    role: 'operator',
    mutates: true,
    input: z
      .object({
        marks: z
          .array(z.object({ instrument: id, price: decimal, time: isoTime }).strict())
          .min(1, 'send at least one mark')
          .max(MAX_TICK_MARKS, `at most ${MAX_TICK_MARKS} marks a batch`),
      })
      .strict(),
    output: returns<TickOutput>(),
    emits: ['calls.changed', 'accounts.changed'],
    refuses: [],
  }),
  /** The resident book (the running console's in-memory book) against a fresh full evaluation from the ledger. */
  'resident.check': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<ResidentCheck>(),
    emits: [],
    refuses: [],
  }),
  // Margin calls.
  ...callsContract,
  'import.csv': defineCommand({
    role: 'operator',
    mutates: true,
    input: z
      .object({ kind: z.enum(IMPORT_KINDS), file: z.string().min(1).max(260).superRefine(safeText(false)), text: z.string().max(512 * 1024 * 1024) })
      .strict(),
    output: returns<ImportResult>(),
    emits: [],
    refuses: ['member_not_active', 'no_price'],
  }),
  // The journal and the audit log.
  ...journalContract,
  'session.whoami': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<WhoAmI>(),
    emits: [],
    refuses: ['sign_in_required'],
  }),
  // Signing in is handled by the door (it binds the user to the window or browser session); the contract still
  // validates its payload. role 'viewer' is never checked for it: there is no actor before sign-in.
  'session.login': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict(),
    output: returns<WhoAmI>(),
    emits: [],
    refuses: [],
  }),
  'session.logout': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<{ ok: true }>(),
    emits: [],
    refuses: [],
  }),
  // Stops the stress run in progress between two scenarios (the door holds it; a run changes nothing, so stopping is
  // always safe). Answered by the door of the console the run was started from.
  'stress.cancel': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<{ cancelled: boolean }>(),
    emits: [],
    refuses: [],
  }),
  // Stops the margin cycle the console is running at its next pause (within a few tens of ms): the cycle is rolled
  // back whole and refused as `cancelled`. Answered by the door of the console running it.
  'cycle.cancel': defineCommand({
    role: 'operator',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<{ cancelled: boolean }>(),
    emits: [],
    refuses: [],
  }),
  'dashboard.summary': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ historyCycles: z.number().int().min(1).max(1000).optional() }).strict(),
    output: returns<DashboardSummary>(),
    emits: [],
    refuses: [],
  }),
  'accounts.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<AccountsTable>(),
    emits: [],
    refuses: [],
  }),
  'accounts.version': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<{ version: string }>(),
    emits: [],
    refuses: [],
  }),
  'accounts.detail': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ id, historyCycles: z.number().int().min(1).max(1000).optional() }).strict(),
    output: returns<AccountDetail>(),
    emits: [],
    refuses: ['no_price'],
  }),
  'accounts.whatif': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        id,
        /** Relative price shock per underlying, e.g. { "BTC": "-0.2" } for -20%. */
        shocks,
      })
      .strict(),
    output: returns<WhatIfResult>(),
    emits: [],
    refuses: ['no_price'],
  }),
  'instruments.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<InstrumentView[]>(),
    emits: [],
    refuses: [],
  }),
  'prices.history': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ instruments: z.array(id).min(1).max(50), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: returns<PriceSeries[]>(),
    emits: [],
    refuses: [],
  }),
  // Liquidation proposals, automation and breakers, the funds' history.
  ...liquidationsContract,
  /** Commands held for a second supervisor: pending ones, or one subject's. */
  'approvals.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ status: z.enum(['pending', 'confirmed', 'declined']).optional(), subject: z.string().max(200).optional(), limit: listLimit.optional() }).strict(),
    output: returns<ApprovalView[]>(),
    emits: [],
    refuses: [],
  }),
  /** A second, different supervisor runs a held command as it was asked for. */
  'approvals.confirm': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, note: note.optional() }).strict(),
    output: returns<ApprovalView>(),
    emits: [],
    refuses: ['four_eyes', 'not_pending'],
  }),
  /** A held command declined by a supervisor, or withdrawn by its requester: nothing runs. */
  'approvals.decline': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: returns<ApprovalView>(),
    emits: [],
    refuses: ['not_pending'],
  }),
  /** What waits for the signed-in user's decision, and what they asked others to decide. */
  'inbox.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<InboxItem[]>(),
    emits: [],
    refuses: ['call_closed', 'case_state', 'four_eyes', 'not_pending', 'waiver_stale'],
  }),
  // Default management (issue 5) lives in its own table, merged here.
  ...recoveryContract,
  // The desk's policy, versioned, each change under four eyes (issue 14 item 4).
  ...policyContract,
  // Tamper evidence (issue 14 item 7).
  ...integrityContract,
  // Users, roles and sessions (issue 14).
  ...adminContract,
  // The market-data feed and the live console (issue 15).
  ...feedContract,
  // Funding of perpetuals, expiry and settlement of futures (issue 18).
  ...lifecycleContract,
  // Portfolio (SPAN-style) margin (issue 17).
  ...portfolioContract,
  // Explain any figure (issue 21 item 1).
  ...explainContract,
  // The metrics desks read (issue 21 item 3).
  ...metricsContract,
  // What needs attention first on the dashboard (issue 21 item 8).
  ...attentionContract,
  // Overrides beside the automatic path, the end-of-day report (issue 21 items 2 and 7).
  ...reportsContract,
  // Recovery playbooks, live runs and drills (issue 16).
  ...playbookContract,
  // The insurance fund as a layer: its floor, draws that cover shortfalls (issue 21 item 5).
  ...fundsContract,
} as const;

/**
 * One item awaiting a decision. `confirm` and `decline` are the channels and payloads that decide it (the server
 * says which; the console only sends them), null where the signed-in user may not take that step, with `why`.
 */
export interface InboxItem {
  kind: 'approval' | 'liquidation' | 'waiver' | 'declaration' | 'playbook';
  id: number;
  subject: string;
  summary: string;
  requestedBy: string;
  requestedAt: string;
  /** The user asked for it themselves: it waits for someone else. */
  mine: boolean;
  confirm: { channel: Channel; payload: Record<string, unknown>; needsReason: boolean } | null;
  decline: { channel: Channel; payload: Record<string, unknown>; needsReason: boolean } | null;
  why: string | null;
}

/** Channels the doors answer themselves (no actor yet, or they change the door's session). */
export const DOOR_CHANNELS = ['session.login', 'session.logout', 'stress.cancel', 'cycle.cancel', ...FEED_CHANNELS, ...DRILL_CHANNELS] as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type InputOf<C extends Channel> = z.infer<Contract[C]['input']>;
export type OutputOf<C extends Channel> = OutputOfSpec<Contract[C]>;

export const CHANNELS = Object.keys(contract) as Channel[];
export const isChannel = (s: string): s is Channel => Object.hasOwn(contract, s);

export { decimal as decimalSchema, isoTime as isoTimeSchema };
