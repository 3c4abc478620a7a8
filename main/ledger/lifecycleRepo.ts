// The instrument lifecycle's rows (issue 18, migration step 12): funding rates and the funding times paid, final
// settlement prices and the expiries settled. What was paid or settled is append-only (SQL triggers refuse changes).
import type { Database } from 'better-sqlite3';
import type { Position } from '../engine/model.ts';
import { prepared } from './stmtCache.ts';
import { visible } from './seriesVisibility.ts';

type Row = Record<string, unknown>;

function rows(db: Database, sql: string, ...params: unknown[]): Row[] {
  return db.prepare(sql).safeIntegers(true).all(...params) as Row[];
}

// ---- funding ----

export interface DueFunding {
  instrument: string;
  at: string;
  rate: bigint;
}

/** Funding times at or before `asOf` with a rate and not yet paid, oldest first. */
export function dueFunding(db: Database, asOf: string): DueFunding[] {
  return rows(
    db,
    `SELECT r.instrument_id, r.at, r.rate FROM funding_rates r
     WHERE r.at <= ? AND NOT EXISTS (SELECT 1 FROM funding_events e WHERE e.instrument_id = r.instrument_id AND e.at = r.at)
     ORDER BY r.at, r.instrument_id`,
    asOf,
  ).map((r) => ({ instrument: r.instrument_id as string, at: r.at as string, rate: r.rate as bigint }));
}

/** The latest funding time of the instrument already paid, or null. */
export function fundingPaidThrough(db: Database, instrument: string): string | null {
  const r = db.prepare('SELECT max(at) AS at FROM funding_events WHERE instrument_id = ?').get(instrument) as { at: string | null };
  return r.at;
}

/** The rate a funding time was paid at, or undefined when it was not paid. */
export function paidFundingRate(db: Database, instrument: string, at: string): bigint | undefined {
  const r = db.prepare('SELECT rate FROM funding_events WHERE instrument_id = ? AND at = ?').safeIntegers(true).get(instrument, at) as
    | { rate: bigint }
    | undefined;
  return r?.rate;
}

export function writeFundingRates(db: Database, list: readonly { instrument: string; at: string; rate: bigint; source: string | null }[]): void {
  const s = db.prepare(
    `INSERT INTO funding_rates(instrument_id, at, rate, source) VALUES (?, ?, ?, ?)
     ON CONFLICT(instrument_id, at) DO UPDATE SET rate = excluded.rate, source = excluded.source`,
  );
  for (const r of list) s.run(r.instrument, r.at, r.rate, r.source ?? 'import');
}

/** A live funding-rate mark's source: the feed and the time the rate was observed (funding.tick), so the row says where it came from. */
export const FEED_RATE_SOURCE = 'feed ';

/**
 * The observation time of the newest live funding-rate mark of the instrument, or undefined: the feed's clock, kept
 * apart from the rate rows (step 16) because a funding-rates import overwriting a row replaces its source.
 */
export function latestFeedRateTime(db: Database, instrument: string): string | undefined {
  const r = prepared(db, 'SELECT observed_at FROM funding_feed_clock WHERE instrument_id = ?').get(instrument) as { observed_at: string } | undefined;
  return r?.observed_at;
}

/** Moves the instrument's feed clock to `observedAt`; never back (max), so a replay writes the same clock. */
export function advanceFeedClock(db: Database, instrument: string, observedAt: string): void {
  prepared(
    db,
    `INSERT INTO funding_feed_clock(instrument_id, observed_at) VALUES (?, ?)
     ON CONFLICT(instrument_id) DO UPDATE SET observed_at = max(observed_at, excluded.observed_at)`,
  ).run(instrument, observedAt);
}

