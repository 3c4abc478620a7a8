// Sign-in: a name and password become the actor of commands, after the back-off and lockout the policy sets. Each
// failed attempt is a row and a journal entry, counted per user (since their last success or an admin's reset) and
// per source (whoever it named), across every process that opens the ledger.
import type { Database } from 'better-sqlite3';
import type { Actor } from './context.ts';
import { RuleError } from '../../shared/errors.ts';
import { findUser, replacePasswordHash } from '../ledger/userRepo.ts';
import { insertSession, recordAttempt, userFailures, sourceFailures } from '../ledger/sessionRepo.ts';
import { policyValue } from '../ledger/policyRepo.ts';
import { appendJournal, assertClockForward } from '../ledger/journal.ts';
import { hashPassword, verifyPassword, needsRehash } from './passwords.ts';

/** The sign-in limits, each a policy row (Settings) with this default. */
export const SIGN_IN_POLICY = {
  /** Consecutive failures for one user that lock it for signInLockMinutes (or until an admin resets the password). */
  signInLockAfter: 5,
  /** Failures from one source, whatever names they tried, that lock the source for signInLockMinutes. */
  signInSourceLockAfter: 20,
  signInLockMinutes: 15,
  /** Consecutive failures for one user before each further attempt waits (a typo or two costs nothing). */
  signInBackoffAfter: 3,
  /** The wait after signInBackoffAfter failures, doubled at each further one (0: no back-off, only the lock). */
  signInBackoffSeconds: 2,
} as const;
export type SignInPolicy = { -readonly [K in keyof typeof SIGN_IN_POLICY]: number };

export function readSignInPolicy(db: Database): SignInPolicy {
  const p: SignInPolicy = { ...SIGN_IN_POLICY };
  for (const k of Object.keys(p) as (keyof SignInPolicy)[]) {
    const v = policyValue(db, k);
    if (v !== undefined && /^\d+$/.test(v)) p[k] = Number(v);
  }
  return p;
}

/** Checked for an unknown name, so that a refusal takes as long whether or not the user exists. */
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$Fw6fJrkSg0ufjfVYQ6rEhZu4tRbV5aPUCQiYaY+TQEQ=';

export interface SignInRequest {
  name: string;
  password: string;
  /** Where the attempt comes from: `cli:<os user>`, `browser:<address>`, `window`. */
  source: string;
  /** A console door opens a session (a ledger row the door checks at each call); the CLI signs in per command. */
  door?: 'browser' | 'window';
}

export interface SignedIn {
  actor: Actor;
  /** The ledger session, for a console door. */
  session: number | null;
}

const plus = (iso: string, seconds: number) => new Date(new Date(iso).getTime() + seconds * 1000);

/** Refuses an attempt while its user or source is backing off or locked, without checking the password. */
function throttle(db: Database, name: string, source: string, p: SignInPolicy, at: Date): number {
  const since = new Date(at.getTime() - p.signInLockMinutes * 60_000).toISOString();
  const src = sourceFailures(db, source, since);
  if (src.count >= p.signInSourceLockAfter && src.last) {
    throw new RuleError('locked', `sign-in from ${source} is locked after ${src.count} failed attempts: try again after ${plus(src.last, p.signInLockMinutes * 60).toISOString()}`);
  }
  const user = userFailures(db, name, since);
  if (user.count >= p.signInLockAfter && user.last) {
    throw new RuleError(
      'locked',
      `sign-in for ${name} is locked after ${user.count} failed attempts: try again after ${plus(user.last, p.signInLockMinutes * 60).toISOString()}, or ask an admin to reset the password`,
    );
  }
  if (user.count >= Math.max(1, p.signInBackoffAfter) && user.last && p.signInBackoffSeconds > 0) {
    const wait = Math.min(p.signInBackoffSeconds * 2 ** (user.count - Math.max(1, p.signInBackoffAfter)), p.signInLockMinutes * 60);
    const next = plus(user.last, wait);
    if (at < next) throw new RuleError('throttled', `sign-in for ${name} is paused after ${user.count} failed attempts: try again after ${next.toISOString()}`);
  }
  return user.count;
}

