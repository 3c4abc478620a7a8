// Expiry and final settlement (issue 18, migration steps 12-13): settlement prices, the expiries settled and each
// position closed at expiry. What was settled is append-only (SQL triggers refuse changes).
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import { rows, type Row } from './rows.ts';


export interface DueExpiry {
  instrument: string;
  expiry: string;
}

/** Futures (or options) whose expiry is at or before `asOf` and that have not settled (expired) yet, soonest first. */
export function dueExpiries(db: Database, asOf: string, kind: 'future' | 'option' = 'future'): DueExpiry[] {
  const done = kind === 'future' ? 'expiry_settlements' : 'option_expiries';
  return (
    db
      .prepare(
        `SELECT i.id, i.expiry FROM instruments i
         WHERE i.kind = ? AND i.expiry IS NOT NULL AND i.expiry <= ?
           AND NOT EXISTS (SELECT 1 FROM ${done} s WHERE s.instrument_id = i.id)
         ORDER BY i.expiry, i.id`,
      )
      .all(kind, asOf) as { id: string; expiry: string }[]
  ).map((r) => ({ instrument: r.id, expiry: r.expiry }));
}

export function importedSettlementPrice(db: Database, instrument: string): bigint | undefined {
  const r = db.prepare('SELECT price FROM settlement_prices WHERE instrument_id = ?').safeIntegers(true).get(instrument) as { price: bigint } | undefined;
  return r?.price;
}

export function writeSettlementPrices(db: Database, list: readonly { instrument: string; price: bigint; source: string | null }[]): void {
  const s = db.prepare(
    `INSERT INTO settlement_prices(instrument_id, price, source) VALUES (?, ?, ?)
     ON CONFLICT(instrument_id) DO UPDATE SET price = excluded.price, source = excluded.source`,
  );
  for (const r of list) s.run(r.instrument, r.price, r.source ?? 'import');
}

export interface SettlementRow {
  instrument: string;
  expiry: string;
  price: bigint;
  rule: 'imported' | 'last_mark';
  priceAt: string | null;
  settledAt: string;
  actor: string;
  positions: number;
  realised: bigint;
}

export function insertSettlement(db: Database, s: SettlementRow): void {
  db.prepare(
    `INSERT INTO expiry_settlements(instrument_id, expiry, price, rule, price_at, settled_at, actor, positions, realised)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(s.instrument, s.expiry, s.price, s.rule, s.priceAt, s.settledAt, s.actor, s.positions, s.realised);
}

export function settlementOf(db: Database, instrument: string): SettlementRow | undefined {
  const [r] = rows(db, 'SELECT * FROM expiry_settlements WHERE instrument_id = ?', instrument);
  return r ? settlementRowOf(r) : undefined;
}

function settlementRowOf(r: Row): SettlementRow {
  return {
    instrument: r.instrument_id as string,
    expiry: r.expiry as string,
    price: r.price as bigint,
    rule: r.rule as SettlementRow['rule'],
    priceAt: (r.price_at as string | null) ?? null,
    settledAt: r.settled_at as string,
    actor: r.actor as string,
    positions: Number(r.positions),
    realised: r.realised as bigint,
  };
}

export function settlements(db: Database, limit: number): SettlementRow[] {
  return rows(db, 'SELECT * FROM expiry_settlements ORDER BY settled_at DESC, instrument_id LIMIT ?', limit).map(settlementRowOf);
}

export interface ExpiryCloseRow {
  instrument: string;
  account: string;
  quantity: bigint;
  entryValue: bigint;
  realised: bigint;
  cash: bigint;
}

export function insertExpiryClose(db: Database, c: ExpiryCloseRow): void {
  prepared(db, 'INSERT INTO expiry_closes(instrument_id, account_id, quantity, entry_value, realised, cash) VALUES (?, ?, ?, ?, ?, ?)').run(
    c.instrument,
    c.account,
    c.quantity,
    c.entryValue,
    c.realised,
    c.cash,
  );
}

/** One account's positions closed at expiry, newest settlement first, with the price and time. */
export function expiryClosesOf(db: Database, account: string, limit: number): (ExpiryCloseRow & { price: bigint; settledAt: string; rule: string })[] {
  return rows(
    db,
    `SELECT c.instrument_id, c.account_id, c.quantity, c.entry_value, c.realised, c.cash, s.price, s.settled_at, s.rule
     FROM expiry_closes c JOIN expiry_settlements s ON s.instrument_id = c.instrument_id
     WHERE c.account_id = ? ORDER BY s.settled_at DESC, c.instrument_id LIMIT ?`,
    account,
    limit,
  ).map((r) => ({
    instrument: r.instrument_id as string,
    account: r.account_id as string,
    quantity: r.quantity as bigint,
    entryValue: r.entry_value as bigint,
    realised: r.realised as bigint,
    cash: r.cash as bigint,
    price: r.price as bigint,
    settledAt: r.settled_at as string,
    rule: r.rule as string,
  }));
}

/** How many positions each member holds in an instrument, by member id. */
export function positionsByMember(db: Database, instrument: string): { member: string; positions: number }[] {
  return (
    prepared(
      db,
      'SELECT a.member_id, count(*) AS n FROM positions p JOIN accounts a ON a.id = p.account_id WHERE p.instrument_id = ? GROUP BY a.member_id ORDER BY a.member_id',
    ).all(instrument) as { member_id: string; n: bigint }[]
  ).map((r) => ({ member: r.member_id, positions: Number(r.n) }));
}

/** Futures and options expiring after `from` and up to `to` and not settled, soonest first, with their open positions. */
export function upcomingExpiries(db: Database, from: string, to: string): { instrument: string; expiry: string; positions: number }[] {
  return rows(
    db,
    `SELECT i.id, i.expiry, (SELECT count(*) FROM positions p WHERE p.instrument_id = i.id) AS n FROM instruments i
     WHERE (i.kind = 'future' OR i.kind = 'option') AND i.expiry > ? AND i.expiry <= ?
       AND NOT EXISTS (SELECT 1 FROM expiry_settlements s WHERE s.instrument_id = i.id)
       AND NOT EXISTS (SELECT 1 FROM option_expiries o WHERE o.instrument_id = i.id)
     ORDER BY i.expiry, i.id`,
    from,
    to,
  ).map((r) => ({ instrument: r.id as string, expiry: r.expiry as string, positions: Number(r.n) }));
}

