// Assessments a default case levies on surviving members, and their payments.
import type { Database } from 'better-sqlite3';
import type { AssessmentStatus } from '../../shared/contractRecovery.ts';

export interface AssessmentRow {
  id: number;
  case: number;
  member: string;
  amount: bigint;
  cap: bigint;
  paid: bigint;
  due: string;
  status: AssessmentStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

const ASSESS = 'SELECT id, case_id, member_id, amount, cap, paid, due, status, created_at, created_by, updated_at FROM assessments';
interface AssessmentDbRow {
  id: bigint;
  case_id: bigint;
  member_id: string;
  amount: bigint;
  cap: bigint;
  paid: bigint;
  due: string;
  status: AssessmentStatus;
  created_at: string;
  created_by: string;
  updated_at: string;
}

const toAssessment = (r: AssessmentDbRow): AssessmentRow => ({
  id: Number(r.id),
  case: Number(r.case_id),
  member: r.member_id,
  amount: r.amount,
  cap: r.cap,
  paid: r.paid,
  due: r.due,
  status: r.status,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
});

export function insertAssessment(db: Database, a: { case: number; member: string; amount: bigint; cap: bigint; due: string; at: string; by: string }): number {
  return Number(
    db
      .prepare('INSERT INTO assessments(case_id, member_id, amount, cap, due, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.case, a.member, a.amount, a.cap, a.due, a.at, a.by, a.at).lastInsertRowid,
  );
}

export function getAssessment(db: Database, id: number): AssessmentRow | undefined {
  const r = db.prepare(`${ASSESS} WHERE id = ?`).safeIntegers(true).get(id) as AssessmentDbRow | undefined;
  return r ? toAssessment(r) : undefined;
}

export function listAssessments(db: Database, f: { case?: number; member?: string; status?: AssessmentStatus }): AssessmentRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.case !== undefined) {
    where.push('case_id = ?');
    params.push(f.case);
  }
  if (f.member !== undefined) {
    where.push('member_id = ?');
    params.push(f.member);
  }
  if (f.status !== undefined) {
    where.push('status = ?');
    params.push(f.status);
  }
  return (db.prepare(`${ASSESS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`).safeIntegers(true).all(...params) as AssessmentDbRow[]).map(toAssessment);
}

/** Unpaid assessments whose due time is at or before `now` and that are not yet marked overdue. */
export function pastDueAssessments(db: Database, now: string): AssessmentRow[] {
  return (db.prepare(`${ASSESS} WHERE status = 'open' AND due <= ? ORDER BY id`).safeIntegers(true).all(now) as AssessmentDbRow[]).map(toAssessment);
}

export function setAssessment(db: Database, id: number, paid: bigint, status: AssessmentStatus, at: string): void {
  db.prepare('UPDATE assessments SET paid = ?, status = ?, updated_at = ? WHERE id = ?').run(paid, status, at, id);
}

export function insertPayment(db: Database, p: { assessment: number; at: string; actor: string; amount: bigint; note: string }): void {
  db.prepare('INSERT INTO assessment_payments(assessment_id, at, actor, amount, note) VALUES (?, ?, ?, ?, ?)').run(p.assessment, p.at, p.actor, p.amount, p.note);
}

export function assessmentPayments(db: Database, id: number): { at: string; actor: string; amount: bigint; note: string }[] {
  return (
    db.prepare('SELECT at, actor, amount, note FROM assessment_payments WHERE assessment_id = ? ORDER BY id').safeIntegers(true).all(id) as {
      at: string;
      actor: string;
      amount: bigint;
      note: string;
    }[]
  ).map((r) => ({ at: r.at, actor: r.actor, amount: r.amount, note: r.note }));
}

/**
 * Assessments levied on each member since `since` (the capped period): a member's cap covers every default in the
 * period, so what earlier cases demanded is taken off what a new one may demand.
 */
export function assessedSince(db: Database, since: string): Map<string, bigint> {
  const rows = db.prepare('SELECT member_id, sum(amount) AS amount FROM assessments WHERE created_at >= ? GROUP BY member_id').safeIntegers(true).all(since) as { member_id: string; amount: bigint }[];
  return new Map(rows.map((r) => [r.member_id, r.amount]));
}
