// The command contract: one table from channel to input schema, required role and output type. Every door
// (Electron IPC, browser mode over HTTP, the CLI) validates against it before the command layer runs anything.
// No Node or Electron imports here: the renderer imports this file too.
import { z } from 'zod';
import type { Role } from './roles.ts';

const decimal = z.string().regex(/^[+-]?\d+(\.\d+)?$/, 'expected a decimal string such as "1250.50"');
const positiveDecimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a positive decimal string').refine((s) => /[1-9]/.test(s), 'must be greater than zero');
const isoTime = z.iso.datetime({ offset: false, message: 'expected an ISO-8601 UTC time such as 2026-03-12T16:00:00Z' });
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');
const reason = z.string().trim().min(3, 'a reason of at least 3 characters is required').max(2000);

export const CALL_STATUSES = ['open', 'met', 'overdue', 'escalated', 'waived'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export const IMPORT_KINDS = [
  'members',
  'accounts',
  'assets',
  'haircuts',
  'instruments',
  'tiers',
  'positions',
  'collateral',
  'prices',
  'asset-prices',
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

// ---- outputs (plain JSON: every amount a decimal string) ----
export interface CycleSummary {
  cycle: number;
  asOf: string;
  accounts: number;
  calls: { issued: number; updated: number; met: number; overdue: number };
  statuses: Record<'healthy' | 'warning' | 'call' | 'liquidation' | 'bankrupt', number>;
  totals: { equity: string; mm: string; im: string; openCalls: string };
  exactPathAccounts: number;
  ms: number;
}

export interface CallEvent {
  at: string;
  actor: string;
  kind: string;
  amount: string | null;
  note: string;
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
  history?: CallEvent[];
}

export interface ImportResult {
  kind: ImportKind;
  file: string;
  rows: number;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  headHash: string;
  broken?: { seq: number; reason: string };
}

export interface JournalEntry {
  seq: number;
  at: string;
  actor: string;
  command: string;
  payload: unknown;
  result: unknown;
  hash: string;
}

export interface WhoAmI {
  name: string;
  role: Role;
}

// ---- the table ----
export const contract = {
  'cycle.run': {
    role: 'operator',
    mutates: true,
    input: z.object({ at: isoTime.optional() }).strict(),
    output: null as unknown as CycleSummary,
  },
  'calls.list': {
    role: 'viewer',
    mutates: false,
    input: z
      .object({
        status: z.enum(CALL_STATUSES).optional(),
        account: id.optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    output: null as unknown as MarginCall[],
  },
  'calls.get': {
    role: 'viewer',
    mutates: false,
    input: z.object({ id: z.number().int().positive() }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.deposit': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: z.number().int().positive(), amount: positiveDecimal, note: z.string().max(2000).optional() }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.extend': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: z.number().int().positive(), deadline: isoTime, reason }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.waive': {
    role: 'supervisor',
    mutates: true,
    input: z.object({ id: z.number().int().positive(), reason }).strict(),
    output: null as unknown as MarginCall,
  },
  'calls.escalate': {
    role: 'operator',
    mutates: true,
    input: z.object({ id: z.number().int().positive(), reason }).strict(),
    output: null as unknown as MarginCall,
  },
  'import.csv': {
    role: 'operator',
    mutates: true,
    input: z
      .object({ kind: z.enum(IMPORT_KINDS), file: z.string().min(1).max(260), text: z.string().max(512 * 1024 * 1024) })
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
        afterSeq: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000),
        search: z.string().max(200).optional(),
      })
      .strict(),
    output: null as unknown as JournalEntry[],
  },
  'session.whoami': {
    role: 'viewer',
    mutates: false,
    input: z.object({}).strict(),
    output: null as unknown as WhoAmI,
  },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type InputOf<C extends Channel> = z.infer<Contract[C]['input']>;
export type OutputOf<C extends Channel> = Contract[C]['output'];

export const CHANNELS = Object.keys(contract) as Channel[];
export const isChannel = (s: string): s is Channel => Object.hasOwn(contract, s);

export { decimal as decimalSchema, isoTime as isoTimeSchema };
