// The insurance fund as a layer (issue 21 item 5): its state against its floor, the shortfalls liquidations left
// that it may cover, and a draw on it, held for a second supervisor. Merged into the contract in contract.ts.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { reason, rowId } from './schemaParts.ts';

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
  'funds.insurance': {
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as InsuranceFundView,
  },
  /**
   * Covers an open shortfall from the insurance fund, in full or as far as the fund goes (the remainder stays open
   * for default management). Money leaves the fund: held until a second, different supervisor confirms it.
   */
  'funds.draw': {
    role: 'supervisor' as Role,
    mutates: true,
    fourEyes: true as const,
    input: z.object({ shortfall: rowId, reason }).strict(),
    output: null as unknown as InsuranceFundView,
  },
} as const;
