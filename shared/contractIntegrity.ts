// Tamper evidence's channels (issue 14 item 7): merged into the contract in contract.ts. A deep verify rebuilds the
// ledger from its journal and compares it with the file.
import { z } from 'zod';
import { safeText } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

/** The first place where the ledger file and the state rebuilt from its journal differ. */
export interface StateDifference {
  table: string;
  /** The row's key (its primary-key columns, or rowid); empty when a whole table differs. */
  key: Record<string, string | null>;
  /** The column that differs; null when the whole row is on one side only. */
  column: string | null;
  /** The value in the file (null: no such row there). */
  file: string | null;
  /** The value the journal's replay wrote (null: no such row there). */
  replay: string | null;
}

export const DEEP_OUTCOMES = ['verified', 'chain_broken', 'unreplayable', 'diverged', 'differs'] as const;
export type DeepOutcome = (typeof DEEP_OUTCOMES)[number];

export interface DeepVerifyResult {
  /** True only when the chain verifies, every entry replayed, and every state table matches the replay. */
  ok: boolean;
  /**
   * verified; chain_broken (the hash chain itself fails, as plain verify says); unreplayable (an entry does not
   * carry what a replay needs: nothing is claimed about the state); diverged (replaying an entry did not give the
   * result it records); differs (the state tables differ from the replay: `difference`).
   */
  outcome: DeepOutcome;
  /** Entries in the journal that verified as a chain. */
  entries: number;
  /** Entries replayed into the fresh ledger. */
  replayed: number;
  headHash: string;
  /** One line: what was found, and where. */
  message: string;
  /** The entry at which the chain, the replay or its result failed, and why. */
  entry?: { seq: number; command: string; reason: string };
  difference?: StateDifference;
}

/**
 * Whether this console opened the ledger read-only: its chain or its checkpoints failed the check made at start.
 * Every changing command is then refused (code ledger_read_only) until an admin acknowledges, with a reason.
 */
export interface IntegrityStatus {
  readOnly: boolean;
  /** What the start check found; null when it passed (or was acknowledged). */
  problem: string | null;
}

const reason = z.string().trim().min(1, 'a reason is required').max(2000).superRefine(safeText(true));

export const integrityContract = {
  'journal.verifyDeep': defineCommand({
    // Reading only: the replay is written into a fresh temporary ledger, never into this one.
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<DeepVerifyResult>(),
    emits: [],
    refuses: ['approval_pending', 'fund_empty', 'no_change', 'not_open', 'policy_read_only'],
  }),
  'ledger.integrity': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: returns<IntegrityStatus>(),
    emits: [],
    refuses: [],
  }),
  // Journalled with the problem it accepts; the console anchors the head again from there (an 'acknowledged'
  // checkpoint), so the next start checks the chain from this point on.
  'ledger.acknowledge': defineCommand({
    role: 'admin',
    mutates: true,
    input: z.object({ reason }).strict(),
    output: returns<IntegrityStatus>(),
    emits: [],
    refuses: ['not_read_only'],
  }),
} as const;

/** A ledger's journal checked against the checkpoints kept outside it. */
export interface AnchorCheck {
  ok: boolean;
  /** The ledger file's real path. */
  path: string;
  /** The journal's head. */
  seq: number;
  head: string;
  /** Checkpoints of this ledger that matched. */
  checkpoints: number;
  latest: { seq: number; head: string; at: string; kind: string } | null;
  /** What does not match, and where; null when ok. */
  problem: string | null;
}
