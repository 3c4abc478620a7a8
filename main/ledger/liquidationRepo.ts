// Liquidation proposals, their orders, review events and fills.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import { POLICY_VERSION_NOW } from './policyRepo.ts';

export const LIVE_LIQUIDATION = ['proposed', 'held', 'pending_second', 'approved', 'executing'] as const;
export type LiquidationStatus = (typeof LIVE_LIQUIDATION)[number] | 'executed' | 'rejected' | 'superseded';

export interface LiquidationRow {
  id: number;
  account: string;
  member: string;
  cycle: number;
  status: LiquidationStatus;
  reasons: string;
  before: string;
  proposedAfter: string;
  after: string;
  notional: bigint;
  edited: boolean;
  approvedBy: string | null;
  approvedAt: string | null;
  confirmedBy: string | null;
  confirmedAt: string | null;
  automated: boolean;
  createdAt: string;
  updatedAt: string;
  /** The policy version its figures were made under (migration step 10); null for a row made before that step. */
  policyVersion: number | null;
}

export interface OrderRow {
  seq: number;
  instrument: string;
  isolated: boolean;
  side: 'buy' | 'sell';
  proposedLots: bigint;
  lots: bigint;
  filledLots: bigint;
  mark: bigint;
  price: bigint;
  notional: bigint;
  liquidationFee: bigint;
  insuranceFee: bigint;
  bankruptcyPrice: string | null;
}

export interface LiquidationEventRow {
  at: string;
  actor: string;
  kind: string;
  note: string;
  detail: string;
}

export interface FillRow {
  id: number;
  seq: number;
  at: string;
  actor: string;
  lots: bigint;
  price: bigint;
  simulated: boolean;
  realised: bigint;
  liquidationFee: bigint;
  insuranceFee: bigint;
}

const SELECT = `SELECT l.id, l.account_id, a.member_id, l.cycle_id, l.status, l.reasons, l.before_figures, l.proposed_after,
  l.after_figures, l.notional, l.edited, l.approved_by, l.approved_at, l.confirmed_by, l.confirmed_at, l.automated,
  l.created_at, l.updated_at, l.policy_version
  FROM liquidations l JOIN accounts a ON a.id = l.account_id`;

/** A row of SELECT, as read with safeIntegers. */
interface LiquidationDbRow {
  id: bigint;
  account_id: string;
  member_id: string;
  cycle_id: bigint;
  status: LiquidationStatus;
  reasons: string;
  before_figures: string;
  proposed_after: string;
  after_figures: string;
  notional: bigint;
  edited: bigint;
  approved_by: string | null;
  approved_at: string | null;
  confirmed_by: string | null;
  confirmed_at: string | null;
  automated: bigint;
  created_at: string;
  updated_at: string;
  policy_version: bigint | null;
}

function toRow(r: LiquidationDbRow): LiquidationRow {
  return {
    id: Number(r.id),
    account: r.account_id,
    member: r.member_id,
    cycle: Number(r.cycle_id),
    status: r.status,
    reasons: r.reasons,
    before: r.before_figures,
    proposedAfter: r.proposed_after,
    after: r.after_figures,
    notional: r.notional,
    edited: Number(r.edited) === 1,
    approvedBy: r.approved_by ?? null,
    approvedAt: r.approved_at ?? null,
    confirmedBy: r.confirmed_by ?? null,
    confirmedAt: r.confirmed_at ?? null,
    automated: Number(r.automated) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    policyVersion: r.policy_version === null ? null : Number(r.policy_version),
  };
}

const LIVE_SQL = `(${LIVE_LIQUIDATION.map((s) => `'${s}'`).join(', ')})`;

/** Live proposals with an order in an instrument: id and account. */
export function liveLiquidationsIn(db: Database, instrument: string): { id: number; account: string }[] {
  return (
    db
      .prepare(
        `SELECT DISTINCT l.id, l.account_id FROM liquidations l JOIN liquidation_orders o ON o.liquidation_id = l.id
         WHERE l.status IN ${LIVE_SQL} AND o.instrument_id = ? ORDER BY l.id`,
      )
      .all(instrument) as { id: bigint; account_id: string }[]
  ).map((r) => ({ id: Number(r.id), account: r.account_id }));
}

export function getLiquidation(db: Database, id: number): LiquidationRow | null {
  const r = prepared(db, `${SELECT} WHERE l.id = ?`).safeIntegers(true).get(id) as LiquidationDbRow | undefined;
  return r ? toRow(r) : null;
}

