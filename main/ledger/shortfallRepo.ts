// Shortfalls liquidations leave (isolated positions closed with negative margin), until a fund or a default case
// covers them.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export function addShortfall(db: Database, s: { account: string; liquidation: number | null; amount: bigint; at: string; note: string }): void {
  prepared(
    db,
    `INSERT INTO shortfalls(account_id, member_id, liquidation_id, amount, at, note)
     SELECT id, member_id, ?, ?, ?, ? FROM accounts WHERE id = ?`,
  ).run(s.liquidation, s.amount, s.at, s.note, s.account);
}

export interface ShortfallRow {
  id: number;
  account: string;
  member: string;
  liquidation: number | null;
  amount: bigint;
  at: string;
  status: string;
}

const SHORTFALL_COLUMNS = 'id, account_id, member_id, liquidation_id, amount, at, status';

interface ShortfallDbRow {
  id: bigint;
  account_id: string;
  member_id: string;
  liquidation_id: bigint | null;
  amount: bigint;
  at: string;
  status: string;
}

function shortfallOf(r: ShortfallDbRow): ShortfallRow {
  return {
    id: Number(r.id),
    account: r.account_id,
    member: r.member_id,
    liquidation: r.liquidation_id === null ? null : Number(r.liquidation_id),
    amount: r.amount,
    at: r.at,
    status: r.status,
  };
}

export function openShortfalls(db: Database): ShortfallRow[] {
  return (prepared(db, `SELECT ${SHORTFALL_COLUMNS} FROM shortfalls WHERE status = 'open' ORDER BY id`).safeIntegers(true).all() as ShortfallDbRow[]).map(shortfallOf);
}

export function shortfallById(db: Database, id: number): ShortfallRow | null {
  const r = db.prepare(`SELECT ${SHORTFALL_COLUMNS} FROM shortfalls WHERE id = ?`).safeIntegers(true).get(id) as ShortfallDbRow | undefined;
  return r ? shortfallOf(r) : null;
}

/** Shortfalls recorded for the given liquidations (isolated positions closed with negative margin). */
export function shortfallsOfLiquidations(db: Database, ids: number[]): { account: string; amount: bigint; note: string }[] {
  if (ids.length === 0) return [];
  return (
    db
      .prepare(`SELECT account_id, amount, note FROM shortfalls WHERE liquidation_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`)
      .safeIntegers(true)
      .all(...ids) as { account_id: string; amount: bigint; note: string }[]
  ).map((r) => ({ account: r.account_id, amount: r.amount, note: r.note }));
}

/** Marks the open shortfalls of a member's accounts as allocated (the case's waterfall covers them). */
export function allocateShortfalls(db: Database, member: string): number {
  return Number(db.prepare("UPDATE shortfalls SET status = 'allocated' WHERE member_id = ? AND status = 'open'").run(member).changes);
}
