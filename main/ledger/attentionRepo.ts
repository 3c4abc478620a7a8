// What the dashboard's attention panel reads: open calls due before a time, the newest mark of each held
// instrument, members on watch.
import type { Database } from 'better-sqlite3';

export interface DueCall {
  id: number;
  account: string;
  member: string;
  outstanding: bigint;
  deadline: string;
}

/** Open calls whose deadline is after `from` and at or before `to`, soonest first. */
export function callsDueBetween(db: Database, from: string, to: string): DueCall[] {
  const rows = db
    .prepare(
      `SELECT c.id, c.account_id, a.member_id, max(c.amount - c.deposited, 0), c.deadline
       FROM margin_calls c JOIN accounts a ON a.id = c.account_id
       WHERE c.status = 'open' AND c.deadline > ? AND c.deadline <= ? ORDER BY c.deadline, c.id`,
    )
    .raw()
    .all(from, to) as [number | bigint, string, string, bigint, string][];
  return rows.map((r) => ({ id: Number(r[0]), account: r[1], member: r[2], outstanding: BigInt(r[3]), deadline: r[4] }));
}

/** Each instrument held in a position (quantity not 0) with the time of its newest mark (null: none), oldest first. */
export function heldMarkTimes(db: Database): { instrument: string; at: string | null }[] {
  const rows = db
    .prepare(
      `SELECT h.instrument_id, (SELECT max(at) FROM prices p WHERE p.instrument_id = h.instrument_id) AS at
       FROM (SELECT DISTINCT instrument_id FROM positions WHERE quantity <> 0) h ORDER BY at, h.instrument_id`,
    )
    .raw()
    .all() as [string, string | null][];
  return rows.map((r) => ({ instrument: r[0], at: r[1] }));
}

/** Members on watch, by id. */
export function membersOnWatch(db: Database): string[] {
  return db.prepare("SELECT id FROM members WHERE status = 'watch' ORDER BY id").pluck().all() as string[];
}
