// Console sessions and sign-in attempts. A session lives in the ledger (not only in the door's memory) so that a
// role change, a disable or a revoke made from any process ends it, and the door refuses its very next call.
import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';
import { prepared } from './stmtCache.ts';

export interface SessionRow {
  id: number;
  user: string;
  door: 'browser' | 'window';
  source: string;
  createdAt: string;
}

/** What a door needs to know at each call: the session still open, and its user as the ledger has them now. */
export interface LiveSession {
  id: number;
  user: string;
  role: Role;
  mustChangePassword: boolean;
}

export function insertSession(db: Database, s: { user: string; door: 'browser' | 'window'; source: string; at: string }): number {
  return Number(db.prepare('INSERT INTO sessions(user_name, door, source, created_at) VALUES (?, ?, ?, ?)').run(s.user, s.door, s.source, s.at).lastInsertRowid);
}

export function liveSession(db: Database, id: number): LiveSession | undefined {
  const r = prepared(
    db,
      `SELECT s.id, u.name, u.role, u.must_change_password FROM sessions s JOIN users u ON u.name = s.user_name
        WHERE s.id = ? AND s.ended_at IS NULL AND u.disabled_at IS NULL`,
    )
    
    .get(id) as { id: number; name: string; role: Role; must_change_password: number } | undefined;
  return r ? { id: Number(r.id), user: r.name, role: r.role, mustChangePassword: Number(r.must_change_password) === 1 } : undefined;
}

export function openSessions(db: Database, user?: string): SessionRow[] {
  const sql = `SELECT id, user_name AS user, door, source, created_at AS createdAt FROM sessions WHERE ended_at IS NULL ${user ? 'AND user_name = ?' : ''} ORDER BY id`;
  return ((user ? db.prepare(sql).all(user) : db.prepare(sql).all()) as SessionRow[]).map((r) => ({ ...r, id: Number(r.id) }));
}

export function findOpenSession(db: Database, id: number): SessionRow | undefined {
  const r = db
    .prepare('SELECT id, user_name AS user, door, source, created_at AS createdAt FROM sessions WHERE id = ? AND ended_at IS NULL')
    .get(id) as SessionRow | undefined;
  return r ? { ...r, id: Number(r.id) } : undefined;
}

export function endSessionById(db: Database, id: number, by: string, reason: string, at: string): void {
  db.prepare('UPDATE sessions SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(at, by, reason, id);
}

/** Ends every open session of a user; returns their ids. */
export function endUserSessions(db: Database, user: string, by: string, reason: string, at: string, except?: number): number[] {
  const ids = openSessions(db, user)
    .map((s) => s.id)
    .filter((id) => id !== except);
  for (const id of ids) endSessionById(db, id, by, reason, at);
  return ids;
}

// ---- sign-in attempts ----

export function recordAttempt(db: Database, a: { at: string; user: string; source: string; outcome: 'ok' | 'failed' | 'cleared' }): void {
  db.prepare('INSERT INTO sign_in_attempts(at, user_name, source, outcome) VALUES (?, ?, ?, ?)').run(a.at, a.user, a.source, a.outcome);
}

/** The user's failures since their last success or admin reset, with the time of the latest. */
export function userFailures(db: Database, user: string, since: string): { count: number; last: string | null } {
  const r = db
    .prepare(
      `SELECT count(*) AS n, max(at) AS last FROM sign_in_attempts
        WHERE user_name = ? AND outcome = 'failed' AND at >= ?
          AND id > COALESCE((SELECT max(id) FROM sign_in_attempts WHERE user_name = ? AND outcome <> 'failed'), 0)`,
    )
    .get(user, since, user) as { n: number; last: string | null };
  return { count: Number(r.n), last: r.last };
}

/** Failures from one source since a time, whoever they named: a success does not reset them. */
export function sourceFailures(db: Database, source: string, since: string): { count: number; last: string | null } {
  const r = db
    .prepare("SELECT count(*) AS n, max(at) AS last FROM sign_in_attempts WHERE source = ? AND outcome = 'failed' AND at >= ?")
    .get(source, since) as { n: number; last: string | null };
  return { count: Number(r.n), last: r.last };
}

/** Why and by whom a session ended, or null while it is open. */
export function sessionEnd(db: Database, id: number): { by: string; reason: string } | null {
  const r = db.prepare('SELECT ended_by, end_reason FROM sessions WHERE id = ? AND ended_at IS NOT NULL').get(id) as
    | { ended_by: string; end_reason: string | null }
    | undefined;
  return r ? { by: r.ended_by, reason: r.end_reason ?? '' } : null;
}
