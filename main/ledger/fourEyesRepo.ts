// What the four-eyes rule reads (commands/liquidations/fourEyes.ts): one person's approvals and fills on one account
// that no second person confirmed, and the off-band fills that wait for a second supervisor.
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

export interface FillRequestRow {
  id: number;
  liquidation: number;
  seq: number;
  lots: bigint;
  price: bigint;
  mark: bigint;
  band: bigint;
  notional: bigint;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'confirmed' | 'declined';
  decidedBy: string | null;
  decidedAt: string | null;
  note: string;
}

const REQUEST_COLUMNS = `id, liquidation_id, seq, lots, price, mark, band, notional, requested_by, requested_at, status, decided_by,
  decided_at, note`;

function requestOf(r: Record<string, unknown>): FillRequestRow {
  return {
    id: Number(r.id),
    liquidation: Number(r.liquidation_id),
    seq: Number(r.seq),
    lots: r.lots as bigint,
    price: r.price as bigint,
    mark: r.mark as bigint,
    band: r.band as bigint,
    notional: r.notional as bigint,
    requestedBy: r.requested_by as string,
    requestedAt: r.requested_at as string,
    status: r.status as FillRequestRow['status'],
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
    note: r.note as string,
  };
}

export function insertFillRequest(
  db: Database,
  r: Pick<FillRequestRow, 'liquidation' | 'seq' | 'lots' | 'price' | 'mark' | 'band' | 'notional' | 'requestedBy' | 'requestedAt' | 'note'>,
): number {
  const out = prepared(
    db,
    `INSERT INTO liquidation_fill_requests(liquidation_id, seq, lots, price, mark, band, notional, requested_by, requested_at, status, note)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
  ).run(r.liquidation, r.seq, r.lots, r.price, r.mark, r.band, r.notional, r.requestedBy, r.requestedAt, r.note);
  return Number(out.lastInsertRowid);
}

export function getFillRequest(db: Database, id: number): FillRequestRow | null {
  const r = prepared(db, `SELECT ${REQUEST_COLUMNS} FROM liquidation_fill_requests WHERE id = ?`).safeIntegers(true).get(id);
  return r ? requestOf(r as Record<string, unknown>) : null;
}

export function fillRequestsOf(db: Database, liquidation: number): FillRequestRow[] {
  return (
    prepared(db, `SELECT ${REQUEST_COLUMNS} FROM liquidation_fill_requests WHERE liquidation_id = ? ORDER BY id`)
      .safeIntegers(true)
      .all(liquidation) as Record<string, unknown>[]
  ).map(requestOf);
}

export function decideFillRequest(db: Database, id: number, status: 'confirmed' | 'declined', by: string, at: string, note: string): void {
  prepared(
    db,
    `UPDATE liquidation_fill_requests SET status = ?, decided_by = ?, decided_at = ?, note = CASE WHEN ? = '' THEN note ELSE ? END
     WHERE id = ? AND status = 'pending'`,
  ).run(status, by, at, note, note, id);
}

/** Every fill request still waiting for a second supervisor. */
export function pendingFillRequests(db: Database): FillRequestRow[] {
  return (
    prepared(db, `SELECT ${REQUEST_COLUMNS} FROM liquidation_fill_requests WHERE status = 'pending' ORDER BY id`)
      .safeIntegers(true)
      .all() as Record<string, unknown>[]
  ).map(requestOf);
}
