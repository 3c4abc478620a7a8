import type { Database } from 'better-sqlite3';

export function insertPrice(db: Database, p: { instrument: string; at: string; mark: bigint; source: string }): void {
  db.prepare(
    `INSERT INTO prices(instrument_id, at, mark, source) VALUES (?, ?, ?, ?)
     ON CONFLICT(instrument_id, at) DO UPDATE SET mark = excluded.mark, source = excluded.source`,
  ).run(p.instrument, p.at, p.mark, p.source);
}
