// Automation switches, circuit breakers, the insurance fund and liquidation revenue, and shortfalls.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import { visible } from './seriesVisibility.ts';

export type SwitchScope = 'global' | 'instrument' | 'account';

export interface SwitchRow {
  scope: SwitchScope;
  target: string;
  enabled: boolean;
  reason: string;
  updatedBy: string;
  updatedAt: string;
}

export function readSwitches(db: Database): SwitchRow[] {
  return (
    db.prepare('SELECT scope, target, enabled, reason, updated_by, updated_at FROM automation_switches ORDER BY scope, target').all() as {
      scope: SwitchScope;
      target: string;
      enabled: number;
      reason: string;
      updated_by: string;
      updated_at: string;
    }[]
  ).map((r) => ({ scope: r.scope, target: r.target, enabled: Number(r.enabled) === 1, reason: r.reason, updatedBy: r.updated_by, updatedAt: r.updated_at }));
}

export function writeSwitch(db: Database, s: SwitchRow): void {
  db.prepare(
    `INSERT INTO automation_switches(scope, target, enabled, reason, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(scope, target) DO UPDATE SET enabled = excluded.enabled, reason = excluded.reason,
       updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  ).run(s.scope, s.target, s.enabled ? 1 : 0, s.reason, s.updatedBy, s.updatedAt);
}

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

function toBreaker(r: unknown[]): BreakerRow {
  return {
    id: Number(r[0]),
    instrument: r[1] as string,
    trippedAt: r[2] as string,
    windowFrom: r[3] as string,
    windowTo: r[4] as string,
    low: r[5] as bigint,
    high: r[6] as bigint,
    band: r[7] as bigint,
    resetAt: (r[8] as string | null) ?? null,
    resetBy: (r[9] as string | null) ?? null,
    resetReason: (r[10] as string | null) ?? null,
  };
}

const BREAKER = `SELECT id, instrument_id, tripped_at, window_from, window_to, low, high, band, reset_at, reset_by, reset_reason
  FROM circuit_breakers`;

export function trippedBreakers(db: Database): BreakerRow[] {
  return (db.prepare(`${BREAKER} WHERE reset_at IS NULL ORDER BY instrument_id`).raw().safeIntegers(true).all() as unknown[][]).map(toBreaker);
}

export function recentBreakers(db: Database, limit: number): BreakerRow[] {
  return (db.prepare(`${BREAKER} ORDER BY id DESC LIMIT ?`).raw().safeIntegers(true).all(limit) as unknown[][]).map(toBreaker);
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
  return (db.prepare('SELECT id, price_band FROM instruments WHERE price_band IS NOT NULL ORDER BY id').raw().safeIntegers(true).all() as unknown[][]).map(
    (r) => ({ id: r[0] as string, band: r[1] as bigint }),
  );
}

/** The lowest and highest marks of an instrument within [from, to], each with the first time it was reached. */
export function markRange(
  db: Database,
  instrument: string,
  from: string,
  to: string,
): { low: bigint; high: bigint; lowAt: string; highAt: string; n: number } | null {
  const r = db
    .prepare(
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

// ---- funds ----

export type Fund = 'insurance' | 'liquidation_revenue';

export interface FundEntryRow {
  id: number;
  fund: Fund;
  at: string;
  actor: string;
  kind: string;
  amount: bigint;
  liquidation: number | null;
  note: string;
}

export function addFundEntry(db: Database, e: Omit<FundEntryRow, 'id'> & { fill: number | null }): void {
  if (e.amount === 0n) return;
  prepared(db, 'INSERT INTO fund_entries(fund, at, actor, kind, amount, liquidation_id, fill_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    e.fund,
    e.at,
    e.actor,
    e.kind,
    e.amount,
    e.liquidation,
    e.fill,
    e.note,
  );
}

export function fundBalance(db: Database, fund: Fund): bigint {
  const r = db.prepare('SELECT coalesce(sum(amount), 0) AS b FROM fund_entries WHERE fund = ?').safeIntegers(true).get(fund) as { b: bigint };
  return r.b;
}

/** A fund's entries, newest first, each with the fund's balance just after it. */
export function fundEntries(db: Database, fund: Fund, limit: number): (FundEntryRow & { balance: bigint })[] {
  return (
    db
      .prepare(
        `SELECT id, fund, at, actor, kind, amount, liquidation_id, note,
                sum(amount) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
           FROM fund_entries WHERE fund = ? ORDER BY id DESC LIMIT ?`,
      )
      .raw()
      .safeIntegers(true)
      .all(fund, limit) as unknown[][]
  ).map((r) => ({
    id: Number(r[0]),
    fund: r[1] as Fund,
    at: r[2] as string,
    actor: r[3] as string,
    kind: r[4] as string,
    amount: r[5] as bigint,
    liquidation: r[6] === null ? null : Number(r[6]),
    note: r[7] as string,
    balance: r[8] as bigint,
  }));
}

// ---- shortfalls ----

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

function shortfallOf(r: unknown[]): ShortfallRow {
  return {
    id: Number(r[0]),
    account: r[1] as string,
    member: r[2] as string,
    liquidation: r[3] === null ? null : Number(r[3]),
    amount: r[4] as bigint,
    at: r[5] as string,
    status: r[6] as string,
  };
}

export function openShortfalls(db: Database): ShortfallRow[] {
  return (db.prepare(`SELECT ${SHORTFALL_COLUMNS} FROM shortfalls WHERE status = 'open' ORDER BY id`).raw().safeIntegers(true).all() as unknown[][]).map(shortfallOf);
}

export function shortfallById(db: Database, id: number): ShortfallRow | null {
  const r = db.prepare(`SELECT ${SHORTFALL_COLUMNS} FROM shortfalls WHERE id = ?`).raw().safeIntegers(true).get(id) as unknown[] | undefined;
  return r ? shortfallOf(r) : null;
}
