// The insurance fund as a layer (issue 21 item 5): its state against its floor, the shortfalls liquidations left
// that it may cover, and a draw on it, held for a second supervisor. Merged into the contract in contract.ts.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { reason, rowId } from './schemaParts.ts';
import { toolList, type LedgerRecoveryTool, type WaterfallLayerView } from './contractRecovery.ts';
import { defineCommand, returns } from './command.ts';

/** One layout of a default's loss, layer by layer. */
export interface LayoutView {
  layout: 'ccp' | 'crypto';
  /** The recovery tools after its fixed layers. */
  tools: LedgerRecoveryTool[];
  layers: WaterfallLayerView[];
  /** What the clearinghouse (its tranches) or the venue (its insurance fund) bears itself. */
  house: string;
  uncovered: string;
}

/** The same default under both layouts, side by side. */
export interface LayoutComparison {
  case: number;
  defaulter: string;
  closeOutLoss: string;
  /** The prices the recovery tools value positions at. */
  asOf: string;
  layouts: [LayoutView, LayoutView];
  /** Per member: what it bears under the CCP layout, under the crypto layout, and crypto - CCP. */
  members: { member: string; ccp: string; crypto: string; difference: string }[];
}

/** A shortfall a liquidation left (negative equity after its fills), open until a draw or a waterfall covers it. */
export interface ShortfallView {
  id: number;
  account: string;
  member: string;
  liquidation: number | null;
  amount: string;
  at: string;
}

export interface InsuranceFundView {
  balance: string;
  /** Policy insuranceFundFloor: below it the fund is depleted and the dashboard says so. */
  floor: string;
  belowFloor: boolean;
  openShortfalls: ShortfallView[];
  /** The open shortfalls, summed. */
  openTotal: string;
  /** What a draw on each open shortfall would take now: all of it, or what the fund holds. */
  drawable: string;
}

export const fundsContract = {
  /** The insurance fund now: balance, floor, and the open shortfalls it may cover. */
  'funds.insurance': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<InsuranceFundView>(),
    emits: [],
    refuses: [],
  }),
  /**
   * Covers an open shortfall from the insurance fund, in full or as far as the fund goes (the remainder stays open
   * for default management). Money leaves the fund: held until a second, different supervisor confirms it.
   */
  'funds.draw': defineCommand({
    role: 'supervisor' as Role,
    mutates: true,
    fourEyes: true as const,
    input: z.object({ shortfall: rowId, reason }).strict(),
    output: returns<InsuranceFundView>(),
    emits: [],
    refuses: ['fund_empty', 'not_open'],
  }),
  /**
   * A closed-out default laid out both ways on the same loss, read-only: the CCP waterfall (then `ccp` tools) beside
   * a crypto venue's (the defaulter's margin, the insurance fund, then `crypto` tools: adl or socialisedLoss).
   */
  'default.layouts': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ case: rowId, ccp: toolList(0).optional(), crypto: toolList(1) }).strict(),
    output: returns<LayoutComparison>(),
    emits: [],
    refuses: ['case_state', 'no_price'],
  }),
} as const;
