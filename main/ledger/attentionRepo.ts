// What the dashboard's attention panel reads: open calls due before a time, the newest mark of each held
// instrument, members on watch.
import type { Database } from 'better-sqlite3';
import { callOfRow, type CallRow, type OverdueCall } from './consoleRepo.ts';

/** An open call due soon: the shape of the console's call lists. */
export type DueCall = OverdueCall;

/** Open calls whose deadline is after `from` and at or before `to`, soonest first. */
export function callsDueBetween(db: Database, from: string, to: string): DueCall[] {
  const rows = db
    .prepare(
      `SELECT c.id, c.account_id, a.member_id, max(c.amount - c.deposited, 0), c.deadline
       FROM margin_calls c JOIN accounts a ON a.id = c.account_id
       WHERE c.status = 'open' AND c.deadline > ? AND c.deadline <= ? ORDER BY c.deadline, c.id`,
    )
    .raw()
    .all(from, to) as CallRow[];
  return rows.map(callOfRow);
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
