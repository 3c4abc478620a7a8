import type { Database } from 'better-sqlite3';
import { visible, refuseWhilePublishing } from './seriesVisibility.ts';
import { prepared } from './stmtCache.ts';

/** A prepared writer of marks, for the live ticker (one statement, prepared once). */
export function priceWriter(db: Database): (p: { instrument: string; at: string; mark: bigint; source: string }) => void {
  const stmt = db.prepare(
    `INSERT INTO prices(instrument_id, at, mark, source) VALUES (?, ?, ?, ?)
     ON CONFLICT(instrument_id, at) DO UPDATE SET mark = excluded.mark, source = excluded.source`,
  );
  return (p) => {
    refuseWhilePublishing(db, 'prices');
    stmt.run(p.instrument, p.at, p.mark, p.source);
  };
}

/** The time of the latest mark of any instrument, or null before the first. */
export function latestMarkAt(db: Database): string | null {
  return (db.prepare(`SELECT max(at) FROM prices WHERE ${visible()}`).pluck().get() as string | null) ?? null;
}

/** The last mark of an instrument at or before `at`, with its time. */
export function markAtOrBefore(db: Database, instrument: string, at: string): { mark: bigint; at: string } | undefined {
  const r = prepared(db, `SELECT mark, at FROM prices WHERE instrument_id = ? AND at <= ? AND ${visible()} ORDER BY at DESC LIMIT 1`)
    .safeIntegers(true)
    .get(instrument, at) as { mark: bigint; at: string } | undefined;
  return r;
}
