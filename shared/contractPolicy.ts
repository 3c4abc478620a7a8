// The desk's policy (issue 14 item 4): every value a desk can change, with its unit, description, version and
// history, and the change itself, which waits for a second supervisor. Merged into the contract in contract.ts.
// Which keys exist, their bounds and how a value is checked are the server's (main/commands/policies/registry.ts):
// the console shows what policies.list returns and restates none of it.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { reason } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

/** A policy key as it crosses a door: a name, or a per-instrument key such as "fillBand:BTC-PERP". */
export const policyKey = z.string().min(1).max(200).regex(/^[A-Za-z][A-Za-z0-9]*(:[A-Za-z0-9._:-]+)?$/, 'a policy key such as "fourEyesNotional" or "fillBand:BTC-PERP"');

/**
 * How a value is written: a rate or ratio as a decimal ("0.05"), an amount in USD, a whole number, a choice, a time of
 * day, a schedule of steps ("0.1:0.05,0.25:0.15"); 'unknown' for a row this build has no key for (shown as it is, read-only, with no effect).
 */
export type PolicyKind = 'rate' | 'amount' | 'integer' | 'choice' | 'timeOfDay' | 'schedule' | 'unknown';

/** One confirmed change: version n of the policy. */
export interface PolicyChangeView {
  version: number;
  key: string;
  /** null: the key had no value of its own before (its default applied). */
  oldValue: string | null;
  newValue: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  confirmedBy: string;
  /** When the second supervisor confirmed it (and it took effect). */
  at: string;
  approval: number;
}

/** A change asked for and waiting for a second supervisor (approvals.confirm / approvals.decline). */
export interface PendingPolicyChange {
  approval: number;
  value: string;
  summary: string;
  requestedBy: string;
  requestedAt: string;
}

export interface PolicyEntryView {
  key: string;
  /** What it belongs to, for grouping: 'margin', 'calls', 'liquidation', 'four eyes', 'recovery', 'lifecycle', 'sign-in', 'live', 'ledger'. */
  group: string;
  kind: PolicyKind;
  /** The unit a value is written in, in words ("USD", "minutes", "fraction of the mark"). */
  unit: string;
  description: string;
  /** The value in force. */
  value: string;
  /** The value in force is the default (the key has no value of its own). */
  isDefault: boolean;
  default: string;
  /** What a value must be, in words ("from 0 to 0.1"; the choices), or null. */
  accepts: string | null;
  /** false for the ledger's own keys (shown, never changed). */
  changeable: boolean;
  lastChange: PolicyChangeView | null;
  pending: PendingPolicyChange | null;
}

export interface PoliciesView {
  /** The policy's version: the number of confirmed changes (0: as the ledger was made). */
  version: number;
  entries: PolicyEntryView[];
  /**
   * Keys of one subject that can be added (a fill band for an instrument, a daily volume for an asset, a minimum
   * haircut for a liquidity class): the pattern, what its ids name, and the ids.
   */
  perInstrument: { prefix: string; description: string; subject: string; instruments: string[] }[];
}

export const policyContract = {
  /** Every policy value in force, its unit and description, the version, each key's last change and pending change. */
  'policies.list': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({}).strict(),
    output: returns<PoliciesView>(),
    emits: [],
    refuses: [],
  }),
  /** One key's confirmed changes, oldest first. */
  'policies.history': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ key: policyKey }).strict(),
    output: returns<PolicyChangeView[]>(),
    emits: [],
    refuses: [],
  }),
  /**
   * A new value for one key, with a reason: checked now (a bad value is refused, naming the key), then held until a
   * second, different supervisor confirms it (approvals.confirm); the policy's version goes up by one then.
   */
  'policies.change': defineCommand({
    role: 'supervisor' as Role,
    mutates: true,
    fourEyes: true as const,
    input: z.object({ key: policyKey, value: z.string().trim().min(1, 'a value is required').max(100), reason }).strict(),
    output: returns<PolicyEntryView>(),
    emits: [],
    refuses: ['no_change', 'policy_read_only'],
  }),
} as const;
