// The thread a console's stress run goes on (stressThread.ts starts it): its own read-only connection to the ledger
// file, the run in one read transaction (one snapshot of the book, whatever commits meanwhile), each step reported
// as it ends, then the report or the refusal. The console's thread stays free to serve the desk and to take a
// cancel, which ends this thread wherever it is: reading the book or revaluing it (a run changes nothing).
import { parentPort, workerData } from 'node:worker_threads';
import { openLedger } from '../../ledger/db.ts';
import { runLedgerStress } from './stress.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import type { StressJobInput, StressThreadMessage } from './stressThread.ts';

const job = workerData as StressJobInput;
const post = (m: StressThreadMessage): void => parentPort!.postMessage(m);

try {
  const db = openLedger(job.file, { readonly: true });
  try {
    const report = db.transaction(() =>
      runLedgerStress(db, job.asOf, job.scenarios, (done, total, label) => post({ type: 'progress', done, total, label })),
    )();
    post({ type: 'report', report });
  } finally {
    db.close();
  }
} catch (e) {
  if (e instanceof InputError) post({ type: 'refused', kind: 'input', code: e.code, message: e.message, where: e.where });
  else if (e instanceof RuleError) post({ type: 'refused', kind: 'rule', code: e.code, message: e.message });
  else post({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
