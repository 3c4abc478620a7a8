// The desk's policy as the Settings screen and `riskdesk policies` see it, and its change: a supervisor asks for a
// new value with a reason (checked at once: a bad value is refused, naming the key), a second, different supervisor
// confirms it (approvals.ts holds it meanwhile, and the inbox shows it), and only then is it written, as the next
// version, with its history row, in the confirming command's transaction and journal entry.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { PoliciesView, PolicyChangeView, PolicyEntryView, PendingPolicyChange } from '../../../shared/contractPolicy.ts';
import { POLICY_KEYS, PER_INSTRUMENT_KEYS, subjectIds, policyKeyDef, checkPolicyValue, accepts, unknownKeyDef, type PolicyKeyDef } from './registry.ts';
import { InputError } from '../../../shared/errors.ts';
import { policyRows, policyVersion, policyHistory, lastPolicyChanges, recordPolicyChange } from '../../ledger/policyRepo.ts';
import { getApproval, listApprovals } from '../../ledger/approvalRepo.ts';
import { RuleError } from '../../../shared/errors.ts';

const CHANNEL = 'policies.change';

/** What a pending change of `key` waits in: its approvals subject. */
export const policySubject = (key: string): string => `policy:${key}`;

function pendingChanges(db: Database): Map<string, PendingPolicyChange> {
  const out = new Map<string, PendingPolicyChange>();
  for (const a of listApprovals(db, { status: 'pending', limit: 10_000 })) {
    if (a.channel !== CHANNEL) continue;
    const p = JSON.parse(a.payload) as InputOf<'policies.change'>;
    out.set(p.key, { approval: a.id, value: p.value, summary: a.summary, requestedBy: a.requestedBy, requestedAt: a.requestedAt });
  }
  return out;
}

interface Now {
  rows: Map<string, string>;
  last: Map<string, PolicyChangeView>;
  pending: Map<string, PendingPolicyChange>;
}

function readNow(db: Database): Now {
  return { rows: policyRows(db), last: lastPolicyChanges(db), pending: pendingChanges(db) };
}

/** What `d` falls back to without a row: its default, or (a per-instrument key) its base key's value in force. */
function fallback(d: PolicyKeyDef, rows: Map<string, string>): string {
  const colon = d.key.indexOf(':');
  if (colon < 0) return d.default;
  const base = PER_INSTRUMENT_KEYS.find((f) => f.prefix === d.key.slice(0, colon))!.base;
  return rows.get(base) ?? d.default;
}

/** The value in force for `d`: its row, else its fallback. */
function inForce(d: PolicyKeyDef, rows: Map<string, string>): { value: string; isDefault: boolean } {
  const own = rows.get(d.key);
  return own !== undefined ? { value: own, isDefault: false } : { value: fallback(d, rows), isDefault: true };
}

function entryOf(d: PolicyKeyDef, now: Now): PolicyEntryView {
  const v = inForce(d, now.rows);
  const last = now.last.get(d.key);
  return {
    key: d.key,
    group: d.group,
    kind: d.kind,
    unit: d.unit,
    description: d.description,
    value: v.value,
    isDefault: v.isDefault,
    default: fallback(d, now.rows),
    accepts: accepts(d),
    changeable: d.readOnly !== true,
    lastChange: last ?? null,
    pending: now.pending.get(d.key) ?? null,
  };
}

/** One key as policies.list shows it. */
export function policyEntry(db: Database, key: string): PolicyEntryView {
  return entryOf(policyKeyDef(db, key), readNow(db));
}

export function listPolicies(ctx: CommandContext): PoliciesView {
  const { db } = ctx;
  const now = readNow(db);
  const registered = POLICY_KEYS.map((d) => entryOf(d, now));
  // Rows of keys not registered (per-instrument keys, or rows this build does not know) and keys asked for, after them.
  const registeredKeys = new Set(POLICY_KEYS.map((d) => d.key));
  const others = [...new Set([...now.rows.keys(), ...now.pending.keys()])].filter((k) => !registeredKeys.has(k)).sort();
  const defOf = (k: string): PolicyKeyDef => {
    try {
      return policyKeyDef(db, k);
    } catch (e) {
      if (e instanceof InputError) return unknownKeyDef(k, now.rows.get(k) ?? '');
      throw e;
    }
  };
  return {
    version: policyVersion(db),
    entries: [...registered, ...others.map((k) => entryOf(defOf(k), now))],
    perInstrument: PER_INSTRUMENT_KEYS.map((f) => ({ prefix: f.prefix, description: f.description, subject: f.subject, instruments: subjectIds(db, f) })),
  };
}

export function policyHistoryCommand(ctx: CommandContext, input: InputOf<'policies.history'>): PolicyChangeView[] {
  policyKeyDef(ctx.db, input.key);
  return policyHistory(ctx.db, input.key);
}

/** The change as checked: its definition, the value as it would be stored, and the value in force now. */
function checkChange(db: Database, input: InputOf<'policies.change'>): { d: PolicyKeyDef; value: string; from: string } {
  const d = policyKeyDef(db, input.key);
  if (d.readOnly) throw new RuleError('policy_read_only', `policy ${d.key} is the ledger's own (${d.description}): it is shown, never changed`);
  const value = checkPolicyValue(d, input.value);
  const from = inForce(d, policyRows(db));
  if (!from.isDefault && from.value === value) throw new RuleError('no_change', `policy ${d.key} is already ${value} (${d.unit})`);
  return { d, value, from: from.value };
}

/** What approvals.ts records for a held change: its subject and, in words, what confirming it does. */
export function describePolicyChange(db: Database, input: InputOf<'policies.change'>): { subject: string; summary: string } {
  const { d, value, from } = checkChange(db, input);
  return { subject: policySubject(d.key), summary: `change policy ${d.key} from ${from} to ${value} (${d.unit}): ${input.reason}` };
}

/**
 * policies.change. Asked for (no approval yet), it only checks: approvals.ts runs it so, rolled back, and holds the
 * request. Confirmed by a second supervisor, it writes the value and the next version, as asked then.
 */
export function changePolicyCommand(ctx: CommandContext, input: InputOf<'policies.change'>): Handled<'policies.change'> {
  const { db } = ctx;
  const { d, value, from } = checkChange(db, input);
  if (!ctx.approval) return { output: policyEntry(db, d.key), journal: { result: { key: d.key, from, to: value } } };
  const asked = getApproval(db, ctx.approval.id)!;
  const version = recordPolicyChange(db, {
    key: d.key,
    newValue: value,
    reason: input.reason,
    requestedBy: ctx.approval.requestedBy,
    requestedAt: asked.requestedAt,
    confirmedBy: ctx.actor.name,
    at: ctx.now().toISOString(),
    approval: ctx.approval.id,
  });
  return { output: policyEntry(db, d.key), journal: { result: { key: d.key, from, to: value, version } } };
}

/**
 * The value in force of a registered key, as stored (its row, else its registry default): for a key whose reader is
 * new (a schedule, a feed limit), so that its default lives in its registry entry and nowhere else.
 */
export function policyInForce(db: Database, key: string): string {
  return inForce(policyKeyDef(db, key), policyRows(db)).value;
}

/** policyInForce of an 'integer' key, as a number (its entry's bounds keep it well inside the safe range). */
export function policyInteger(db: Database, key: string): number {
  const d = policyKeyDef(db, key);
  if (d.kind !== 'integer') throw new Error(`policy ${key} is a ${d.kind}, not an integer`);
  return Number(inForce(d, policyRows(db)).value);
}
