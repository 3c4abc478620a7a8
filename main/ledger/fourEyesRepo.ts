// What the four-eyes rule reads (commands/liquidations/fourEyes.ts): one person's approvals and fills on one account
// that no second person confirmed.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export interface OrderShare {
  /** The order's notional at its estimated price, its lots and the lots filled so far. */
  notional: bigint;
  lots: bigint;
  filledLots: bigint;
}

export interface SoleApproval {
  id: number;
  status: string;
  notional: bigint;
  orders: OrderShare[];
}

/** Liquidations of `account` that `actor` approved at or after `since` and nobody confirmed. */
export function soleApprovalsSince(db: Database, account: string, actor: string, since: string): SoleApproval[] {
  const rows = prepared(
    db,
    `SELECT id, status, notional FROM liquidations
     WHERE account_id = ? AND approved_by = ? AND confirmed_by IS NULL AND approved_at >= ?`,
  )
    .safeIntegers(true)
    .all(account, actor, since) as { id: bigint; status: string; notional: bigint }[];
  const orders = prepared(db, 'SELECT notional, lots, filled_lots FROM liquidation_orders WHERE liquidation_id = ?').safeIntegers(true);
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    notional: r.notional,
    orders: (orders.all(r.id) as { notional: bigint; lots: bigint; filled_lots: bigint }[]).map((o) => ({
      notional: o.notional,
      lots: o.lots,
      filledLots: o.filled_lots,
    })),
  }));
}

/** Fills `actor` entered at or after `since` on liquidations of `account` that someone else approved alone. */
export function fillsOnOthersSince(db: Database, account: string, actor: string, since: string): { lots: bigint; order: OrderShare }[] {
  const rows = prepared(
    db,
    `SELECT f.lots, o.notional, o.lots AS order_lots, o.filled_lots FROM liquidation_fills f
     JOIN liquidation_orders o ON o.liquidation_id = f.liquidation_id AND o.seq = f.seq
     JOIN liquidations l ON l.id = f.liquidation_id
     WHERE l.account_id = ? AND f.actor = ? AND f.at >= ? AND l.confirmed_by IS NULL
       AND (l.approved_by IS NULL OR l.approved_by <> ?)`,
  )
    .safeIntegers(true)
    .all(account, actor, since, actor) as { lots: bigint; notional: bigint; order_lots: bigint; filled_lots: bigint }[];
  return rows.map((r) => ({ lots: r.lots, order: { notional: r.notional, lots: r.order_lots, filledLots: r.filled_lots } }));
}

/** Every fill `actor` entered at or after `since` on liquidations of `account`: lots, price (ticks), instrument. */
export function fillsBySince(db: Database, account: string, actor: string, since: string): { lots: bigint; price: bigint; instrument: string }[] {
  return prepared(
    db,
    `SELECT f.lots, f.price, o.instrument_id AS instrument FROM liquidation_fills f
     JOIN liquidation_orders o ON o.liquidation_id = f.liquidation_id AND o.seq = f.seq
     JOIN liquidations l ON l.id = f.liquidation_id
     WHERE l.account_id = ? AND f.actor = ? AND f.at >= ?`,
  )
    .safeIntegers(true)
    .all(account, actor, since) as { lots: bigint; price: bigint; instrument: string }[];
}
