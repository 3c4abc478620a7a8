// Default management's channels (design.md §2.4-2.6, methodology §8): merged into the contract in contract.ts.
// Member standing (suspend, reinstate, default with four eyes), the default case (porting, close-out by liquidation
// or auction, the waterfall, assessments, recovery tools), and stress tests. Every amount is a decimal string (USD).
import { z } from 'zod';
import type { CaseActions, MemberActions } from './contractAllowed.ts';
import { decimal, positiveDecimal, isoTime, id, reason, rowId, note, safeText, shocks } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

export const MEMBER_STATUSES = ['active', 'watch', 'suspended', 'defaulted'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const DEFAULT_CASE_STATUSES = ['pending_second', 'open', 'closed_out', 'allocated', 'recovered', 'withdrawn'] as const;
export type DefaultCaseStatus = (typeof DEFAULT_CASE_STATUSES)[number];

/** Recovery tools (methodology §8.1 layer 7), each used at most once, in the order given. */
export const LEDGER_RECOVERY_TOOLS = ['vmGainsHaircut', 'adl', 'partialTearUp', 'socialisedLoss'] as const;
export type LedgerRecoveryTool = (typeof LEDGER_RECOVERY_TOOLS)[number];

/**
 * What the engine applies by itself when no one chooses (the overrides' automatic alternative): the methodology's
 * order, with auto-deleveraging as its "partial tear-up or auto-deleveraging" step.
 */
export const AUTOMATIC_RECOVERY_TOOLS: readonly LedgerRecoveryTool[] = ['vmGainsHaircut', 'adl', 'socialisedLoss'];

/**
 * Why a list of recovery tools is not a policy, or null. Auto-deleveraging and partial tear-up both close the
 * positions opposing the defaulter's (methodology §8.1 layer 7 names them as alternatives): one policy uses one.
 */
export function recoveryToolsProblem(tools: readonly LedgerRecoveryTool[]): string | null {
  if (new Set(tools).size !== tools.length) return 'each recovery tool at most once';
  if (tools.includes('adl') && tools.includes('partialTearUp')) return 'auto-deleveraging and partial tear-up both close the positions opposing the defaulter: choose one';
  return null;
}

export const ASSESSMENT_STATUSES = ['open', 'overdue', 'paid'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

// ---- outputs ----

export interface MemberEventView {
  at: string;
  actor: string;
  from: MemberStatus;
  to: MemberStatus;
  reason: string;
  case: number | null;
}

export interface MemberStanding {
  id: string;
  name: string;
  status: MemberStatus;
  /** Current default-fund contribution (reduced by waterfall use, raised by replenishment). */
  defaultFund: string;
  /** Assessment cap as a multiple of the contribution, e.g. "2". */
  assessmentMultiple: string;
  accounts: { house: number; client: number };
  /** The member's live default case (declared, open, closed out, allocated or recovered), if any. */
  defaultCase: number | null;
  assessments: { open: number; overdue: number; outstanding: string };
  /** Default-fund replenishment still owed after waterfalls used the contribution. */
  replenishmentDue: string;
  events: MemberEventView[];
  /** The signed-in user's actions on the member, as the server judges them. */
  actions?: MemberActions;
}

export interface DefaultEventView {
  at: string;
  actor: string;
  kind: 'declared' | 'confirmed' | 'withdrawn' | 'ported' | 'closed_out' | 'bid' | 'awarded' | 'waterfall' | 'assessed' | 'recovered';
  note: string;
  detail: unknown;
}

export interface CloseOutView {
  method: 'liquidation' | 'auction';
  at: string;
  /** The defaulter's own margin before the close-out: its house accounts' positive holdings and isolated margins. */
  margin: string;
  /**
   * After the close-out (no positions left): the house accounts' equity less the deficits of the client accounts
   * closed out with them (a client's surplus stays the client's: client margin is segregated).
   */
  equityAfter: string;
  /** What the portfolio lost before the defaulter's own margin is applied: max(0, margin - equityAfter). */
  loss: string;
}

export interface DefaultCaseSummary {
  id: number;
  member: string;
  memberName: string;
  status: DefaultCaseStatus;
  reason: string;
  declaredBy: string;
  declaredAt: string;
  confirmedBy: string | null;
  confirmedAt: string | null;
  closeOut: CloseOutView | null;
  /** Loss left after the assessments layer (what recovery tools must cover); null before the waterfall. */
  residual: string | null;
  /** The resolution gap after the recovery tools; null before they are applied. */
  uncovered: string | null;
  /** What the case's assessments still have owed (called less paid), "0" before any are triggered. */
  assessmentsOutstanding: string;
  /**
   * The status the desk reads: the stored status (the last step the case took), except that an allocated or
   * recovered case is 'recovering' while any of its assessments is unpaid. Computed on the server.
   */
  standing: DefaultCaseStatus | 'recovering';
  updatedAt: string;
}

export interface WaterfallLayerView {
  name: string;
  available: string;
  used: string;
  remaining: string;
}

export interface CaseAccountView {
  id: string;
  kind: 'house' | 'client';
  /** The member holding the account now (the defaulter, or the member it was ported to). */
  member: string;
  disposition: 'remaining' | 'ported' | 'closed_out';
  positions: number;
}

export interface BidView {
  id: number;
  /** "*" for the whole portfolio, or an underlying's sub-portfolio. */
  lot: string;
  member: string;
  account: string;
  /** USD the bidder pays for taking the lot at its marks (negative: the bidder is paid to take it). */
  amount: string;
  at: string;
  actor: string;
  status: 'open' | 'won' | 'lost';
  note: string;
}

export interface AssessmentView {
  id: number;
  case: number;
  member: string;
  amount: string;
  cap: string;
  paid: string;
  outstanding: string;
  due: string;
  status: AssessmentStatus;
  createdAt: string;
  createdBy: string;
  payments: { at: string; actor: string; amount: string; note: string }[];
}

export interface RecoveryAllocationView {
  tool: LedgerRecoveryTool;
  member: string;
  account: string | null;
  amount: string;
  detail: unknown;
}

export interface DefaultCaseDetail extends DefaultCaseSummary {
  /** The margin cycle VM gains are measured from (the latest at confirmation). */
  baselineCycle: number | null;
  timeline: DefaultEventView[];
  accounts: CaseAccountView[];
  ports: { account: string; from: string; to: string; at: string; actor: string; equity: string; im: string }[];
  closeOutPositions: { account: string; instrument: string; quantity: string; mark: string; price: string; liquidation: number | null; bid: number | null }[];
  bids: BidView[];
  waterfall: {
    at: string;
    by: string;
    /** defaulterMargin, defaulterDefaultFund, ccpFirstTranche, defaultFund, ccpSecondTranche, assessments, then the recovery tools applied. */
    layers: WaterfallLayerView[];
    members: { id: string; defaultFund: string; defaultFundUsed: string; assessment: string; assessmentCap: string }[];
    residual: string;
  } | null;
  assessments: AssessmentView[];
  replenishments: { member: string; amount: string; replenished: string; outstanding: string; due: string; status: 'due' | 'met' }[];
  recovery: { tools: LedgerRecoveryTool[]; at: string; allocations: RecoveryAllocationView[]; uncovered: string } | null;
  /** Port, award, assessment and recovery-tool commands held for a second supervisor, and what became of them. */
  approvals: ApprovalView[];
  /** The signed-in user's decisions on the declaration, as the server judges them. */
  actions?: CaseActions;
}

/** A command held for a second supervisor (contract entries marked fourEyes). */
export interface ApprovalView {
  id: number;
  channel: string;
  /** What it acts on ('case:3') and what confirming it does, in words. */
  subject: string;
  summary: string;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'confirmed' | 'declined';
  decidedBy: string | null;
  decidedAt: string | null;
  note: string;
}

export interface RecoveryPolicyResult {
  tools: LedgerRecoveryTool[];
  layers: WaterfallLayerView[];
  uncovered: string;
  /** Per member: what it (or its accounts) would bear, in total and by tool. */
  members: { member: string; total: string; byTool: Partial<Record<LedgerRecoveryTool, string>> }[];
}

export interface RecoveryComparison {
  case: number;
  residual: string;
  /** The prices the comparison values positions at (the latest cycle's as-of). */
  asOf: string;
  policies: [RecoveryPolicyResult, RecoveryPolicyResult];
  /** Side by side per member: policy A, policy B, and B - A. */
  members: { member: string; a: string; b: string; difference: string }[];
}

export interface AssessmentReview {
  /** Assessments that this review found past due and unpaid. */
  overdue: AssessmentView[];
  /** Members moved from active to watch by this review. */
  watched: string[];
}

export interface StressScenarioView {
  id: string;
  name: string;
  kind: 'historical' | 'hypothetical';
  description: string;
  /** Relative price shock per underlying (or collateral asset id), e.g. { "BTC": "-0.3717" }. */
  shocks: Record<string, string>;
  updatedBy: string;
  updatedAt: string;
}

export interface StressMemberResult {
  member: string;
  /** Equity of the member's accounts at the base marks (collateral after haircut, unrealised P&L, isolated margins). */
  marginHeld: string;
  /** The scenario's P&L over the member's accounts (gain positive). */
  pnl: string;
  /** -pnl. */
  stressLoss: string;
  /**
   * The sum over the member's accounts of max(0, stressLoss - marginHeld) per account (= the accounts' deficits at
   * the shocked marks): margin is held per account, one account's excess does not cover another's loss.
   */
  uncovered: string;
}

export interface CoverFigure {
  amount: string;
  /** The scenario it is taken at (the worst for this figure), null when no scenario ran. */
  scenario: string | null;
  members: string[];
  /** prefunded - amount: negative when the prefunded resources fall short. */
  surplus: string;
  covered: boolean;
}

export interface StressReport {
  asOf: string;
  accounts: number;
  positions: number;
  ms: number;
  prefunded: { defaultFunds: string; ccpFirstTranche: string; total: string };
  scenarios: {
    id: string;
    name: string;
    kind: 'historical' | 'hypothetical';
    /** Members by uncovered loss, largest first (then by id). */
    members: StressMemberResult[];
    cover1: string;
    cover2: string;
  }[];
  cover1: CoverFigure;
  cover2: CoverFigure;
}

// ---- inputs ----

const caseId = rowId;
/**
 * Recovery tools in order, at least `least` of them and at most one of each. The count is a refinement, not .min/.max:
 * zod 4 runs an array's length checks on a non-array that has a `length` ({ "length": {} } threw inside the schema,
 * an internal error), and refinements only run on what passed the type.
 */
export const toolList = (least: number) =>
  z
    .array(z.enum(LEDGER_RECOVERY_TOOLS))
    .refine((t) => t.length >= least && t.length < LEDGER_RECOVERY_TOOLS.length, `from ${least} to ${LEDGER_RECOVERY_TOOLS.length - 1} recovery tools`)
    .superRefine((t, ctx) => {
      const problem = recoveryToolsProblem(t);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
const tools = toolList(1);
const lot = z.string().regex(/^(\*|[A-Za-z0-9._:-]{1,64})$/, 'expected "*" (the whole portfolio) or an underlying');

export const recoveryContract = {
  'members.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<MemberStanding[]>(),
    emits: [],
    refuses: [],
  }),
  'members.suspend': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ member: id, reason }).strict(),
    output: returns<MemberStanding>(),
    emits: [],
    refuses: ['member_defaulted', 'member_suspended'],
  }),
  'members.reinstate': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ member: id, reason }).strict(),
    output: returns<MemberStanding>(),
    emits: [],
    refuses: ['member_active', 'member_defaulted'],
  }),
  'default.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<DefaultCaseSummary[]>(),
    emits: [],
    refuses: [],
  }),
  'default.get': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ case: caseId }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: [],
  }),
  'default.declare': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ member: id, reason }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_exists', 'member_defaulted'],
  }),
  'default.confirm': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ case: caseId, note: note.optional() }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state', 'four_eyes'],
  }),
  'default.withdraw': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ case: caseId, reason }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state'],
  }),
  'default.port': defineCommand({
    role: 'supervisor',
    mutates: true,
    /** Irreversible at scale: held until a second, different supervisor confirms it (approvals.confirm). */
    fourEyes: true,
    input: z.object({ case: caseId, accounts: z.array(id).min(1).max(10_000), to: id }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state', 'fill_refused', 'limit_breached', 'no_cycle', 'no_position', 'no_price', 'no_settlement_asset', 'not_approved', 'not_healthy', 'not_portable', 'receiver_not_active', 'receiver_shortfall'],
  }),
  'default.closeOut': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ case: caseId, note: note.optional() }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state', 'fill_refused', 'no_cycle', 'no_position', 'no_price', 'no_settlement_asset', 'not_approved'],
  }),
  'default.bid': defineCommand({
    role: 'operator',
    mutates: true,
    /** confirm: true sends a bid the server asked about (far from its lot's value at the marks: confirm_required) again. */
    input: z.object({ case: caseId, member: id, lot, amount: decimal, note: note.optional(), confirm: z.boolean().optional() }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['bidder_not_active', 'case_state', 'confirm_required', 'no_house_account', 'nothing_to_auction'],
  }),
  'default.award': defineCommand({
    role: 'supervisor',
    mutates: true,
    /** Irreversible at scale: held until a second, different supervisor confirms it (approvals.confirm). */
    fourEyes: true,
    input: z.object({ case: caseId }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state', 'fill_refused', 'limit_breached', 'no_bids', 'no_cycle', 'no_position', 'no_price', 'no_settlement_asset', 'no_winning_bids', 'not_approved', 'nothing_to_auction', 'receiver_shortfall'],
  }),
  'default.waterfall': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ case: caseId }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state'],
  }),
  'default.assess': defineCommand({
    role: 'supervisor',
    mutates: true,
    /** Irreversible at scale: held until a second, different supervisor confirms it (approvals.confirm). */
    fourEyes: true,
    input: z.object({ case: caseId, due: isoTime }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['assessed', 'case_state', 'no_assessment'],
  }),
  'default.compare': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ case: caseId, a: tools, b: tools }).strict(),
    output: returns<RecoveryComparison>(),
    emits: [],
    refuses: ['case_state', 'no_price', 'no_residual'],
  }),
  'default.allocate': defineCommand({
    role: 'supervisor',
    mutates: true,
    /** Irreversible at scale: held until a second, different supervisor confirms it (approvals.confirm). */
    fourEyes: true,
    input: z.object({ case: caseId, tools }).strict(),
    output: returns<DefaultCaseDetail>(),
    emits: [],
    refuses: ['case_state', 'limit_breached', 'no_house_account', 'no_price', 'no_residual', 'no_settlement_asset'],
  }),
  'default.replenish': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ member: id, amount: positiveDecimal, note: note.optional() }).strict(),
    output: returns<MemberStanding>(),
    emits: [],
    refuses: ['nothing_due'],
  }),
  'assessments.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ case: caseId.optional(), member: id.optional(), status: z.enum(ASSESSMENT_STATUSES).optional() }).strict(),
    output: returns<AssessmentView[]>(),
    emits: [],
    refuses: [],
  }),
  'assessments.pay': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, amount: positiveDecimal, note: note.optional() }).strict(),
    output: returns<AssessmentView>(),
    emits: [],
    refuses: ['assessment_paid'],
  }),
  'assessments.review': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({}).strict(),
    output: returns<AssessmentReview>(),
    emits: [],
    refuses: [],
  }),
  'stress.scenarios': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<StressScenarioView[]>(),
    emits: [],
    refuses: [],
  }),
  'stress.saveScenario': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z
      .object({
        id,
        name: z.string().trim().min(1).max(200).superRefine(safeText(false)),
        kind: z.enum(['historical', 'hypothetical']),
        description: note.optional(),
        // A what-if may move nothing (it shows the account as it is); a scenario that moves nothing tests nothing.
        shocks: shocks.refine((s) => Object.keys(s).length > 0, 'at least one shock'),
      })
      .strict(),
    output: returns<StressScenarioView>(),
    emits: [],
    refuses: [],
  }),
  'stress.deleteScenario': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ id }).strict(),
    output: returns<{ deleted: string }>(),
    emits: [],
    refuses: [],
  }),
  'stress.run': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ scenarios: z.array(id).min(1).max(500).optional() }).strict(),
    output: returns<StressReport>(),
    emits: ['progress'],
    refuses: ['no_price', 'no_scenarios'],
  }),
} as const;
