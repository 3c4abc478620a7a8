// Who is signed in at each door: the Electron window (keyed by its webContents id) or the browser session (keyed by a
// random session id handed out at sign-in). Shared by both doors; it holds nothing but the actor and when the session
// was last used. A session left idle for longer than `idleMs` (12 hours by default) is gone.
//
// A door's session also names its ledger row (main/ledger/sessionRepo.ts). The door sets `check`, which reads that row
// and its user at every use: the user's role as it is now, or nothing when the session was ended (revoked, role
// changed, user disabled) by any process, and then the entry is gone here too.
import { randomBytes } from 'node:crypto';
import type { Actor } from '../commands/context.ts';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;

/** A session id as the browser door hands it out: 32 random bytes, base64url (43 characters). */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionId(s: unknown): s is string {
  return typeof s === 'string' && SESSION_ID.test(s);
}

interface Entry {
  actor: Actor;
  /** The ledger's session row, when the door keeps one. */
  session?: number;
  lastUsed: number;
}

/** The user of a ledger session as the ledger has them now, or null when the session has ended. */
export type SessionCheck = (session: number) => Actor | null;

export interface SessionStoreOptions {
  idleMs?: number;
  /** The clock, in milliseconds (tests inject one). */
  now?: () => number;
}

export class SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #idleMs: number;
  readonly #now: () => number;
  #check: SessionCheck | null = null;
  #onExpire: ((session: number) => void) | null = null;

  constructor(opts: SessionStoreOptions = {}) {
    this.#idleMs = opts.idleMs ?? SESSION_IDLE_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** How the door re-reads a ledger session at each use, and ends the ledger row of one that went idle. */
  attach(check: SessionCheck, onExpire: (session: number) => void): void {
    this.#check = check;
    this.#onExpire = onExpire;
  }

  /** Binds `actor` (and their ledger session) to `key`, replacing whoever was bound to it. */
  bind(key: string, actor: Actor, session?: number): void {
    this.#sessions.set(key, { actor: { ...actor }, ...(session !== undefined ? { session } : {}), lastUsed: this.#now() });
  }

  /** Binds `actor` to a new random session id and returns it. */
  create(actor: Actor, session?: number): string {
    const sid = newSessionId();
    this.bind(sid, actor, session);
    return sid;
  }

  /** The ledger session bound to `key`, if any (without checking it). */
  sessionOf(key: string | null | undefined): number | undefined {
    return key == null ? undefined : this.#sessions.get(key)?.session;
  }

  /** The actor bound to `key`, marking the session used; null when there is none or it has expired. */
  use(key: string | null | undefined): Actor | null {
    const e = this.#live(key);
    if (!e) return null;
    e.lastUsed = this.#now();
    return { ...e.actor };
  }

  /** The actor bound to `key` without counting as use (an open event stream does not keep a session alive). */
  peek(key: string | null | undefined): Actor | null {
    const e = this.#live(key);
    return e ? { ...e.actor } : null;
  }

  drop(key: string | null | undefined): boolean {
    return key != null && this.#sessions.delete(key);
  }

  /** Forgets every expired session; returns how many. */
  sweep(): number {
    let n = 0;
    for (const key of [...this.#sessions.keys()]) if (!this.#live(key)) n++;
    return n;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #live(key: string | null | undefined): Entry | null {
    if (key == null) return null;
    const e = this.#sessions.get(key);
    if (!e) return null;
    if (this.#now() - e.lastUsed > this.#idleMs) {
      this.#sessions.delete(key);
      if (e.session !== undefined) this.#onExpire?.(e.session);
      return null;
    }
    if (e.session !== undefined && this.#check) {
      const actor = this.#check(e.session);
      if (!actor) {
        this.#sessions.delete(key);
        return null;
      }
      e.actor = actor;
    }
    return e;
  }
}
