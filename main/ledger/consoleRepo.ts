// Read-only queries behind the console's screens (dashboard, accounts, market data). Nothing here writes.
// Every INTEGER comes back as bigint (the ledger's default); counts are converted with Number().
import type { Database } from 'better-sqlite3';
import type { Account } from '../engine/model.ts';
import { visible } from './seriesVisibility.ts';
import { prepared } from './stmtCache.ts';

/** The latest `limit` margin cycles, oldest first, with their stored summary JSON. */
export function recentCycles(db: Database, limit: number): { id: number; asOf: string; summary: string }[] {
  const rows = prepared(db, 'SELECT id, as_of, summary FROM margin_cycles ORDER BY id DESC LIMIT ?')
    .all(limit) as { id: bigint; as_of: string; summary: string }[];
  return rows.reverse().map((r) => ({ id: Number(r.id), asOf: r.as_of, summary: r.summary }));
}

/** Member and kind of every account, in id order, as columns (one query, for 100k-row tables). */
export function accountColumns(db: Database): { id: string[]; member: string[]; kind: Account['kind'][] } {
  // Rows by name: on the 100k demo book the whole read took 248 ms against 304 ms by position (medians of 21).
  const rows = db.prepare('SELECT id, member_id, kind FROM accounts ORDER BY id').all() as Pick<AccountDbRow, 'id' | 'member_id' | 'kind'>[];
  const n = rows.length;
  const id = new Array<string>(n);
  const member = new Array<string>(n);
  const kind = new Array<Account['kind']>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    id[i] = r.id;
    member[i] = r.member_id;
    kind[i] = r.kind;
  }
  return { id, member, kind };
}

/** An accounts row as the ledger stores it. */
export interface AccountDbRow {
  id: string;
  member_id: string;
  kind: Account['kind'];
  mode: Account['mode'];
}

export const accountOfRow = (r: AccountDbRow): Account => ({ id: r.id, member: r.member_id, kind: r.kind, mode: r.mode });

export function readAccount(db: Database, id: string): Account | undefined {
  const r = db.prepare('SELECT id, member_id, kind, mode FROM accounts WHERE id = ?').get(id) as AccountDbRow | undefined;
  return r && accountOfRow(r);
}

/**
 * Live (open or overdue) margin calls: how many, what is outstanding (amount - deposited), and of those past their
 * deadline at `now` (marked overdue by a cycle, or open with the deadline passed) how many, what they owe and the
 * latest of their deadlines.
 */
export function liveCallTotals(
  db: Database,
  now: string,
): { count: number; outstanding: bigint; overdue: number; overdueOutstanding: bigint; lastOverdueDeadline: string | null } {
  const r = prepared(
    db,
      `SELECT count(*) AS count, coalesce(sum(owed), 0) AS outstanding, coalesce(sum(late), 0) AS overdue,
              coalesce(sum(CASE WHEN late THEN owed END), 0) AS overdue_outstanding, max(CASE WHEN late THEN deadline END) AS last_overdue
       FROM (SELECT max(amount - deposited, 0) AS owed, (status = 'overdue' OR deadline <= ?) AS late, deadline
             FROM margin_calls WHERE status IN ('open', 'overdue'))`,
    )
    .get(now) as { count: bigint; outstanding: bigint; overdue: bigint; overdue_outstanding: bigint; last_overdue: string | null };
  return {
    count: Number(r.count),
    outstanding: r.outstanding,
    overdue: Number(r.overdue),
    overdueOutstanding: r.overdue_outstanding,
    lastOverdueDeadline: r.last_overdue,
  };
}

export interface OverdueCall {
  id: number;
  account: string;
  member: string;
  outstanding: bigint;
  deadline: string;
}

