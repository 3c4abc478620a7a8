// Password hashes: scrypt at OWASP's current recommendation (N=2^17, r=8, p=1: the Password Storage Cheat Sheet),
// stored as scrypt$N$r$p$salt$key so that a hash made at older parameters still verifies and is re-hashed at the
// next sign-in. Always the async scrypt, on libuv's pool: a second of CPU per guess must not stall the event loop of
// a console that serves other users, and at most two run at once (each needs 128 MiB).
import { scrypt, randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InputError } from '../../shared/errors.ts';

export const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEYLEN = 32;
/** 128 * N * r bytes for N=2^17, r=8, and room to spare (node refuses above 32 MiB by default). */
const MAXMEM = 256 * 1024 * 1024;
export const MIN_PASSWORD = 12;

function derive(password: string, salt: Buffer, keylen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, { ...o, maxmem: MAXMEM }, (e, key) => (e ? reject(e) : resolve(key))));
}

let running = 0;
const waiting: (() => void)[] = [];

/** At most two derivations at once in this process; the rest wait their turn. */
async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await limited(() => derive(password, salt, KEYLEN, SCRYPT));
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0)) return null;
  return { N, r, p, salt: Buffer.from(parts[4]!, 'base64'), key: Buffer.from(parts[5]!, 'base64') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const got = await limited(() => derive(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p }));
  return got.length === h.key.length && timingSafeEqual(got, h.key);
}

/** Made at lower parameters than today's: re-hash at the next successful sign-in. */
export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  return !h || h.N < SCRYPT.N || h.r < SCRYPT.r || h.p < SCRYPT.p;
}

/** A new password as the desk sets it: long enough, and not the user's name. */
export function checkNewPassword(password: string, user: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD) throw new InputError(`a password needs at least ${MIN_PASSWORD} characters`, { field });
  if (password.toLowerCase().includes(user.toLowerCase())) throw new InputError('a password may not contain the user name', { field });
}
