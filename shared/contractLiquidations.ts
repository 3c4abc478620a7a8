// Liquidations: the proposals the cycle makes and the desk decides, their orders and fills, automation and circuit
// breakers, and the funds' history; merged into the contract in contract.ts.
import { z } from 'zod';
import { decimal, positiveDecimal, unsignedDecimal, id, reason, rowId, note, listLimit } from './schemaParts.ts';
import type { ApprovalView } from './contractRecovery.ts';
import type { ActionVerdict, LiquidationActions } from './contractAllowed.ts';
import type { Status } from './contract.ts';
import { defineCommand, returns } from './command.ts';

const orderEdits = z
  .array(z.object({ instrument: id, quantity: unsignedDecimal('expected a quantity such as "0.5" (0 drops the order)') }).strict())
  .min(1)
  .max(500);

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

/** The filters of the liquidation queue (liquidations.list and liquidations.count). */
const liquidationFilter = {
  status: z.enum(LIQUIDATION_STATUSES).optional(),
  account: id.optional(),
  live: z.boolean().optional(),
};

export const liquidationsContract = {
  'liquidations.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ ...liquidationFilter, limit: listLimit.optional() }).strict(),
    output: returns<LiquidationSummary[]>(),
    emits: [],
    refuses: [],
  }),
  'liquidations.count': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object(liquidationFilter).strict(),
    output: returns<{ total: number }>(),
    emits: [],
    refuses: [],
  }),
  'liquidations.get': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId }).strict(),
    output: returns<LiquidationDetail>(),
    emits: [],
    refuses: [],
  }),
  'liquidations.preview': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId, orders: orderEdits }).strict(),
    output: returns<LiquidationPreview>(),
    emits: [],
    refuses: ['not_approvable', 'not_editable'],
  }),
  'liquidations.approve': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, orders: orderEdits.optional(), note: note.optional() }).strict(),
    output: returns<LiquidationDetail>(),
    emits: ['liquidations.changed'],
    refuses: ['four_eyes', 'four_eyes_bound', 'not_approvable', 'not_editable', 'not_pending'],
  }),
  'liquidations.reject': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: returns<LiquidationDetail>(),
    emits: ['liquidations.changed'],
    refuses: ['not_rejected'],
  }),
  'liquidations.hold': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: returns<LiquidationDetail>(),
    emits: ['liquidations.changed'],
    refuses: ['not_rejected'],
  }),
  'liquidations.release': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, note: note.optional() }).strict(),
    output: returns<LiquidationDetail>(),
    emits: ['liquidations.changed'],
    refuses: ['not_rejected'],
  }),
  'liquidations.fill': defineCommand({
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
    output: returns<LiquidationDetail>(),
    emits: ['liquidations.changed'],
    refuses: ['approval_pending', 'fill_band', 'fill_refused', 'four_eyes', 'live_ledger', 'no_mark', 'no_position', 'no_settlement_asset', 'not_approved'],
  }),
  'automation.status': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<AutomationStatus>(),
    emits: [],
    refuses: [],
  }),
  'automation.set': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z
      .object({ scope: z.enum(['global', 'instrument', 'account']), target: id.optional(), enabled: z.boolean(), reason })
      .strict()
      .refine((v) => (v.scope === 'global') === (v.target === undefined), {
        message: 'a global switch takes no target; an instrument or account switch names one',
        path: ['target'],
      }),
    output: returns<AutomationStatus>(),
    emits: ['liquidations.changed'],
    refuses: [],
  }),
  'breakers.reset': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ instrument: id, reason }).strict(),
    output: returns<AutomationStatus>(),
    emits: ['liquidations.changed'],
    refuses: ['not_tripped'],
  }),
  'funds.history': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ fund: z.enum(['insurance', 'liquidation_revenue']), limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: returns<FundEntryView[]>(),
    emits: [],
    refuses: [],
  }),
} as const;
