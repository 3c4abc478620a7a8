// Circuit breakers: instruments' price bands, the marks a band is measured on, and breakers tripped and reset.
import type { Database } from 'better-sqlite3';
import { visible } from './seriesVisibility.ts';
import { prepared } from './stmtCache.ts';

export interface BreakerRow {
  id: number;
  instrument: string;
  trippedAt: string;
  windowFrom: string;
  windowTo: string;
  low: bigint;
  high: bigint;
  band: bigint;
  resetAt: string | null;
  resetBy: string | null;
  resetReason: string | null;
}

interface BreakerDbRow {
  id: bigint;
  instrument_id: string;
  tripped_at: string;
  window_from: string;
  window_to: string;
  low: bigint;
  high: bigint;
  band: bigint;
  reset_at: string | null;
  reset_by: string | null;
  reset_reason: string | null;
}

function toBreaker(r: BreakerDbRow): BreakerRow {
  return {
    id: Number(r.id),
    instrument: r.instrument_id,
    trippedAt: r.tripped_at,
    windowFrom: r.window_from,
    windowTo: r.window_to,
    low: r.low,
    high: r.high,
    band: r.band,
    resetAt: r.reset_at ?? null,
    resetBy: r.reset_by ?? null,
    resetReason: r.reset_reason ?? null,
  };
}

const BREAKER = `SELECT id, instrument_id, tripped_at, window_from, window_to, low, high, band, reset_at, reset_by, reset_reason
  FROM circuit_breakers`;

export function trippedBreakers(db: Database): BreakerRow[] {
  return (db.prepare(`${BREAKER} WHERE reset_at IS NULL ORDER BY instrument_id`).safeIntegers(true).all() as BreakerDbRow[]).map(toBreaker);
}

export function recentBreakers(db: Database, limit: number): BreakerRow[] {
  return (db.prepare(`${BREAKER} ORDER BY id DESC LIMIT ?`).safeIntegers(true).all(limit) as BreakerDbRow[]).map(toBreaker);
}

/** When each instrument's breaker was last reset (a band is measured only over prices after that). */
export function lastResets(db: Database): Map<string, string> {
  const rows = db.prepare('SELECT instrument_id, max(reset_at) AS at FROM circuit_breakers WHERE reset_at IS NOT NULL GROUP BY instrument_id').all() as {
    instrument_id: string;
    at: string;
  }[];
  return new Map(rows.map((r) => [r.instrument_id, r.at]));
}

/** Instruments with a price band, and the low and high marks of each over (from, to]. */
export function bandedInstruments(db: Database): { id: string; band: bigint }[] {
  return (
    prepared(db, 'SELECT id, price_band FROM instruments WHERE price_band IS NOT NULL ORDER BY id').safeIntegers(true).all() as { id: string; price_band: bigint }[]
  ).map((r) => ({ id: r.id, band: r.price_band }));
}

/** The lowest and highest marks of an instrument within [from, to], each with the first time it was reached. */
export function markRange(
  db: Database,
  instrument: string,
  from: string,
  to: string,
): { low: bigint; high: bigint; lowAt: string; highAt: string; n: number } | null {
  const r = prepared(
    db,
      `SELECT min(mark) AS low, max(mark) AS high, count(*) AS n,
         (SELECT min(at) FROM prices WHERE instrument_id = $i AND at >= $f AND at <= $t AND ${visible()}
            AND mark = (SELECT min(mark) FROM prices WHERE instrument_id = $i AND at >= $f AND at <= $t AND ${visible()})) AS low_at,
         (SELECT min(at) FROM prices WHERE instrument_id = $i AND at >= $f AND at <= $t AND ${visible()}
            AND mark = (SELECT max(mark) FROM prices WHERE instrument_id = $i AND at >= $f AND at <= $t AND ${visible()})) AS high_at
       FROM prices WHERE instrument_id = $i AND at >= $f AND at <= $t AND ${visible()}`,
    )
    .safeIntegers(true)
    .get({ i: instrument, f: from, t: to }) as { low: bigint | null; high: bigint | null; n: bigint; low_at: string | null; high_at: string | null };
  if (r.low === null || r.high === null || r.low_at === null || r.high_at === null) return null;
  return { low: r.low, high: r.high, lowAt: r.low_at, highAt: r.high_at, n: Number(r.n) };
}

export function tripBreaker(db: Database, b: Omit<BreakerRow, 'id' | 'resetAt' | 'resetBy' | 'resetReason'>): number {
  const r = db
    .prepare('INSERT INTO circuit_breakers(instrument_id, tripped_at, window_from, window_to, low, high, band) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(b.instrument, b.trippedAt, b.windowFrom, b.windowTo, b.low, b.high, b.band);
  return Number(r.lastInsertRowid);
}

export function resetBreaker(db: Database, id: number, at: string, by: string, reason: string): void {
  db.prepare('UPDATE circuit_breakers SET reset_at = ?, reset_by = ?, reset_reason = ? WHERE id = ?').run(at, by, reason, id);
}
