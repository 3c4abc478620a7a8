// Margin calls: their statuses, the call as the console shows it, and the channels that read and change one; merged
// into the contract in contract.ts.
import { z } from 'zod';
import { positiveDecimal, isoTime, id, reason, rowId, note, listLimit } from './schemaParts.ts';
import type { CallActions } from './contractAllowed.ts';
import { defineCommand, returns } from './command.ts';

export const CALL_STATUSES = ['open', 'met', 'overdue', 'escalated', 'waived'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

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

export const callsContract = {
  'calls.list': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        status: z.enum(CALL_STATUSES).optional(),
        account: id.optional(),
        limit: listLimit.optional(),
      })
      .strict(),
    output: returns<MarginCall[]>(),
    emits: [],
    refuses: [],
  }),
  'calls.get': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ id: rowId }).strict(),
    output: returns<MarginCall>(),
    emits: [],
    refuses: [],
  }),
  'calls.deposit': defineCommand({
    role: 'operator',
    mutates: true,
    /** confirm: true sends a deposit the server asked about (far above the call: confirm_required) again. */
    input: z.object({ id: rowId, amount: positiveDecimal, note: note.optional(), confirm: z.boolean().optional() }).strict(),
    output: returns<MarginCall>(),
    emits: ['calls.changed'],
    refuses: ['call_closed', 'confirm_required'],
  }),
  'calls.extend': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, deadline: isoTime, reason }).strict(),
    output: returns<MarginCall>(),
    emits: ['calls.changed'],
    refuses: ['call_closed'],
  }),
  'calls.waive': defineCommand({
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: returns<MarginCall>(),
    emits: ['calls.changed'],
    refuses: ['call_closed', 'four_eyes', 'waiver_stale'],
  }),
  'calls.escalate': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ id: rowId, reason }).strict(),
    output: returns<MarginCall>(),
    emits: ['calls.changed'],
    refuses: ['call_closed', 'not_overdue'],
  }),
  /**
   * Escalates several overdue calls with one reason, in one transaction: each call gets its own 'escalated' event,
   * and one call that cannot be escalated refuses the whole batch (named in the refusal).
   */
  'calls.escalateMany': defineCommand({
    role: 'operator',
    mutates: true,
    input: z.object({ ids: z.array(rowId).min(1, 'pick at least one call').max(10_000), reason }).strict(),
    output: returns<MarginCall[]>(),
    emits: ['calls.changed'],
    refuses: ['call_closed', 'not_overdue'],
  }),
} as const;