type LiquidationFilter = { status?: LiquidationStatus; account?: string; live?: boolean };

function whereOf(f: LiquidationFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status) {
    where.push('l.status = ?');
    params.push(f.status);
  }
  if (f.account) {
    where.push('l.account_id = ?');
    params.push(f.account);
  }
  if (f.live) where.push(`l.status IN ${LIVE_SQL}`);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function listLiquidations(db: Database, f: LiquidationFilter & { limit: number }): LiquidationRow[] {
  const w = whereOf(f);
  const sql = `${SELECT} ${w.sql} ORDER BY l.id DESC LIMIT ?`;
  return (db.prepare(sql).safeIntegers(true).all(...w.params, f.limit) as LiquidationDbRow[]).map(toRow);
}

/** How many proposals the filter matches, whatever a list's limit. */
export function countLiquidations(db: Database, f: LiquidationFilter): number {
  const w = whereOf(f);
  return Number(db.prepare(`SELECT count(*) FROM liquidations l ${w.sql}`).pluck().get(...w.params) as number | bigint);
}

/** The live proposal of each account that has one. */
export function liveLiquidationsByAccount(db: Database): Map<string, LiquidationRow> {
  const rows = db.prepare(`${SELECT} WHERE l.status IN ${LIVE_SQL}`).safeIntegers(true).all() as LiquidationDbRow[];
  return new Map(rows.map((r) => [r.account_id, toRow(r)]));
}

/** How many proposals are live, how many of them wait for a second supervisor, and the newest one's last change. */
export function liveLiquidationTally(db: Database): { live: number; pendingSecond: number; newestUpdatedAt: string | null } {
  const r = prepared(
    db,
    `SELECT count(*) AS live, coalesce(sum(status = 'pending_second'), 0) AS pending_second,
       (SELECT updated_at FROM liquidations WHERE status IN ${LIVE_SQL} ORDER BY id DESC LIMIT 1) AS newest_updated_at
     FROM liquidations WHERE status IN ${LIVE_SQL}`,
  )
    .safeIntegers(false)
    .get() as { live: number; pending_second: number; newest_updated_at: string | null };
  return { live: r.live, pendingSecond: r.pending_second, newestUpdatedAt: r.newest_updated_at };
}

/** What a cycle needs to know of a live proposal before it plans again: the rest is read only when the plan moved. */
export interface LiquidationHead {
  id: number;
  cycle: number;
  status: LiquidationStatus;
  edited: boolean;
  policyVersion: number | null;
}

/** The live proposal of each account that has one, without its figures (see LiquidationHead). */
export function liveLiquidationHeads(db: Database): Map<string, LiquidationHead> {
  const rows = prepared(db, `SELECT account_id, id, cycle_id, status, edited, policy_version FROM liquidations WHERE status IN ${LIVE_SQL}`)
    .safeIntegers(false)
    .all() as { account_id: string; id: number; cycle_id: number; status: LiquidationStatus; edited: number; policy_version: number | null }[];
  const out = new Map<string, LiquidationHead>();
  for (const r of rows) {
    out.set(r.account_id, { id: r.id, cycle: r.cycle_id, status: r.status, edited: r.edited === 1, policyVersion: r.policy_version });
  }
  return out;
}

export interface NewLiquidation {
  account: string;
  cycle: number;
  status: 'proposed' | 'held';
  reasons: string;
  before: string;
  after: string;
  notional: bigint;
  at: string;
}

export function insertLiquidation(db: Database, l: NewLiquidation): number {
  const r = prepared(
    db,
    `INSERT INTO liquidations(account_id, cycle_id, status, reasons, before_figures, proposed_after, after_figures, notional,
        created_at, updated_at, policy_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${POLICY_VERSION_NOW})`,
  ).run(l.account, l.cycle, l.status, l.reasons, l.before, l.after, l.after, l.notional, l.at, l.at);
  return Number(r.lastInsertRowid);
}

export type OrderInsert = Omit<OrderRow, 'filledLots'>;

