// The second supervisor's step on a held command (approvals.ts) and on the other decisions that wait for one: the
// rules the commands enforce and the inbox's verdicts.
import { contract, type Channel } from '../../../shared/contract.ts';
import type { ApprovalRow } from '../../ledger/approvalRepo.ts';
import type { Actor } from '../context.ts';
import { first, no, ok, roleRule, type Rule } from './verdict.ts';

/** A held command is confirmed by someone other than its requester, whose role may run the held channel. */
export function confirmHeldRule(a: Pick<ApprovalRow, 'requestedBy' | 'summary' | 'channel'>, actor: Actor): Rule {
  return first(
    () => (a.requestedBy === actor.name ? no('four_eyes', `you (${actor.name}) asked to ${a.summary}: a second, different supervisor must confirm it`) : ok()),
    () => roleRule(actor, contract[a.channel as Channel].role, `Confirming ${a.channel}`),
  );
}
