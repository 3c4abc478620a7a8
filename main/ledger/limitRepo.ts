// Position limits (migration step 12) and what checking them reads: who belongs to which member, and open interest.
import type { Database } from 'better-sqlite3';
import type { Limit } from '../engine/limits.ts';
import type { Position } from '../engine/model.ts';
import { prepared } from './stmtCache.ts';

interface LimitDbRow {
  scope: Limit['scope'];
  subject: string;
  instrument_id: string;
  max_lots: bigint | null;
  max_notional: bigint | null;
  max_leverage: bigint | null;
  max_oi_share: bigint | null;
}

export function readLimits(db: Database): Limit[] {
  return (
    db
      .prepare('SELECT scope, subject, instrument_id, max_lots, max_notional, max_leverage, max_oi_share FROM position_limits ORDER BY scope, subject, instrument_id')
      .safeIntegers(true)
      .all() as LimitDbRow[]
  ).map((r) => ({
    scope: r.scope,
    subject: r.subject,
    instrument: r.instrument_id,
    maxLots: r.max_lots ?? null,
    maxNotional: r.max_notional ?? null,
    maxLeverage: r.max_leverage ?? null,
    maxOiShare: r.max_oi_share ?? null,
  }));
}

export function hasLimits(db: Database): boolean {
  return db.prepare('SELECT 1 FROM position_limits LIMIT 1').get() !== undefined;
}

/** Upserts each limit; a row with no limit set removes it. */
export function writeLimits(db: Database, list: readonly Limit[]): void {
  const up = db.prepare(
    `INSERT INTO position_limits(scope, subject, instrument_id, max_lots, max_notional, max_leverage, max_oi_share) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(scope, subject, instrument_id) DO UPDATE SET max_lots = excluded.max_lots, max_notional = excluded.max_notional,
       max_leverage = excluded.max_leverage, max_oi_share = excluded.max_oi_share`,
  );
  const del = db.prepare('DELETE FROM position_limits WHERE scope = ? AND subject = ? AND instrument_id = ?');
  for (const l of list) {
    if (l.maxLots === null && l.maxNotional === null && l.maxLeverage === null && l.maxOiShare === null) del.run(l.scope, l.subject, l.instrument);
    else up.run(l.scope, l.subject, l.instrument, l.maxLots, l.maxNotional, l.maxLeverage, l.maxOiShare);
  }
}

/** Lots held long in an instrument (its open interest). */
export function openInterest(db: Database, instrument: string): bigint {
  return (db.prepare('SELECT coalesce(sum(quantity), 0) AS oi FROM positions WHERE instrument_id = ? AND quantity > 0').safeIntegers(true).get(instrument) as { oi: bigint }).oi;
}

export function memberOfAccount(db: Database, account: string): string | undefined {
  return (prepared(db, 'SELECT member_id FROM accounts WHERE id = ?').pluck().get(account) as string | undefined) ?? undefined;
}

export function accountsOfMember(db: Database, member: string): string[] {
  return db.prepare('SELECT id FROM accounts WHERE member_id = ? ORDER BY id').pluck().all(member) as string[];
}

/** Accounts holding an instrument. */
export function holdersOf(db: Database, instrument: string): string[] {
  return db.prepare('SELECT account_id FROM positions WHERE instrument_id = ? ORDER BY account_id').pluck().all(instrument) as string[];
}

/** A member's accounts' positions in one instrument (a lookup per account by the positions' key, not a scan). */
export function memberPositionsIn(db: Database, member: string, instrument: string): Position[] {
  return (
    db
      .prepare(
        `SELECT p.account_id, p.quantity, p.entry_value, p.isolated_margin FROM accounts a
         JOIN positions p ON p.account_id = a.id AND p.instrument_id = ? WHERE a.member_id = ? ORDER BY a.id`,
      )
      .safeIntegers(true)
      .all(instrument, member) as { account_id: string; quantity: bigint; entry_value: bigint; isolated_margin: bigint | null }[]
  ).map((r) => ({ account: r.account_id, instrument, quantity: r.quantity, entryValue: r.entry_value, isolatedMargin: r.isolated_margin ?? null }));
}
