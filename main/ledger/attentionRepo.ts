// What the dashboard's attention panel reads: open calls due before a time, the newest mark of each held
// instrument, members on watch.
import type { Database } from 'better-sqlite3';
import { CALL_COLUMNS, callOfRow, type CallRow, type OverdueCall } from './consoleRepo.ts';
import { visible } from './seriesVisibility.ts';

/** An open call due soon: the shape of the console's call lists. */
export type DueCall = OverdueCall;

/** Open calls whose deadline is after `from` and at or before `to`, soonest first. */
export function callsDueBetween(db: Database, from: string, to: string): DueCall[] {
  const rows = db
    .prepare(
      `SELECT ${CALL_COLUMNS}
       FROM margin_calls c JOIN accounts a ON a.id = c.account_id
       WHERE c.status = 'open' AND c.deadline > ? AND c.deadline <= ? ORDER BY c.deadline, c.id`,
    )
    .all(from, to) as CallRow[];
  return rows.map(callOfRow);
}

/** Each instrument held in a position (quantity not 0) with the time of its newest mark (null: none), oldest first. */
export function heldMarkTimes(db: Database): { instrument: string; at: string | null }[] {
  const rows = db
    .prepare(
      // From the instruments, each asked whether a position holds it (the positions_instrument index stops at the
      // first): a DISTINCT over the positions read all 969k rows of the 100k book, 300-400 ms on every dashboard.
      `SELECT i.id, (SELECT max(at) FROM prices p WHERE p.instrument_id = i.id AND ${visible('p.')}) AS at FROM instruments i
       WHERE EXISTS (SELECT 1 FROM positions h WHERE h.instrument_id = i.id AND h.quantity <> 0) ORDER BY at, i.id`,
    )
    .all() as { id: string; at: string | null }[];
  return rows.map((r) => ({ instrument: r.id, at: r.at }));
}

/** Members on watch, by id. */
export function membersOnWatch(db: Database): string[] {
  return db.prepare("SELECT id FROM members WHERE status = 'watch' ORDER BY id").pluck().all() as string[];
}
