// The command contract: one table from channel to input schema, required role and output type. Every door
// (Electron IPC, browser mode over HTTP, the CLI) validates against it before the command layer runs anything.
// No Node or Electron imports here: the renderer imports this file too.
import { z } from 'zod';
import type { Role } from './roles.ts';
import type { ScreenId } from './screens.ts';

import { decimal, positiveDecimal, unsignedDecimal, isoTime, id, reason, rowId, note, listLimit, safeText, shocks } from './schemaParts.ts';
import { recoveryContract, type ApprovalView } from './contractRecovery.ts';
import { policyContract } from './contractPolicy.ts';
import { fundsContract } from './contractFunds.ts';
import { playbookContract } from './contractPlaybook.ts';
import { integrityContract } from './contractIntegrity.ts';
import { adminContract } from './contractAdmin.ts';
import type { ActionVerdict, CallActions, Capabilities, LiquidationActions } from './contractAllowed.ts';
import { feedContract, FEED_CHANNELS, type FeedStatus } from './contractFeed.ts';
import { lifecycleContract, type LifecycleResult } from './contractLifecycle.ts';
import { portfolioContract } from './contractPortfolio.ts';
import { explainContract } from './contractExplain.ts';
import { metricsContract, type AccountMetrics } from './contractMetrics.ts';
import { attentionContract } from './contractAttention.ts';
import { reportsContract } from './contractReports.ts';

const orderEdits = z
  .array(z.object({ instrument: id, quantity: unsignedDecimal('expected a quantity such as "0.5" (0 drops the order)') }).strict())
  .min(1)
  .max(500);

