// A command's effect worked out and undone: what a held command would do, shown to its requester (approvals.ts), and
// the engine's automatic alternative to a recovery decision, computed at the decision (recovery/automatic.ts).
import type { Database } from 'better-sqlite3';

/** Thrown to end the savepoint: an Error, so that nothing that catches it mistakes it for a value. */
class Rollback extends Error {}
const ROLLBACK = new Rollback('rolled back on purpose');

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
