// What needs attention first (issue 21 item 8): the dashboard's panel of calls due within the hour, decisions
// waiting for a second approver, stale prices and members on watch, as the server finds them. Merged into the
// contract in contract.ts.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { defineCommand, returns } from './command.ts';

export interface AttentionList<T> {
  /** How many there are; items holds the first of them (most urgent first). */
  total: number;
  items: T[];
}

export interface AttentionView {
  /** The time the view was made at (the server's clock): "within the hour" and "stale" are against it. */
  at: string;
  /** Open calls whose deadline falls within the next hour, soonest first. */
  callsDue: AttentionList<{ id: number; account: string; member: string; outstanding: string; deadline: string }>;
  /** Decisions held for a second approver (liquidations, waivers, held commands, declarations), oldest first. */
  awaitingSecond: AttentionList<{ kind: string; id: number; subject: string; summary: string; requestedBy: string; requestedAt: string }>;
  /** Instruments held in positions whose newest mark is older than `staleAfter`, oldest first. */
  stalePrices: AttentionList<{ instrument: string; at: string | null }> & { staleAfter: string };
  /** Members on watch. */
  watch: AttentionList<{ member: string }>;
}

export const attentionContract = {
  'dashboard.attention': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<AttentionView>(),
    emits: [],
    refuses: ['call_closed', 'case_state', 'four_eyes', 'not_pending', 'waiver_stale'],
  }),
} as const;