export const CALL_STATUSES = ['open', 'met', 'overdue', 'escalated', 'waived'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
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

export interface CallEvent {
  at: string;
  actor: string;
  kind: string;
  amount: string | null;
  note: string;
  /** A waiver's or an extension's automatic alternative, as its journal entry records it (calls.get only). */
  automatic?: string;
}

export interface MarginCall {
  id: number;
  account: string;
  member: string;
  cycle: number;
  amount: string;
  deposited: string;
  outstanding: string;
  deadline: string;
  status: CallStatus;
  createdAt: string;
  updatedAt: string;
  /** A waiver above the four-eyes amount that one supervisor asked for and another has yet to confirm. */
  pendingWaiver: { by: string; at: string; reason: string; amount: string } | null;
  history?: CallEvent[];
  /** The signed-in user's actions on the call, as the server judges them (one call's view, not the lists). */
  actions?: CallActions;
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

export interface VerifyResult {
  ok: boolean;
  entries: number;
  headHash: string;
  broken?: { seq: number; reason: string };
}

/** What a journal entry acted on: the console links each to its screen. */
export const JOURNAL_REF_KINDS = ['account', 'call', 'liquidation', 'case', 'member', 'approval', 'assessment'] as const;
export type JournalRefKind = (typeof JOURNAL_REF_KINDS)[number];
export interface JournalRef {
  kind: JournalRefKind;
  id: string;
}

export interface JournalEntry {
  seq: number;
  at: string;
  actor: string;
  command: string;
  /** What the entry did, in words, from its command, payload and result (the server writes it). */
  summary: string;
  /** The accounts, calls, proposals, cases ... it touched, in the order it names them. */
  refs: JournalRef[];
  payload: unknown;
  result: unknown;
  hash: string;
}

/** The audit log's filters, shared by the list and the CSV export. */
const journalFilter = {
  /**
   * Free text. "call 7" (or call:7, liquidation 3, proposal 3, case 2, account X, member M) finds the entries that
   * touched that object, in payload or result; a bare number ("7", "#7") any object with that id; other text an
   * object id, or a substring of the actor, the command, the payload or the result. An imported file over 1 MiB is
   * kept compressed in its entry and its body is not searched: it is found by its file name, kind or sha256.
   */
  search: z.string().max(200).optional(),
  /** Entries at or after `from`, before `to` (UTC instants). */
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** One command, or a family with its dot ("calls."). */
  command: z.string().max(64).regex(/^[a-z][A-Za-z.]*$/, 'a command such as "calls.waive", or a family such as "calls."').optional(),
  /** Newest first (the default), or oldest first. */
  order: z.enum(['newest', 'oldest']).optional(),
};

export interface WhoAmI {
  name: string;
  role: Role;
  /** Signed in with a password an admin set: the console asks for a new one before anything else. */
  mustChangePassword?: boolean;
  /** Per channel, whether this user's role may run it, and if not why (whoami only). */
  capabilities?: Capabilities;
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

export const LIQUIDATION_STATUSES = ['proposed', 'held', 'pending_second', 'approved', 'executing', 'executed', 'rejected', 'superseded'] as const;
export type LiquidationStatus = (typeof LIQUIDATION_STATUSES)[number];

export interface LiquidationFiguresView {
  equity: string;
  mm: string;
  im: string;
  /** equity / MM, 8 places; null when MM is 0. */
  health: string | null;
  status: Status;
  call: string | null;
}

export interface LiquidationOrderView {
  seq: number;
  instrument: string;
  isolated: boolean;
  side: 'buy' | 'sell';
  /** The engine's quantity, in the instrument's units (lots x lot). */
  proposedQuantity: string;
  /** The desk's quantity (the engine's unless edited). */
  quantity: string;
  filledQuantity: string;
  mark: string;
  estimatedPrice: string;
  notional: string;
  fee: string;
  liquidationFee: string;
  insuranceFee: string;
  bankruptcyPrice: string | null;
}

export interface LiquidationReason {
  code: 'health' | 'bankrupt' | 'overdue_call' | 'circuit_breaker' | 'default';
  unit: string;
  text: string;
}

export interface LiquidationSummary {
  id: number;
  account: string;
  member: string;
  cycle: number;
  status: LiquidationStatus;
  reasons: LiquidationReason[];
  before: LiquidationFiguresView;
  after: LiquidationFiguresView;
  notional: string;
  /** Above policy fourEyesNotional: a second, different supervisor must confirm the approval. */
  fourEyes: boolean;
  edited: boolean;
  approvedBy: string | null;
  confirmedBy: string | null;
  automated: boolean;
  /** Whether automation may execute it at the next cycle, and if not, why. */
  automation: { allowed: boolean; why: string };
  createdAt: string;
  updatedAt: string;
}

export interface LiquidationDetail extends LiquidationSummary {
  proposedAfter: LiquidationFiguresView;
  orders: LiquidationOrderView[];
  events: { at: string; actor: string; kind: string; note: string; detail: unknown }[];
  fills: { id: number; seq: number; at: string; actor: string; quantity: string; price: string; simulated: boolean; realised: string; fees: string }[];
  /** Off-band fills above the four-eyes threshold held for a second supervisor, and what became of them. */
  approvals: ApprovalView[];
  /** Whether this ledger books simulated fills (drills): not a live one. */
  simulatedFills: { allowed: boolean; why: string | null };
  /** The signed-in user's decisions on the proposal, as the server judges them. */
  actions?: LiquidationActions;
}

export interface LiquidationPreview {
  orders: LiquidationOrderView[];
  after: LiquidationFiguresView;
  targetMet: boolean;
  notional: string;
  fourEyes: boolean;
  /** Approving these quantities, judged for the signed-in user. */
  approve: ActionVerdict;
}

export interface AutomationSwitchView {
  scope: 'global' | 'instrument' | 'account';
  target: string;
  enabled: boolean;
  reason: string;
  updatedBy: string;
  updatedAt: string;
}

export interface BreakerView {
  id: number;
  instrument: string;
  trippedAt: string;
  window: { from: string; to: string };
  low: string;
  high: string;
  /** The marks in time order: the extreme reached first, and the other. */
  from: string;
  to: string;
  direction: 'rise' | 'fall';
  /** |to - from| / from, 6 places. */
  move: string;
  band: string;
  reset: { at: string; by: string; reason: string } | null;
}

export interface AutomationStatus {
  globalEnabled: boolean;
  switches: AutomationSwitchView[];
  tripped: BreakerView[];
  recentBreakers: BreakerView[];
  funds: { insurance: string; liquidationRevenue: string };
  openShortfalls: { count: number; amount: string };
  policy: { fourEyesNotional: string; bandWindowMinutes: number; targetHealth: string; liquidationFeeRate: string; insuranceFeeRate: string };
}

export interface FundEntryView {
  id: number;
  at: string;
  actor: string;
  kind: string;
  amount: string;
  /** The fund's balance just after this entry. */
  balance: string;
  liquidation: number | null;
  note: string;
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

/** The filters of the liquidation queue (liquidations.list and liquidations.count). */
const liquidationFilter = {
  status: z.enum(LIQUIDATION_STATUSES).optional(),
  account: id.optional(),
  live: z.boolean().optional(),
};

// ---- the table ----
export const contract = {
  'cycle.run': {
    role: 'operator',
    mutates: true,
    input: z.object({ at: isoTime.optional() }).strict(),
    output: null as unknown as CycleSummary,
  },
  /**
   * Live marks from a market-data feed: each stored, and every account the move pushes into needing a margin call
   * (that has none) is called at once, in one transaction with the journal entry. A mark's time may not be after now,
   * nor before its instrument's latest stored mark. The unattended batch actor may run it (a feed is a price import).
   */
  'prices.tick': {
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
    output: null as unknown as TickOutput,
  },
  /** The resident book (the running console's in-memory book) against a fresh full evaluation from the ledger. */
  'resident.check': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as ResidentCheck,
  },
  'calls.list': {
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        status: z.enum(CALL_STATUSES).optional(),
        account: id.optional(),
        limit: listLimit.optional(),
      })
      .strict(),
    output: null as unknown as MarginCall[],
  },
  'calls.get': {
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.deposit': {
    role: 'operator',
    mutates: true,
    /** confirm: true sends a deposit the server asked about (far above the call: confirm_required) again. */
    input: z.object({ id: rowId, amount: positiveDecimal, note: note.optional(), confirm: z.boolean().optional() }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.extend': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, deadline: isoTime, reason }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.waive': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.escalate': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: null as unknown as MarginCall,
  },
  /**
   * Escalates several overdue calls with one reason, in one transaction: each call gets its own 'escalated' event,
   * and one call that cannot be escalated refuses the whole batch (named in the refusal).
   */
  'calls.escalateMany': {
    role: 'operator',
    mutates: true,
    input: z.object({ ids: z.array(rowId).min(1, 'pick at least one call').max(10_000), reason }).strict(),
    output: null as unknown as MarginCall[],
  },
  'import.csv': {
    role: 'operator',
    mutates: true,
    input: z
      .object({ kind: z.enum(IMPORT_KINDS), file: z.string().min(1).max(260).superRefine(safeText(false)), text: z.string().max(512 * 1024 * 1024) })
      .strict(),
    output: null as unknown as ImportResult,
  },
  'journal.verify': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as VerifyResult,
  },
  'journal.list': {
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        /** Paging: entries with seq above afterSeq (oldest first), or below beforeSeq (newest first). */
        afterSeq: z.number().int().min(0).optional(),
        beforeSeq: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(1000),
        ...journalFilter,
      })
      .strict(),
    output: null as unknown as JournalEntry[],
  },
  /** The entries the audit log's filters select as CSV (at most 100,000), cells that a sheet would run escaped. */
  'journal.exportCsv': {
    role: 'viewer',
    mutates: false,
    input: z.object(journalFilter).strict(),
    output: null as unknown as { csv: string; rows: number; truncated: boolean },
  },
  /** The commands the journal holds (the audit log's command filter). */
  'journal.commands': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as string[],
  },
  'session.whoami': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as WhoAmI,
  },
  // Signing in is handled by the door (it binds the user to the window or browser session); the contract still
  // validates its payload. role 'viewer' is never checked for it: there is no actor before sign-in.
  'session.login': {
    role: 'viewer',
    mutates: false,
    input: z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict(),
    output: null as unknown as WhoAmI,
  },
  'session.logout': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as { ok: true },
  },
  // Stops the stress run in progress between two scenarios (the door holds it; a run changes nothing, so stopping is
  // always safe). Answered by the door of the console the run was started from.
  'stress.cancel': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as { cancelled: boolean },
  },
  // Stops the margin cycle the console is running at its next pause (within a few tens of ms): the cycle is rolled
  // back whole and refused as `cancelled`. Answered by the door of the console running it.
  'cycle.cancel': {
    role: 'operator',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as { cancelled: boolean },
  },
  'dashboard.summary': {
    role: 'viewer',
    mutates: false,
    input: z.object({ historyCycles: z.number().int().min(1).max(1000).optional() }).strict(),
    output: null as unknown as DashboardSummary,
  },
  'accounts.list': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as AccountsTable,
  },
  'accounts.version': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as { version: string },
  },
  'accounts.detail': {
    role: 'viewer',
    mutates: false,
    input: z.object({ id, historyCycles: z.number().int().min(1).max(1000).optional() }).strict(),
    output: null as unknown as AccountDetail,
  },
  'accounts.whatif': {
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        id,
        /** Relative price shock per underlying, e.g. { "BTC": "-0.2" } for -20%. */
        shocks,
      })
      .strict(),
    output: null as unknown as WhatIfResult,
  },
  'instruments.list': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as InstrumentView[],
  },
  'prices.history': {
    role: 'viewer',
    mutates: false,
    input: z.object({ instruments: z.array(id).min(1).max(50), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: null as unknown as PriceSeries[],
  },
  'liquidations.list': {
    role: 'viewer',
    mutates: false,
    input: z.object({ ...liquidationFilter, limit: listLimit.optional() }).strict(),
    output: null as unknown as LiquidationSummary[],
  },
  'liquidations.count': {
    role: 'viewer',
    mutates: false,
    input: z.object(liquidationFilter).strict(),
    output: null as unknown as { total: number },
  },
  'liquidations.get': {
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId }).strict(),
    output: null as unknown as LiquidationDetail,
  },
  'liquidations.preview': {
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId, orders: orderEdits }).strict(),
    output: null as unknown as LiquidationPreview,
  },
  'liquidations.approve': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, orders: orderEdits.optional(), note: note.optional() }).strict(),
    output: null as unknown as LiquidationDetail,
  },
  'liquidations.reject': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: null as unknown as LiquidationDetail,
  },
  'liquidations.hold': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: null as unknown as LiquidationDetail,
  },
  'liquidations.release': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, note: note.optional() }).strict(),
    output: null as unknown as LiquidationDetail,
  },
  'liquidations.fill': {
    role: 'operator',
    mutates: true,
    input: z
      .object({
        id: rowId,
        instrument: id,
        quantity: positiveDecimal,
        /** The fill price; leave out with simulate: true to fill at the order's estimated price (drills). */
        price: decimal.optional(),
        simulate: z.boolean().optional(),
      })
      .strict()
      .refine((v) => (v.price === undefined) === (v.simulate === true), {
        message: 'give either a fill price or simulate: true (a fill at the estimated price), not both',
        path: ['price'],
      }),
    output: null as unknown as LiquidationDetail,
  },
  'automation.status': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as AutomationStatus,
  },
  'automation.set': {
    role: 'supervisor',
    mutates: true,
    input: z
      .object({ scope: z.enum(['global', 'instrument', 'account']), target: id.optional(), enabled: z.boolean(), reason })
      .strict()
      .refine((v) => (v.scope === 'global') === (v.target === undefined), {
        message: 'a global switch takes no target; an instrument or account switch names one',
        path: ['target'],
      }),
    output: null as unknown as AutomationStatus,
  },
  'breakers.reset': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ instrument: id, reason }).strict(),
    output: null as unknown as AutomationStatus,
  },
  'funds.history': {
    role: 'viewer',
    mutates: false,
    input: z.object({ fund: z.enum(['insurance', 'liquidation_revenue']), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: null as unknown as FundEntryView[],
  },
  /** Commands held for a second supervisor: pending ones, or one subject's. */
  'approvals.list': {
    role: 'viewer',
    mutates: false,
    input: z.object({ status: z.enum(['pending', 'confirmed', 'declined']).optional(), subject: z.string().max(200).optional(), limit: listLimit.optional() }).strict(),
    output: null as unknown as ApprovalView[],
  },
  /** A second, different supervisor runs a held command as it was asked for. */
  'approvals.confirm': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, note: note.optional() }).strict(),
    output: null as unknown as ApprovalView,
  },
  /** A held command declined by a supervisor, or withdrawn by its requester: nothing runs. */
  'approvals.decline': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: null as unknown as ApprovalView,
  },
  /** What waits for the signed-in user's decision, and what they asked others to decide. */
  'inbox.list': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as InboxItem[],
  },
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
export const DOOR_CHANNELS = ['session.login', 'session.logout', 'stress.cancel', 'cycle.cancel', ...FEED_CHANNELS] as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type InputOf<C extends Channel> = z.infer<Contract[C]['input']>;
export type OutputOf<C extends Channel> = Contract[C]['output'];

export const CHANNELS = Object.keys(contract) as Channel[];
export const isChannel = (s: string): s is Channel => Object.hasOwn(contract, s);

export { decimal as decimalSchema, isoTime as isoTimeSchema };