function journal(db: Database, at: string, actor: string, payload: unknown, result: unknown): void {
  assertClockForward(db, at);
  appendJournal(db, { at, actor, command: 'session.login', payload, result });
}

export async function signIn(db: Database, req: SignInRequest, now: () => Date): Promise<SignedIn> {
  const p = readSignInPolicy(db);
  const failuresBefore = throttle(db, req.name, req.source, p, now());
  const u = findUser(db, req.name);
  const ok = await verifyPassword(req.password, u ? u.passwordHash : DUMMY_HASH);
  const refused = !u || !ok ? 'unknown user or wrong password' : u.disabledAt ? `${u.name} is disabled: ask an admin` : null;
  if (refused || !u) {
    const at = now().toISOString();
    db.transaction(() => {
      recordAttempt(db, { at, user: req.name, source: req.source, outcome: 'failed' });
      // Nobody is known to have acted: the entry names the attempt, not a user.
      journal(db, at, 'anonymous', { name: req.name, source: req.source }, { ok: false, failures: failuresBefore + 1 });
    }).immediate();
    throw new RuleError(u?.disabledAt && ok ? 'disabled' : 'bad_credentials', refused ?? 'unknown user or wrong password');
  }
  const rehash = needsRehash(u.passwordHash) ? await hashPassword(req.password) : null;
  const actor: Actor = { name: u.name, role: u.role, ...(u.mustChangePassword ? { mustChangePassword: true as const } : {}) };
  // A CLI sign-in writes only when it has something to record: a failure count to reset or a stronger hash.
  if (!req.door && !rehash && failuresBefore === 0) return { actor, session: null };
  const at = now().toISOString();
  return db.transaction((): SignedIn => {
    const rehashed = rehash !== null && replacePasswordHash(db, u.name, u.passwordHash, rehash);
    recordAttempt(db, { at, user: u.name, source: req.source, outcome: 'ok' });
    const session = req.door ? insertSession(db, { user: u.name, door: req.door, source: req.source, at }) : null;
    // A stronger hash is state: the entry carries it (never the password) so that a replay writes it again.
    journal(db, at, u.name, { name: u.name, source: req.source, door: req.door ?? 'cli', ...(rehashed ? { rehash } : {}) }, { ok: true, session, rehashed });
    return { actor, session };
  }).immediate();
}

/**
 * A person's session on a drill's sandbox, opened by the console door they are signed in at (playbooks.drill and
 * playbooks.enter): they proved who they are to the ledger this sandbox was copied from, so no password is asked
 * again. They are who the copy says they are (its role; refused when it has them disabled or not at all). Journalled
 * as the sign-in it stands for, with the console's session as its source, so verify --deep replays it as one.
 */
export function vouchedSignIn(db: Database, req: { name: string; door: 'browser' | 'window'; source: string }, now: () => Date): SignedIn {
  const u = findUser(db, req.name);
  if (!u) throw new RuleError('bad_credentials', `${req.name} is not a user of this drill's sandbox`);
  if (u.disabledAt) throw new RuleError('disabled', `${u.name} is disabled in this drill's sandbox`);
  if (u.mustChangePassword) throw new RuleError('password_change_required', `${u.name} must change their password first, at the live console`);
  const at = now().toISOString();
  return db.transaction((): SignedIn => {
    recordAttempt(db, { at, user: u.name, source: req.source, outcome: 'ok' });
    const session = insertSession(db, { user: u.name, door: req.door, source: req.source, at });
    journal(db, at, u.name, { name: u.name, source: req.source, door: req.door }, { ok: true, session, rehashed: false });
    return { actor: { name: u.name, role: u.role }, session };
  }).immediate();
}
