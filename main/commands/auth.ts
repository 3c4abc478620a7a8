// Desk users: scrypt password hashes, and the sign-in that turns a name and password into the actor of commands.
import { scryptSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Actor } from './context.ts';
import { isRole, type Role } from '../../shared/roles.ts';
import { RuleError, InputError } from '../../shared/errors.ts';
import { findUser, insertUser } from '../ledger/userRepo.ts';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function checkPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const want = Buffer.from(key, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), want.length, { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The same refusal for an unknown user and a wrong password, so a caller cannot probe for names. */
/** Checked for an unknown name, so that a refusal takes as long whether or not the user exists. */
const DUMMY_HASH = hashPassword('not a password', Buffer.alloc(16));

export function signIn(db: Database, name: string, password: string): Actor {
  const u = findUser(db, name);
  const ok = checkPassword(password, u ? u.passwordHash : DUMMY_HASH);
  if (!u || !ok) throw new RuleError('bad_credentials', 'unknown user or wrong password');
  return { name: u.name, role: u.role };
}

export function createUser(db: Database, name: string, role: string, password: string, at: string): void {
  if (!isRole(role)) throw new InputError(`unknown role "${role}"`, { field: 'role' });
  if (password.length < 8) throw new InputError('a password needs at least 8 characters', { field: 'password' });
  insertUser(db, { name, role: role as Role, passwordHash: hashPassword(password), createdAt: at });
}
