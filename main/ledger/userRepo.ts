// Users, their role grants and their password hashes. Sessions and sign-in attempts are in sessionRepo.ts.
import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';
import type { GrantView } from '../../shared/contractAdmin.ts';

export interface UserRow {
  name: string;
  role: Role;
  passwordHash: string;
}

export interface UserState extends UserRow {
  disabledAt: string | null;
  mustChangePassword: boolean;
  createdAt: string;
  createdBy: string | null;
}

interface Raw {
  name: string;
  role: Role;
  password_hash: string;
  disabled_at: string | null;
  must_change_password: number;
  created_at: string;
  created_by: string | null;
}

const COLUMNS = 'name, role, password_hash, disabled_at, must_change_password, created_at, created_by';

const fromRaw = (r: Raw): UserState => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  disabledAt: r.disabled_at,
  mustChangePassword: Number(r.must_change_password) === 1,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export function findUser(db: Database, name: string): UserState | undefined {
  const r = db.prepare(`SELECT ${COLUMNS} FROM users WHERE name = ?`).get(name) as Raw | undefined;
  return r ? fromRaw(r) : undefined;
}

export function listUsers(db: Database): UserState[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY name`).all() as Raw[]).map(fromRaw);
}

export function insertUser(db: Database, u: UserRow & { createdAt: string; createdBy?: string; mustChangePassword?: boolean }): void {
  db.prepare('INSERT INTO users(name, role, password_hash, created_at, created_by, must_change_password) VALUES (?, ?, ?, ?, ?, ?)').run(
    u.name,
    u.role,
    u.passwordHash,
    u.createdAt,
    u.createdBy ?? null,
    u.mustChangePassword ? 1 : 0,
  );
}

export function setPasswordHash(db: Database, name: string, hash: string, mustChange: boolean): void {
  db.prepare('UPDATE users SET password_hash = ?, must_change_password = ? WHERE name = ?').run(hash, mustChange ? 1 : 0, name);
}

/** Re-hashed at higher cost at sign-in: only when the stored hash is still the one that was checked. */
export function replacePasswordHash(db: Database, name: string, from: string, to: string): boolean {
  return db.prepare('UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?').run(to, name, from).changes === 1;
}

export function setRole(db: Database, name: string, role: Role): void {
  db.prepare('UPDATE users SET role = ? WHERE name = ?').run(role, name);
}

export function setDisabled(db: Database, name: string, at: string | null): void {
  db.prepare('UPDATE users SET disabled_at = ? WHERE name = ?').run(at, name);
}

/** Admins who can sign in: the last of them may not be disabled or demoted. */
export function activeAdmins(db: Database): string[] {
  return (db.prepare("SELECT name FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

// ---- role grants (supervisor and admin take a second admin) ----

/** A grant as the contract shows it, with the note its decider left. */
export interface GrantRow extends GrantView {
  note: string;
}

const GRANT_COLUMNS =
  'id, user_name AS user, role, reason, requested_by AS requestedBy, requested_at AS requestedAt, status, decided_by AS decidedBy, decided_at AS decidedAt, note';

export function insertGrant(db: Database, g: { user: string; role: 'supervisor' | 'admin'; reason: string; by: string; at: string }): number {
  return Number(
    db
      .prepare("INSERT INTO role_grants(user_name, role, reason, requested_by, requested_at, status) VALUES (?, ?, ?, ?, ?, 'pending')")
      .run(g.user, g.role, g.reason, g.by, g.at).lastInsertRowid,
  );
}

// The ledger reads integers as BigInt (db.ts): a grant's id leaves here as a number.
const grantOf = (r: unknown): GrantRow | undefined => (r ? { ...(r as GrantRow), id: Number((r as GrantRow).id) } : undefined);

export function findGrant(db: Database, id: number): GrantRow | undefined {
  return grantOf(db.prepare(`SELECT ${GRANT_COLUMNS} FROM role_grants WHERE id = ?`).get(id));
}

export function pendingGrantOf(db: Database, user: string): GrantRow | undefined {
  return grantOf(db.prepare(`SELECT ${GRANT_COLUMNS} FROM role_grants WHERE user_name = ? AND status = 'pending'`).get(user));
}

export function listGrants(db: Database, pendingOnly: boolean): GrantRow[] {
  const where = pendingOnly ? "WHERE status = 'pending'" : '';
  return db.prepare(`SELECT ${GRANT_COLUMNS} FROM role_grants ${where} ORDER BY id DESC LIMIT 200`).all().map((r) => grantOf(r)!);
}

export function decideGrant(db: Database, id: number, status: 'confirmed' | 'declined', by: string, at: string, note: string): void {
  db.prepare("UPDATE role_grants SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'pending'").run(status, by, at, note, id);
}
