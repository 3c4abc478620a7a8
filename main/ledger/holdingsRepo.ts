// Positions and collateral as fills, expiries, exercises and recovery tools change them (imports write through
// importRepo.ts, deposits through collateralRepo.ts).
import type { Database } from 'better-sqlite3';
import type { Position } from '../engine/model.ts';
import { prepared } from './stmtCache.ts';

/** Writes a position's new quantity, entry value and isolated margin, or deletes it when closed whole. */
export function writePosition(
  db: Database,
  p: { account: string; instrument: string; quantity: bigint; entryValue: bigint; isolatedMargin: bigint | null } | { account: string; instrument: string; closed: true },
): void {
  if ('closed' in p) {
    prepared(db, 'DELETE FROM positions WHERE account_id = ? AND instrument_id = ?').run(p.account, p.instrument);
    return;
  }
  prepared(db, 'UPDATE positions SET quantity = ?, entry_value = ?, isolated_margin = ? WHERE account_id = ? AND instrument_id = ?').run(
    p.quantity,
    p.entryValue,
    p.isolatedMargin,
    p.account,
    p.instrument,
  );
}

/** A new cross position (a close-out winner taking lots of an instrument it did not hold). */
export function insertPosition(db: Database, p: { account: string; instrument: string; quantity: bigint; entryValue: bigint }): void {
  prepared(db, 'INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES (?, ?, ?, ?, NULL)').run(
    p.account,
    p.instrument,
    p.quantity,
    p.entryValue,
  );
}

/** Adds `delta` (asset quantity units) to an account's holding of an asset. */
export function addCollateral(db: Database, account: string, asset: string, delta: bigint): void {
  if (delta === 0n) return;
  prepared(
    db,
    `INSERT INTO collateral(account_id, asset_id, quantity) VALUES (?, ?, ?)
     ON CONFLICT(account_id, asset_id) DO UPDATE SET quantity = quantity + excluded.quantity`,
  ).run(account, asset, delta);
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
