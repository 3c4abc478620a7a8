// Options at expiry (issue 18, migration step 13): which are due, the assignment policy, and what each expiry did.
// Append-only (SQL triggers refuse changes).
import type { Database } from 'better-sqlite3';
import { DEFAULT_ASSIGNMENT, type AssignmentMethod } from '../engine/assignment.ts';
import { prepared } from './stmtCache.ts';
import type { OptionExpired } from '../../shared/contractLifecycle.ts';

/** The policy's assignment method and seed (policy keys assignmentMethod, assignmentSeed). */
export function readAssignmentPolicy(db: Database): { method: AssignmentMethod; seed: bigint } {
  const p = { ...DEFAULT_ASSIGNMENT };
  for (const r of db.prepare("SELECT key, value FROM policy WHERE key IN ('assignmentMethod', 'assignmentSeed')").all() as { key: string; value: string }[]) {
    if (r.key === 'assignmentMethod') p.method = r.value === 'random' ? 'random' : 'pro_rata';
    else p.seed = BigInt(r.value);
  }
  return p;
}

/** An option expiry as stored: the run's view of it (OptionExpired), lots exact, with who settled it and when. */
export type OptionExpiryRow = Omit<OptionExpired, 'exercised' | 'assigned'> & {
  exercised: bigint;
  assigned: bigint;
  settledAt: string;
  actor: string;
};

export function insertOptionExpiry(db: Database, o: OptionExpiryRow): void {
  db.prepare(
    `INSERT INTO option_expiries(instrument_id, expiry, underlying_price, rule, price_at, in_the_money, settles, into_instrument, method, seed,
       exercised, assigned, settled_at, actor, positions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(o.instrument, o.expiry, o.underlyingPrice, o.rule, o.priceAt, o.inTheMoney ? 1 : 0, o.settles, o.into, o.method, o.seed, o.exercised, o.assigned, o.settledAt, o.actor, o.positions);
}

export function optionExpiryOf(db: Database, instrument: string): OptionExpiryRow | undefined {
  const r = db.prepare('SELECT * FROM option_expiries WHERE instrument_id = ?').safeIntegers(true).get(instrument) as Record<string, unknown> | undefined;
  return r ? rowOf(r) : undefined;
}

function rowOf(r: Record<string, unknown>): OptionExpiryRow {
  return {
    instrument: r.instrument_id as string,
    expiry: r.expiry as string,
    underlyingPrice: r.underlying_price as string,
    rule: r.rule as OptionExpiryRow['rule'],
    priceAt: (r.price_at as string | null) ?? null,
    inTheMoney: Number(r.in_the_money) === 1,
    settles: r.settles as OptionExpiryRow['settles'],
    into: (r.into_instrument as string | null) ?? null,
    method: r.method as AssignmentMethod,
    seed: (r.seed as string | null) ?? null,
    exercised: r.exercised as bigint,
    assigned: r.assigned as bigint,
    settledAt: r.settled_at as string,
    actor: r.actor as string,
    positions: Number(r.positions),
  };
}

/** Options expired, newest first. */
export function optionExpiries(db: Database, limit: number): OptionExpiryRow[] {
  return (db.prepare('SELECT * FROM option_expiries ORDER BY settled_at DESC, instrument_id LIMIT ?').safeIntegers(true).all(limit) as Record<string, unknown>[]).map(rowOf);
}

export interface OptionExerciseRow {
  instrument: string;
  account: string;
  quantity: bigint;
  entryValue: bigint;
  /** Exercised (a long) or assigned (a short). */
  lots: bigint;
  underlyingLots: bigint;
  cash: bigint;
  realised: bigint;
}

export function insertOptionExercise(db: Database, x: OptionExerciseRow): void {
  prepared(db, 'INSERT INTO option_exercises(instrument_id, account_id, quantity, entry_value, lots, underlying_lots, cash, realised) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    x.instrument,
    x.account,
    x.quantity,
    x.entryValue,
    x.lots,
    x.underlyingLots,
    x.cash,
    x.realised,
  );
}

/** One account's option positions closed at expiry, newest first, with how the option settled. */
export function optionExercisesOf(db: Database, account: string, limit: number): (OptionExerciseRow & { settledAt: string; underlyingPrice: string; into: string | null })[] {
  return (
    db
      .prepare(
        `SELECT x.instrument_id, x.account_id, x.quantity, x.entry_value, x.lots, x.underlying_lots, x.cash, x.realised, o.settled_at, o.underlying_price, o.into_instrument
         FROM option_exercises x JOIN option_expiries o ON o.instrument_id = x.instrument_id
         WHERE x.account_id = ? ORDER BY o.settled_at DESC, x.instrument_id LIMIT ?`,
      )
      .safeIntegers(true)
      .all(account, limit) as Record<string, unknown>[]
  ).map((r) => ({
    instrument: r.instrument_id as string,
    account: r.account_id as string,
    quantity: r.quantity as bigint,
    entryValue: r.entry_value as bigint,
    lots: r.lots as bigint,
    underlyingLots: r.underlying_lots as bigint,
    cash: r.cash as bigint,
    realised: r.realised as bigint,
    settledAt: r.settled_at as string,
    underlyingPrice: r.underlying_price as string,
    into: (r.into_instrument as string | null) ?? null,
  }));
}
