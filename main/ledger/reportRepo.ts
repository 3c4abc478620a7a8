// What the end-of-day report reads that no other view does: the day's last cycle and the day's calls.
import type { Database } from 'better-sqlite3';

/** The latest margin cycle as of before `to`. */
export function cycleBefore(db: Database, to: string): { id: number; asOf: string; policyVersion: number } | undefined {
  const r = db.prepare('SELECT id, as_of, policy_version FROM margin_cycles WHERE as_of < ? ORDER BY as_of DESC, id DESC LIMIT 1').get(to) as
    | { id: number | bigint; as_of: string; policy_version: number | bigint | null }
    | undefined;
  return r ? { id: Number(r.id), asOf: r.as_of, policyVersion: Number(r.policy_version ?? 0) } : undefined;
}

interface CountAndAmount {
  n: bigint;
  amount: bigint;
}

export interface CallDay {
  issued: number;
  issuedAmount: bigint;
  met: number;
  metAmount: bigint;
  waived: number;
  escalated: number;
  open: number;
  openAmount: bigint;
}

/**
 * Calls issued in [from, to); calls met, waived and escalated in it (by their events); and calls issued before `to`
 * that are still open or overdue.
 */
export function callDay(db: Database, from: string, to: string): CallDay {
  const issued = db
    .prepare('SELECT count(*) AS n, coalesce(sum(amount), 0) AS amount FROM margin_calls WHERE created_at >= ? AND created_at < ?')
    .safeIntegers(true)
    .get(from, to) as CountAndAmount;
  const byKind = (kind: string) =>
    db
      .prepare(
        'SELECT count(DISTINCT c.id) AS n, coalesce(sum(c.amount), 0) AS amount FROM margin_calls c WHERE c.id IN (SELECT call_id FROM margin_call_events WHERE kind = ? AND at >= ? AND at < ?)',
      )
      .safeIntegers(true)
      .get(kind, from, to) as CountAndAmount;
  const met = byKind('met');
  const open = db
    .prepare("SELECT count(*) AS n, coalesce(sum(amount - deposited), 0) AS amount FROM margin_calls WHERE created_at < ? AND status IN ('open', 'overdue')")
    .safeIntegers(true)
    .get(to) as CountAndAmount;
  return {
    issued: Number(issued.n),
    issuedAmount: issued.amount,
    met: Number(met.n),
    metAmount: met.amount,
    waived: Number(byKind('waived').n),
    escalated: Number(byKind('escalated').n),
    open: Number(open.n),
    openAmount: open.amount,
  };
}
