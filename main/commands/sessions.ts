// A console door's session in the ledger: who it is now (re-read at every call) and its end (sign-out, idle, window
// closed), each end one transaction with its journal entry.
import type { Database } from 'better-sqlite3';
import type { Actor } from './context.ts';
import { liveSession, endSessionById, findOpenSession, sessionEnd } from '../ledger/sessionRepo.ts';
import { appendJournal, assertClockForward } from '../ledger/journal.ts';

export function sessionActor(db: Database, session: number): Actor | null {
  const s = liveSession(db, session);
  return s ? { name: s.user, role: s.role, ...(s.mustChangePassword ? { mustChangePassword: true as const } : {}) } : null;
}

export function endSession(db: Database, session: number, reason: string, at: string): void {
  db.transaction(() => {
    const s = findOpenSession(db, session);
    if (!s) return;
    assertClockForward(db, at);
    endSessionById(db, s.id, s.user, reason, at);
    appendJournal(db, { at, actor: s.user, command: 'session.logout', payload: { session: s.id }, result: { reason } });
  }).immediate();
}

/** Why a door's session ended, in words for the one whose call was refused. */
export function whyEnded(db: Database, session: number): string | null {
  const e = sessionEnd(db, session);
  return e ? `your session was ended by ${e.by} (${e.reason}): sign in again` : null;
}
