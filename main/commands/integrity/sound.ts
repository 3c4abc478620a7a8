// Before the journal is checked, the file itself: SQLite's integrity_check reads every page, so a damaged page is
// named by verify (exit 6, one line) instead of passing it and killing the next cycle with a stack trace.
import { integrityProblems, type Ledger } from '../../ledger/db.ts';
import { LedgerFailure, failureOf } from '../../ledger/failures.ts';

export function assertSound(db: Ledger): void {
  let problems: string[];
  try {
    problems = integrityProblems(db);
  } catch (e) {
    // A page so damaged that the check itself cannot read it.
    if (failureOf(e)?.kind !== 'ledger_damaged') throw e;
    throw new LedgerFailure('ledger_damaged', `${db.name} is damaged: PRAGMA integrity_check could not read it (${(e as Error).message}); restore it from a backup`, { cause: e });
  }
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new LedgerFailure('ledger_damaged', `${db.name} is damaged: PRAGMA integrity_check says "${problems[0]}"${more}; restore it from a backup`);
}
