// The journal: its entries as the audit log shows them, its check, and the channels that read it; merged into the
// contract in contract.ts.
import { z } from 'zod';
import { isoTime } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

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

export const journalContract = {
  'journal.verify': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<VerifyResult>(),
    emits: [],
    refuses: [],
  }),
  'journal.list': defineCommand({
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
    output: returns<JournalEntry[]>(),
    emits: [],
    refuses: [],
  }),
  /** The entries the audit log's filters select as CSV (at most 100,000), cells that a sheet would run escaped. */
  'journal.exportCsv': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object(journalFilter).strict(),
    output: returns<{ csv: string; rows: number; truncated: boolean }>(),
    emits: [],
    refuses: [],
  }),
  /** The commands the journal holds (the audit log's command filter). */
  'journal.commands': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<string[]>(),
    emits: [],
    refuses: [],
  }),
} as const;