export function insertOrders(db: Database, liquidation: number, orders: readonly OrderInsert[]): void {
  const stmt = prepared(
    db,
    `INSERT INTO liquidation_orders(liquidation_id, seq, instrument_id, isolated, side, proposed_lots, lots, mark, price, notional,
      liquidation_fee, insurance_fee, bankruptcy_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const o of orders) {
    stmt.run(liquidation, o.seq, o.instrument, o.isolated ? 1 : 0, o.side, o.proposedLots, o.lots, o.mark, o.price, o.notional,
      o.liquidationFee, o.insuranceFee, o.bankruptcyPrice);
  }
}

interface OrderDbRow {
  seq: bigint;
  instrument_id: string;
  isolated: bigint;
  side: 'buy' | 'sell';
  proposed_lots: bigint;
  lots: bigint;
  filled_lots: bigint;
  mark: bigint;
  price: bigint;
  notional: bigint;
  liquidation_fee: bigint;
  insurance_fee: bigint;
  bankruptcy_price: string | null;
}

export function readOrders(db: Database, liquidation: number): OrderRow[] {
  const rows = prepared(
    db,
    `SELECT seq, instrument_id, isolated, side, proposed_lots, lots, filled_lots, mark, price, notional, liquidation_fee,
        insurance_fee, bankruptcy_price FROM liquidation_orders WHERE liquidation_id = ? ORDER BY seq`,
  )
    .safeIntegers(true)
    .all(liquidation) as OrderDbRow[];
  return rows.map((r) => ({
    seq: Number(r.seq),
    instrument: r.instrument_id,
    isolated: Number(r.isolated) === 1,
    side: r.side,
    proposedLots: r.proposed_lots,
    lots: r.lots,
    filledLots: r.filled_lots,
    mark: r.mark,
    price: r.price,
    notional: r.notional,
    liquidationFee: r.liquidation_fee,
    insuranceFee: r.insurance_fee,
    bankruptcyPrice: r.bankruptcy_price ?? null,
  }));
}

/**
 * A live proposal planned again by a later cycle: the same proposal (its id, history and hold kept) with the new
 * cycle's figures and orders. Only a proposal nobody has decided on is refreshed, so no order has a fill yet.
 */
export function refreshLiquidation(
  db: Database,
  id: number,
  l: Pick<NewLiquidation, 'cycle' | 'reasons' | 'before' | 'after' | 'notional' | 'at'>,
  orders: readonly OrderInsert[],
  /** The proposal already holds orders for the same instruments in the same order: they are updated in place. */
  sameInstruments = false,
): void {
  prepared(
    db,
    `UPDATE liquidations SET cycle_id = ?, reasons = ?, before_figures = ?, proposed_after = ?, after_figures = ?, notional = ?,
       edited = 0, updated_at = ?, policy_version = ${POLICY_VERSION_NOW} WHERE id = ?`,
  ).run(l.cycle, l.reasons, l.before, l.after, l.after, l.notional, l.at, id);
  if (sameInstruments) {
    // Only the figures of each order move: one row write each, where a delete and an insert touched the table and
    // both of its indexes twice (a cycle after a move refreshes thousands of proposals on the 100k book).
    const stmt = prepared(
      db,
      `UPDATE liquidation_orders SET isolated = ?, side = ?, proposed_lots = ?, lots = ?, mark = ?, price = ?, notional = ?,
         liquidation_fee = ?, insurance_fee = ?, bankruptcy_price = ? WHERE liquidation_id = ? AND seq = ? AND instrument_id = ?`,
    );
    for (const o of orders) {
      const r = stmt.run(o.isolated ? 1 : 0, o.side, o.proposedLots, o.lots, o.mark, o.price, o.notional, o.liquidationFee, o.insuranceFee, o.bankruptcyPrice, id, o.seq, o.instrument);
      if (r.changes !== 1) throw new Error(`liquidation ${id} holds no order ${o.seq} in ${o.instrument} to update`);
    }
    return;
  }
  prepared(db, 'DELETE FROM liquidation_orders WHERE liquidation_id = ?').run(id);
  insertOrders(db, id, orders);
}

/**
 * The same orders estimated again at other marks (an approval's, liquidations/review.ts): the proposal's figures and
 * each order's mark, estimated price, notional, fees and bankruptcy price; what it closes stays.
 */
export function restateLiquidation(
  db: Database,
  id: number,
  l: Pick<NewLiquidation, 'before' | 'after' | 'notional' | 'at'>,
  orders: readonly Pick<OrderInsert, 'seq' | 'mark' | 'price' | 'notional' | 'liquidationFee' | 'insuranceFee' | 'bankruptcyPrice'>[],
): void {
  prepared(db, 'UPDATE liquidations SET before_figures = ?, proposed_after = ?, after_figures = ?, notional = ?, updated_at = ? WHERE id = ?').run(
    l.before,
    l.after,
    l.after,
    l.notional,
    l.at,
    id,
  );
  const stmt = prepared(
    db,
    `UPDATE liquidation_orders SET mark = ?, price = ?, notional = ?, liquidation_fee = ?, insurance_fee = ?, bankruptcy_price = ?
       WHERE liquidation_id = ? AND seq = ?`,
  );
  for (const o of orders) {
    if (stmt.run(o.mark, o.price, o.notional, o.liquidationFee, o.insuranceFee, o.bankruptcyPrice, id, o.seq).changes !== 1) {
      throw new Error(`liquidation ${id} holds no order ${o.seq} to estimate again`);
    }
  }
}

/** Replaces the desk's quantities and their estimates (the engine's proposed_lots stay). */
export function updateOrder(db: Database, liquidation: number, o: OrderInsert): void {
  const r = prepared(
    db,
    `UPDATE liquidation_orders SET lots = ?, price = ?, notional = ?, liquidation_fee = ?, insurance_fee = ?, bankruptcy_price = ?
       WHERE liquidation_id = ? AND seq = ?`,
  ).run(o.lots, o.price, o.notional, o.liquidationFee, o.insuranceFee, o.bankruptcyPrice, liquidation, o.seq);
  if (r.changes === 0) insertOrders(db, liquidation, [o]);
}

export function addFilledLots(db: Database, liquidation: number, seq: number, lots: bigint): void {
  prepared(db, 'UPDATE liquidation_orders SET filled_lots = filled_lots + ? WHERE liquidation_id = ? AND seq = ?').run(lots, liquidation, seq);
}

export function setLiquidation(
  db: Database,
  id: number,
  f: Partial<{ status: LiquidationStatus; after: string; notional: bigint; edited: boolean; approvedBy: string | null; approvedAt: string | null; confirmedBy: string; confirmedAt: string; automated: boolean }>,
  at: string,
): void {
  const cols: string[] = ['updated_at = ?'];
  const vals: unknown[] = [at];
  const map: Record<string, string> = {
    status: 'status',
    after: 'after_figures',
    notional: 'notional',
    edited: 'edited',
    approvedBy: 'approved_by',
    approvedAt: 'approved_at',
    confirmedBy: 'confirmed_by',
    confirmedAt: 'confirmed_at',
    automated: 'automated',
  };
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    cols.push(`${map[k]} = ?`);
    vals.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  // New figures (the desk's edit) are the policy's in force now.
  if (f.after !== undefined) cols.push(`policy_version = ${POLICY_VERSION_NOW}`);
  prepared(db, `UPDATE liquidations SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
}

export function addLiquidationEvent(db: Database, id: number, e: LiquidationEventRow): void {
  prepared(db, 'INSERT INTO liquidation_events(liquidation_id, at, actor, kind, note, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    id,
    e.at,
    e.actor,
    e.kind,
    e.note,
    e.detail,
  );
}

export function readLiquidationEvents(db: Database, id: number): LiquidationEventRow[] {
  return db
    .prepare('SELECT at, actor, kind, note, detail FROM liquidation_events WHERE liquidation_id = ? ORDER BY id')
    .all(id) as LiquidationEventRow[];
}

export function insertFill(
  db: Database,
  f: Omit<FillRow, 'id'> & { liquidation: number; settlementDelta: bigint },
): number {
  const r = prepared(
    db,
    `INSERT INTO liquidation_fills(liquidation_id, seq, at, actor, lots, price, simulated, realised, liquidation_fee, insurance_fee,
        settlement_delta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(f.liquidation, f.seq, f.at, f.actor, f.lots, f.price, f.simulated ? 1 : 0, f.realised, f.liquidationFee, f.insuranceFee, f.settlementDelta);
  return Number(r.lastInsertRowid);
}

export function readFills(db: Database, liquidation: number): FillRow[] {
  const rows = db
    .prepare(
      `SELECT id, seq, at, actor, lots, price, simulated, realised, liquidation_fee, insurance_fee FROM liquidation_fills
       WHERE liquidation_id = ? ORDER BY id`,
    )
    .safeIntegers(true)
    .all(liquidation) as {
    id: bigint;
    seq: bigint;
    at: string;
    actor: string;
    lots: bigint;
    price: bigint;
    simulated: bigint;
    realised: bigint;
    liquidation_fee: bigint;
    insurance_fee: bigint;
  }[];
  return rows.map((r) => ({
    id: Number(r.id),
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    lots: r.lots,
    price: r.price,
    simulated: Number(r.simulated) === 1,
    realised: r.realised,
    liquidationFee: r.liquidation_fee,
    insuranceFee: r.insurance_fee,
  }));
}