/** The last mark of an instrument at or before `at`, with its time. */
export function markAtOrBefore(db: Database, instrument: string, at: string): { mark: bigint; at: string } | undefined {
  const r = prepared(db, `SELECT mark, at FROM prices WHERE instrument_id = ? AND at <= ? AND ${visible()} ORDER BY at DESC LIMIT 1`)
    .safeIntegers(true)
    .get(instrument, at) as { mark: bigint; at: string } | undefined;
  return r;
}

/** Every open position in an instrument, by account. */
export function positionsIn(db: Database, instrument: string): Position[] {
  return (
    db
      .prepare('SELECT account_id, quantity, entry_value, isolated_margin FROM positions WHERE instrument_id = ? ORDER BY account_id')
      .safeIntegers(true)
      .all(instrument) as { account_id: string; quantity: bigint; entry_value: bigint; isolated_margin: bigint | null }[]
  ).map((r) => ({ account: r.account_id, instrument, quantity: r.quantity, entryValue: r.entry_value, isolatedMargin: r.isolated_margin ?? null }));
}

export interface FundingEventRow {
  instrument: string;
  at: string;
  rate: bigint;
  mark: bigint;
  markAt: string;
  paidAt: string;
  actor: string;
  positions: number;
  valueSum: bigint;
  debited: bigint;
  credited: bigint;
  house: bigint;
}

