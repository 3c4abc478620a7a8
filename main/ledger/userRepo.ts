import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';

export interface UserRow {
  name: string;
  role: Role;
  passwordHash: string;
}

export function findUser(db: Database, name: string): UserRow | undefined {
  const r = db.prepare('SELECT name, role, password_hash FROM users WHERE name = ?').get(name) as
    | { name: string; role: Role; password_hash: string }
    | undefined;
  return r ? { name: r.name, role: r.role, passwordHash: r.password_hash } : undefined;
}

export function insertUser(db: Database, u: UserRow & { createdAt: string }): void {
  db.prepare('INSERT INTO users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)').run(u.name, u.role, u.passwordHash, u.createdAt);
}
