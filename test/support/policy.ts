// A policy value set the way a desk sets it: one supervisor asks (policies.change), a second confirms
// (approvals.confirm). For tests that need a policy other than the default: the change is journalled, versioned
// and replayed by verify --deep like any other.
import type { Ledger } from '../../main/ledger/db.ts';
import type { Runner } from './actors.ts';
import { supervisor, supervisor2 } from './actors.ts';
import type { PolicyEntryView } from '../../shared/contractPolicy.ts';
import type { ApprovalView } from '../../shared/contractRecovery.ts';

/** Sets `key` to `value` through four eyes (demo supervisors), returning the approval that carried it. */
export function setPolicy(run: Runner['run'], db: Ledger, key: string, value: string, reason = 'test set-up'): ApprovalView {
  const asked = run<PolicyEntryView>(db, supervisor, 'policies.change', { key, value, reason });
  return run<ApprovalView>(db, supervisor2, 'approvals.confirm', { id: asked.pending!.approval });
}
