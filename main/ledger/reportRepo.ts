// What the end-of-day report reads that no other view does: the day's last cycle and the day's calls.
import type { Database } from 'better-sqlite3';

/** The latest margin cycle as of before `to`. */
export function cycleBefore(db: Database, to: string): { id: number; asOf: string; policyVersion: number } | undefined {
  const r = db.prepare('SELECT id, as_of, policy_version FROM margin_cycles WHERE as_of < ? ORDER BY as_of DESC, id DESC LIMIT 1').raw().get(to) as
    | [number | bigint, string, number | bigint | null]
    | undefined;
  return r ? { id: Number(r[0]), asOf: r[1], policyVersion: Number(r[2] ?? 0) } : undefined;
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
  const issued = db.prepare('SELECT count(*), coalesce(sum(amount), 0) FROM margin_calls WHERE created_at >= ? AND created_at < ?').safeIntegers(true).raw().get(from, to) as [bigint, bigint];
  const byKind = (kind: string) =>
    db
      .prepare('SELECT count(DISTINCT c.id), coalesce(sum(c.amount), 0) FROM margin_calls c WHERE c.id IN (SELECT call_id FROM margin_call_events WHERE kind = ? AND at >= ? AND at < ?)')
      .safeIntegers(true)
      .raw()
      .get(kind, from, to) as [bigint, bigint];
  const met = byKind('met');
  const open = db
    .prepare("SELECT count(*), coalesce(sum(amount - deposited), 0) FROM margin_calls WHERE created_at < ? AND status IN ('open', 'overdue')")
    .safeIntegers(true)
    .raw()
    .get(to) as [bigint, bigint];
  return {
    issued: Number(issued[0]),
    issuedAmount: issued[1],
    met: Number(met[0]),
    metAmount: met[1],
    waived: Number(byKind('waived')[0]),
    escalated: Number(byKind('escalated')[0]),
    open: Number(open[0]),
    openAmount: open[1],
  };
}
