// Overrides beside their automatic alternative, and the end-of-day risk report (issue 21 items 2 and 7). Merged into
// the contract in contract.ts. No Node imports: the renderer imports this file too.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { isoTime } from './schemaParts.ts';
import type { CoverSnapshot } from './contractPlaybook.ts';
import type { BreakerView } from './contract.ts';
import { defineCommand, returns } from './command.ts';

/**
 * The commands by which a person overrides the engine's automatic path. Each has a recorder
 * (main/commands/overrides/recorders.ts) that writes, into the command's own journal entry, what the automatic path
 * would have done; a command listed here without one is refused at load, and test/overrides.test.ts runs each.
 */
export const OVERRIDE_CHANNELS = [
  'calls.waive',
  'calls.extend',
  'liquidations.reject',
  'liquidations.hold',
  'liquidations.approve',
  'liquidations.fill',
  'breakers.reset',
  'automation.set',
  'default.allocate',
  'default.award',
] as const;
export type OverrideChannel = (typeof OVERRIDE_CHANNELS)[number];

export const OVERRIDE_KINDS = [
  'waiver',
  'extension',
  'liquidation_rejected',
  'liquidation_held',
  'liquidation_edited',
  'off_band_fill',
  'breaker_reset',
  'automation_switch',
  'recovery_tools',
  'auction_award',
] as const;
export type OverrideKind = (typeof OVERRIDE_KINDS)[number];

/** What the journal entry of an override carries beside the command's result (result.override). */
export interface OverrideRecord {
  kind: OverrideKind;
  /** What it acts on, as the journal names objects: 'call:12', 'liquidation:4', 'instrument:BTC-PERP', 'case:2'. */
  subject: string;
  /** The account or member it concerns, when it concerns one. */
  account: string | null;
  member: string | null;
  /** What the person did, in words. */
  what: string;
  /** The reason they gave. */
  why: string;
  /** What the engine's automatic path would have done instead, in words. */
  automatic: string;
  /** The figures both paths are costed from later (amounts in USD, exact decimal strings). */
  facts: Record<string, string>;
}

/** The two outcomes of one override, costed as of the report's time (docs/overrides.md says how, per kind). */
export interface OverrideOutcome {
  /** What became of it (the call met, defaulted; the proposal filled, rejected; the case's loss ...). */
  actualOutcome: string;
  /** What the automatic path would have ended in, where the ledger says. */
  automaticOutcome: string;
  /** The cost of each path in USD, exact, when both can be costed; null where a path has no money outcome. */
  actualCost: string | null;
  automaticCost: string | null;
  /** actualCost − automaticCost: positive, the override cost more (loss incurred); negative, it saved (loss avoided). */
  difference: string | null;
}

export interface OverrideRow extends OverrideRecord, OverrideOutcome {
  /** The journal entry that did it (for a held command, the second supervisor's confirmation). */
  seq: number;
  at: string;
  actor: string;
  /** The supervisor whose request a second one confirmed, when the command was held for four eyes. */
  requestedBy: string | null;
  command: OverrideChannel;
}

export interface OverridesReport {
  from: string;
  to: string;
  /** The time the outcomes were costed at. */
  asOf: string;
  rows: OverrideRow[];
  /** Σ difference over the rows that have one. */
  totalDifference: string;
}

export interface EndOfDayReport {
  day: string;
  from: string;
  to: string;
  asOf: string;
  /** Accounts per status at the latest cycle up to the day's end. */
  statuses: { status: string; accounts: number }[];
  cycle: { id: number; asOf: string; policyVersion: number } | null;
  calls: {
    issued: number;
    issuedAmount: string;
    met: number;
    metAmount: string;
    waived: number;
    escalated: number;
    /** Open at the day's end (open or overdue). */
    open: number;
    openAmount: string;
  };
  overrides: OverrideRow[];
  /** The largest accounts by maintenance margin at that cycle. */
  topExposures: { account: string; member: string; equity: string; mm: string; health: string | null; status: string }[];
  /** Cover-1 and Cover-2 over every stress scenario at the marks of the day's last cycle. */
  cover: CoverSnapshot | null;
  /** Breakers tripped during the day, and any still tripped. */
  breakers: BreakerView[];
}

/** The overrides table as people read it (the console, the report page, the CSV files): one header, one row shape. */
export const OVERRIDE_TABLE_HEADER = ['at', 'who', 'what', 'why', 'automatic alternative', 'actual outcome', 'automatic outcome', 'actual cost', 'automatic cost', 'difference'] as const;

export function overrideWho(r: Pick<OverrideRow, 'actor' | 'requestedBy'>): string {
  return r.requestedBy && r.requestedBy !== r.actor ? `${r.requestedBy}, confirmed by ${r.actor}` : r.actor;
}

export function overrideTableRow(r: OverrideRow): (string | null)[] {
  return [r.at, overrideWho(r), r.what, r.why, r.automatic, r.actualOutcome, r.automaticOutcome, r.actualCost, r.automaticCost, r.difference];
}

const period = z
  .object({ from: isoTime, to: isoTime })
  .strict()
  .refine((v) => Date.parse(v.to) > Date.parse(v.from), { message: 'the period ends before it starts', path: ['to'] });

export const reportsContract = {
  'overrides.report': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: period,
    output: returns<OverridesReport>(),
    emits: [],
    refuses: [],
  }),
  'reports.endOfDay': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    /** The UTC day, YYYY-MM-DD. */
    input: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD (UTC)') }).strict(),
    output: returns<EndOfDayReport>(),
    emits: [],
    refuses: ['no_price', 'no_scenarios'],
  }),
} as const;