/** Live calls past their deadline (marked overdue by a cycle, or open with the deadline at or before `now`), oldest deadline first. */
export function overdueCalls(db: Database, now: string, limit: number): OverdueCall[] {
  const rows = db
    .prepare(
      `SELECT ${CALL_COLUMNS}
       FROM margin_calls c JOIN accounts a ON a.id = c.account_id
       WHERE c.status IN ('open', 'overdue') AND (c.status = 'overdue' OR c.deadline <= ?)
       ORDER BY c.deadline, c.id LIMIT ?`,
    )
    .all(now, limit) as CallRow[];
  return rows.map(callOfRow);
}

/** The columns of a call as the console's lists read it (margin_calls c joined to accounts a), named as CallRow. */
export const CALL_COLUMNS = 'c.id, c.account_id, a.member_id, max(c.amount - c.deposited, 0) AS outstanding, c.deadline';

export interface CallRow {
  id: number | bigint;
  account_id: string;
  member_id: string;
  outstanding: number | bigint;
  deadline: string;
}

export function callOfRow(r: CallRow): OverdueCall {
  return { id: Number(r.id), account: r.account_id, member: r.member_id, outstanding: BigInt(r.outstanding), deadline: r.deadline };
}

/** The calls a cycle issued: how many and the amounts demanded. */
export function callsIssuedBy(db: Database, cycleId: number): { count: number; amount: bigint } {
  const r = db.prepare('SELECT count(*) AS count, coalesce(sum(amount), 0) AS amount FROM margin_calls WHERE cycle_id = ?').get(cycleId) as {
    count: bigint;
    amount: bigint;
  };
  return { count: Number(r.count), amount: r.amount };
}

/** The time of the newest instrument mark in the ledger (one index seek per instrument), or null. */
export function newestMarkTime(db: Database): string | null {
  const r = prepared(db, `SELECT max((SELECT max(at) FROM prices p WHERE p.instrument_id = i.id AND ${visible('p.')})) FROM instruments i`)
    .pluck()
    .get() as string | null;
  return r ?? null;
}

/** Every underlying that some instrument is on. */
export function underlyings(db: Database): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT underlying FROM instruments').pluck().all() as string[]);
}

/** The latest mark at or before `asOf` (any time when null) of each instrument given that has one. */
export function latestMarks(db: Database, instruments: Iterable<string>, asOf: string | null): Map<string, { mark: bigint; at: string }> {
  const stmt = db.prepare(
    `SELECT mark, at FROM prices WHERE instrument_id = ? AND ${visible()} ${asOf === null ? '' : 'AND at <= ?'} ORDER BY at DESC LIMIT 1`,
  );
  const out = new Map<string, { mark: bigint; at: string }>();
  for (const id of instruments) {
    const r = (asOf === null ? stmt.get(id) : stmt.get(id, asOf)) as { mark: bigint; at: string } | undefined;
    if (r) out.set(id, { mark: r.mark, at: r.at });
  }
  return out;
}

/** The latest price at or before `asOf` (any time when null) of each asset given that has one. */
export function latestAssetPrices(db: Database, assets: Iterable<string>, asOf: string | null): Map<string, { price: bigint; at: string }> {
  const stmt = db.prepare(
    `SELECT price, at FROM asset_prices WHERE asset_id = ? AND ${visible()} ${asOf === null ? '' : 'AND at <= ?'} ORDER BY at DESC LIMIT 1`,
  );
  const out = new Map<string, { price: bigint; at: string }>();
  for (const id of assets) {
    const r = (asOf === null ? stmt.get(id) : stmt.get(id, asOf)) as { price: bigint; at: string } | undefined;
    if (r) out.set(id, { price: r.price, at: r.at });
  }
  return out;
}

/** The latest `limit` marks of one instrument, oldest first (mark in ticks). */
export function markHistory(db: Database, instrument: string, limit: number): { at: string; mark: bigint }[] {
  const rows = db
    .prepare(`SELECT at, mark FROM prices WHERE instrument_id = ? AND ${visible()} ORDER BY at DESC LIMIT ?`)
    .all(instrument, limit) as { at: string; mark: bigint }[];
  return rows.reverse().map((r) => ({ at: r.at, mark: r.mark }));
}
