// Physical delivery at expiry (issue 18): the asset an instrument delivers and each account's delivery.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import { rows } from './rows.ts';


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