export function insertFundingEvent(db: Database, e: FundingEventRow): void {
  db.prepare(
    `INSERT INTO funding_events(instrument_id, at, rate, mark, mark_at, paid_at, actor, positions, value_sum, debited, credited, house)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.instrument, e.at, e.rate, e.mark, e.markAt, e.paidAt, e.actor, e.positions, e.valueSum, e.debited, e.credited, e.house);
}

export interface FundingPaymentRow {
  instrument: string;
  at: string;
  account: string;
  quantity: bigint;
  value: bigint;
  amount: bigint;
  isolated: boolean;
}

export function insertFundingPayment(db: Database, p: FundingPaymentRow): void {
  prepared(db, 'INSERT INTO funding_payments(instrument_id, at, account_id, quantity, value, amount, isolated) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    p.instrument,
    p.at,
    p.account,
    p.quantity,
    p.value,
    p.amount,
    p.isolated ? 1 : 0,
  );
}

const EVENT_COLUMNS = 'instrument_id, at, rate, mark, mark_at, paid_at, actor, positions, value_sum, debited, credited, house';

function eventOf(r: Row): FundingEventRow {
  return {
    instrument: r.instrument_id as string,
    at: r.at as string,
    rate: r.rate as bigint,
    mark: r.mark as bigint,
    markAt: r.mark_at as string,
    paidAt: r.paid_at as string,
    actor: r.actor as string,
    positions: Number(r.positions),
    valueSum: r.value_sum as bigint,
    debited: r.debited as bigint,
    credited: r.credited as bigint,
    house: r.house as bigint,
  };
}

/** Funding times paid, newest first (of one instrument, or all). */
export function fundingEvents(db: Database, instrument: string | null, limit: number): FundingEventRow[] {
  const where = instrument === null ? '' : 'WHERE instrument_id = ?';
  const args: unknown[] = instrument === null ? [limit] : [instrument, limit];
  return rows(db, `SELECT ${EVENT_COLUMNS} FROM funding_events ${where} ORDER BY at DESC, instrument_id LIMIT ?`, ...args).map(eventOf);
}

/** One account's funding payments, newest first, with each time's rate and mark. */
export function fundingPaymentsOf(db: Database, account: string, limit: number): (FundingPaymentRow & { rate: bigint; mark: bigint })[] {
  return rows(
    db,
    `SELECT p.instrument_id, p.at, p.account_id, p.quantity, p.value, p.amount, p.isolated, e.rate, e.mark
     FROM funding_payments p JOIN funding_events e ON e.instrument_id = p.instrument_id AND e.at = p.at
     WHERE p.account_id = ? ORDER BY p.at DESC, p.instrument_id LIMIT ?`,
    account,
    limit,
  ).map((r) => ({
    instrument: r.instrument_id as string,
    at: r.at as string,
    account: r.account_id as string,
    quantity: r.quantity as bigint,
    value: r.value as bigint,
    amount: r.amount as bigint,
    isolated: Number(r.isolated) === 1,
    rate: r.rate as bigint,
    mark: r.mark as bigint,
  }));
}

/** Balance of the clearinghouse's funding account: the sum of every funding time's house share. */
export function fundingHouseBalance(db: Database): bigint {
  return (db.prepare('SELECT coalesce(sum(house), 0) AS b FROM funding_events').safeIntegers(true).get() as { b: bigint }).b;
}

/** Funding times with a rate not yet paid, after `from` and up to `to`, soonest first. */
export function upcomingFunding(db: Database, from: string, to: string): DueFunding[] {
  return rows(
    db,
    `SELECT r.instrument_id, r.at, r.rate FROM funding_rates r
     WHERE r.at > ? AND r.at <= ? AND NOT EXISTS (SELECT 1 FROM funding_events e WHERE e.instrument_id = r.instrument_id AND e.at = r.at)
     ORDER BY r.at, r.instrument_id`,
    from,
    to,
  ).map((r) => ({ instrument: r.instrument_id as string, at: r.at as string, rate: r.rate as bigint }));
}

// ---- expiry and settlement ----

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

// ---- physical delivery ----

export function writeDeliveries(db: Database, list: readonly { instrument: string; asset: string }[]): void {
  const s = db.prepare('INSERT INTO instrument_delivery(instrument_id, asset_id) VALUES (?, ?) ON CONFLICT(instrument_id) DO UPDATE SET asset_id = excluded.asset_id');
  for (const r of list) s.run(r.instrument, r.asset);
}

/** The asset a future delivers, or undefined when it settles in cash. */
export function deliveryAssetOf(db: Database, instrument: string): string | undefined {
  return (db.prepare('SELECT asset_id FROM instrument_delivery WHERE instrument_id = ?').pluck().get(instrument) as string | undefined) ?? undefined;
}

export interface DeliveryRowOut {
  instrument: string;
  account: string;
  asset: string;
  /** Asset units: + received, - delivered. */
  quantity: bigint;
  /** Micro-USD: - paid, + received. */
  cash: bigint;
}

export function insertDelivery(db: Database, d: DeliveryRowOut): void {
  prepared(db, 'INSERT INTO expiry_deliveries(instrument_id, account_id, asset_id, quantity, cash) VALUES (?, ?, ?, ?, ?)').run(d.instrument, d.account, d.asset, d.quantity, d.cash);
}

export function deliveriesOf(db: Database, account: string, limit: number): DeliveryRowOut[] {
  return rows(db, 'SELECT instrument_id, account_id, asset_id, quantity, cash FROM expiry_deliveries WHERE account_id = ? ORDER BY instrument_id LIMIT ?', account, limit).map((r) => ({
    instrument: r.instrument_id as string,
    account: r.account_id as string,
    asset: r.asset_id as string,
    quantity: r.quantity as bigint,
    cash: r.cash as bigint,
  }));
}

/** Physically delivered futures expiring after `from` and up to `to`, not settled, with their asset, soonest first. */
export function upcomingDeliveries(db: Database, from: string, to: string): { instrument: string; expiry: string; asset: string }[] {
  return (
    db
      .prepare(
        `SELECT i.id, i.expiry, d.asset_id FROM instruments i JOIN instrument_delivery d ON d.instrument_id = i.id
         WHERE i.expiry > ? AND i.expiry <= ? AND NOT EXISTS (SELECT 1 FROM expiry_settlements s WHERE s.instrument_id = i.id)
         ORDER BY i.expiry, i.id`,
      )
      .all(from, to) as { id: string; expiry: string; asset_id: string }[]
  ).map((r) => ({ instrument: r.id, expiry: r.expiry, asset: r.asset_id }));
}
