// A command's effect worked out and undone: what a held command would do, shown to its requester (approvals.ts), and
// the engine's automatic alternative to a recovery decision, computed at the decision (recovery/automatic.ts).
import type { Database } from 'better-sqlite3';

const ROLLBACK = Symbol('rollback');

/** Runs `f` in a savepoint that is always rolled back, returning what it returned (or throwing what it threw). */
export function dryRun<T>(db: Database, f: () => T): T {
  let out: T | undefined;
  try {
    db.transaction(() => {
      out = f();
      throw ROLLBACK;
    })();
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return out as T;
}
