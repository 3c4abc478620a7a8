// Policy rows as text (the current values), and the policy's versions: each change a second supervisor confirmed is
// a row of policy_history (migration step 10), numbered from 1; version 0 is the policy the ledger was made with.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import type { PolicyChangeView } from '../../shared/contractPolicy.ts';

export function policyValue(db: Database, key: string): string | undefined {
  return (db.prepare('SELECT value FROM policy WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

/** Every policy row, key to stored value. */
export function policyRows(db: Database): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM policy ORDER BY key').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

/**
 * The policy's version in force, as an SQL expression: the repositories that write cycles, calls and plans put it in
 * their INSERT (and a plan's re-plan or edit), so the row records the version of the transaction that wrote it. A
 * lookup of the history's last rowid, well under a microsecond (an AFTER INSERT trigger stamping the row cost 2-4 us a
 * call on a tick's commit).
 */
export const POLICY_VERSION_NOW = '(SELECT coalesce(max(version), 0) FROM policy_history)';

/** The policy's version now: the number of confirmed changes (0 before the first). */
export function policyVersion(db: Database): number {
  return Number(db.prepare(`SELECT ${POLICY_VERSION_NOW}`).pluck().get() as number | bigint);
}

/** A confirmed change as stored: the shape policies.history returns. */
export type PolicyChangeRow = PolicyChangeView;

const COLUMNS = 'version, key, old_value, new_value, reason, requested_by, requested_at, confirmed_by, at, approval_id';

interface PolicyHistoryDbRow {
  version: bigint;
  key: string;
  old_value: string | null;
  new_value: string;
  reason: string;
  requested_by: string;
  requested_at: string;
  confirmed_by: string;
  at: string;
  approval_id: bigint;
}

function rowOf(r: PolicyHistoryDbRow): PolicyChangeRow {
  return {
    version: Number(r.version),
    key: r.key,
    oldValue: r.old_value ?? null,
    newValue: r.new_value,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    confirmedBy: r.confirmed_by,
    at: r.at,
    approval: Number(r.approval_id),
  };
}

/**
 * A confirmed change: the new current value and its history row (the next version), together. Runs inside the
 * confirming command's transaction; returns the new version.
 */
export function recordPolicyChange(db: Database, c: Omit<PolicyChangeRow, 'version' | 'oldValue'>): number {
  const version = policyVersion(db) + 1;
  const oldValue = policyValue(db, c.key) ?? null;
  prepared(db, `INSERT INTO policy_history(${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    version,
    c.key,
    oldValue,
    c.newValue,
    c.reason,
    c.requestedBy,
    c.requestedAt,
    c.confirmedBy,
    c.at,
    c.approval,
  );
  prepared(db, 'INSERT INTO policy(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(c.key, c.newValue);
  return version;
}

/** One key's changes, oldest first. */
export function policyHistory(db: Database, key: string): PolicyChangeRow[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM policy_history WHERE key = ? ORDER BY version`).all(key) as PolicyHistoryDbRow[]).map(rowOf);
}

/** The latest change of each key that has one. */
export function lastPolicyChanges(db: Database): Map<string, PolicyChangeRow> {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM policy_history WHERE version IN (SELECT max(version) FROM policy_history GROUP BY key)`)
    .all() as PolicyHistoryDbRow[];
  return new Map(rows.map((r) => [r.key, rowOf(r)]));
}

/** The instruments a per-instrument key (fillBand:ID) may name, in id order. */
export function instrumentIds(db: Database): string[] {
  return db.prepare('SELECT id FROM instruments ORDER BY id').pluck().all() as string[];
}

/** The policy version each cycle recorded (null: written before versions were recorded). */
export function cyclePolicyVersion(db: Database, cycle: number): number | null {
  const v = db.prepare('SELECT policy_version FROM margin_cycles WHERE id = ?').pluck().get(cycle) as number | bigint | null | undefined;
  return v === null || v === undefined ? null : Number(v);
}
