// Commands held for a second supervisor (commands/approvals.ts): the checked payload, who asked, and what became of it.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export type ApprovalStatus = 'pending' | 'confirmed' | 'declined';

export interface ApprovalRow {
  id: number;
  channel: string;
  payload: string;
  subject: string;
  summary: string;
  requestedBy: string;
  requestedAt: string;
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string;
}

const COLUMNS = 'id, channel, payload, subject, summary, requested_by, requested_at, status, decided_by, decided_at, note';

function rowOf(r: Record<string, unknown>): ApprovalRow {
  return {
    id: Number(r.id),
    channel: r.channel as string,
    payload: r.payload as string,
    subject: r.subject as string,
    summary: r.summary as string,
    requestedBy: r.requested_by as string,
    requestedAt: r.requested_at as string,
    status: r.status as ApprovalStatus,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
    note: r.note as string,
  };
}

export function insertApproval(db: Database, a: Pick<ApprovalRow, 'channel' | 'payload' | 'subject' | 'summary' | 'requestedBy' | 'requestedAt'>): number {
  const r = prepared(
    db,
    `INSERT INTO approvals(channel, payload, subject, summary, requested_by, requested_at, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
  ).run(a.channel, a.payload, a.subject, a.summary, a.requestedBy, a.requestedAt);
  return Number(r.lastInsertRowid);
}

export function getApproval(db: Database, id: number): ApprovalRow | null {
  const r = prepared(db, `SELECT ${COLUMNS} FROM approvals WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? rowOf(r) : null;
}

export function pendingApproval(db: Database, subject: string, channel: string): ApprovalRow | null {
  const r = prepared(db, `SELECT ${COLUMNS} FROM approvals WHERE subject = ? AND channel = ? AND status = 'pending'`).get(subject, channel) as
    | Record<string, unknown>
    | undefined;
  return r ? rowOf(r) : null;
}

export function listApprovals(db: Database, f: { status?: ApprovalStatus; subject?: string; limit: number }): ApprovalRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status) {
    where.push('status = ?');
    params.push(f.status);
  }
  if (f.subject) {
    where.push('subject = ?');
    params.push(f.subject);
  }
  const sql = `SELECT ${COLUMNS} FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  return (db.prepare(sql).all(...params, f.limit) as Record<string, unknown>[]).map(rowOf);
}

export function decideApproval(db: Database, id: number, status: 'confirmed' | 'declined', by: string, at: string, note: string): void {
  prepared(db, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'pending'`).run(status, by, at, note, id);
}
