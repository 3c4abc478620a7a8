// Members' default-fund contributions as a waterfall uses them: the contribution, its movements (used, replenished)
// and the replenishments a case asks of surviving members.
import type { Database } from 'better-sqlite3';

export function setDefaultFund(db: Database, member: string, amount: bigint): void {
  db.prepare('UPDATE members SET default_fund = ? WHERE id = ?').run(amount, member);
}

export function addDefaultFundEntry(db: Database, e: { member: string; at: string; actor: string; kind: 'used' | 'replenished'; amount: bigint; case: number | null; note: string }): void {
  if (e.amount === 0n) return;
  db.prepare('INSERT INTO default_fund_entries(member_id, at, actor, kind, amount, case_id, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    e.member,
    e.at,
    e.actor,
    e.kind,
    e.amount,
    e.case,
    e.note,
  );
}

/** Per member, the net change of its default fund since `since` (used is negative, replenished positive). */
export function defaultFundMovesSince(db: Database, since: string): Map<string, bigint> {
  const rows = db.prepare('SELECT member_id, sum(amount) AS amount FROM default_fund_entries WHERE at >= ? GROUP BY member_id').safeIntegers(true).all(since) as { member_id: string; amount: bigint }[];
  return new Map(rows.map((r) => [r.member_id, r.amount]));
}

export interface ReplenishmentRow {
  id: number;
  case: number;
  member: string;
  amount: bigint;
  replenished: bigint;
  due: string;
  status: 'due' | 'met';
}

interface ReplenishmentDbRow {
  id: bigint;
  case_id: bigint;
  member_id: string;
  amount: bigint;
  replenished: bigint;
  due: string;
  status: 'due' | 'met';
}

const toRepl = (r: ReplenishmentDbRow): ReplenishmentRow => ({
  id: Number(r.id),
  case: Number(r.case_id),
  member: r.member_id,
  amount: r.amount,
  replenished: r.replenished,
  due: r.due,
  status: r.status,
});
const REPL = 'SELECT id, case_id, member_id, amount, replenished, due, status FROM default_fund_replenishments';

export function insertReplenishment(db: Database, r: { case: number; member: string; amount: bigint; due: string; at: string }): void {
  db.prepare('INSERT INTO default_fund_replenishments(case_id, member_id, amount, due, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    r.case,
    r.member,
    r.amount,
    r.due,
    r.at,
    r.at,
  );
}

export function caseReplenishments(db: Database, caseId: number): ReplenishmentRow[] {
  return (db.prepare(`${REPL} WHERE case_id = ? ORDER BY member_id`).safeIntegers(true).all(caseId) as ReplenishmentDbRow[]).map(toRepl);
}

export function dueReplenishments(db: Database, member?: string): ReplenishmentRow[] {
  const stmt = db.prepare(`${REPL} WHERE status = 'due' ${member === undefined ? '' : 'AND member_id = ?'} ORDER BY due, id`).safeIntegers(true);
  return ((member === undefined ? stmt.all() : stmt.all(member)) as ReplenishmentDbRow[]).map(toRepl);
}

export function setReplenished(db: Database, id: number, replenished: bigint, met: boolean, at: string): void {
  db.prepare('UPDATE default_fund_replenishments SET replenished = ?, status = ?, updated_at = ? WHERE id = ?').run(replenished, met ? 'met' : 'due', at, id);
}
