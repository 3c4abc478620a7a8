// Funding of perpetuals (issue 18, migration step 12): the rates, the funding times paid with each account's payment,
// and the feed's clock of the latest marked rate. What was paid is append-only (SQL triggers refuse changes).
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import { rows, type Row } from './rows.ts';


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

