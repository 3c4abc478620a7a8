// What may be done to a member's standing and to a default case, and by whom: the rules members.ts and the case
// commands enforce, and the verdicts the member's and the case's views carry.
import type { CaseRow, MemberRow } from '../../ledger/defaultRepo.ts';
import type { CaseActions, MemberActions } from '../../../shared/contractAllowed.ts';
import type { DefaultCaseStatus } from '../../../shared/contractRecovery.ts';
import type { Actor } from '../context.ts';
import { judge, no, ok, type Rule } from './verdict.ts';

const words = (s: string): string => s.replace('_', ' ');

/** A case command acts on a case in one of `allowed` statuses. */
export function caseStateRule(c: Pick<CaseRow, 'id' | 'status'>, allowed: readonly DefaultCaseStatus[], doing: string): Rule {
  if (allowed.includes(c.status)) return ok();
  return no('case_state', `default case ${c.id} is ${words(c.status)}: cannot ${doing} (needs ${allowed.map(words).join(' or ')})`);
}

/** Four eyes on a declaration: the supervisor who declared it does not confirm it. */
export function confirmDeclarationRule(c: Pick<CaseRow, 'id' | 'status' | 'declaredBy'>, actor: Pick<Actor, 'name'>): Rule {
  const state = caseStateRule(c, ['pending_second'], 'confirm the declaration');
  if (!state.ok) return state;
  if (c.declaredBy === actor.name) return no('four_eyes', `you (${actor.name}) declared default case ${c.id}: a second, different supervisor must confirm it`);
  return ok();
}

export const withdrawDeclarationRule = (c: Pick<CaseRow, 'id' | 'status'>): Rule => caseStateRule(c, ['pending_second'], 'withdraw the declaration');

/** A member is declared in default once: not when it is in default, nor while it has a live case. */
export function declareRule(m: Pick<MemberRow, 'id' | 'status'>, live: Pick<CaseRow, 'id' | 'status'> | undefined): Rule {
  if (m.status === 'defaulted') return no('member_defaulted', `member ${m.id} is in default already`);
  if (live) return no('case_exists', `member ${m.id} already has default case ${live.id} (${words(live.status)}): open it to confirm or withdraw`);
  return ok();
}

export function suspendRule(m: Pick<MemberRow, 'id' | 'status'>): Rule {
  if (m.status === 'defaulted') return no('member_defaulted', `member ${m.id} is in default: its case governs it, not a suspension`);
  if (m.status === 'suspended') return no('member_suspended', `member ${m.id} is suspended already`);
  return ok();
}

export function reinstateRule(m: Pick<MemberRow, 'id' | 'status'>): Rule {
  if (m.status === 'defaulted') return no('member_defaulted', `member ${m.id} is in default: a defaulted member is not reinstated`);
  if (m.status === 'active') return no('member_active', `member ${m.id} is active already`);
  return ok();
}

/** A replenishment needs something owed (micro-USD). */
export function replenishRule(m: Pick<MemberRow, 'id'>, owed: bigint): Rule {
  return owed > 0n ? ok() : no('nothing_due', `member ${m.id} owes no default-fund replenishment`);
}

export function caseActions(actor: Actor, c: CaseRow): CaseActions {
  const pending = c.status === 'pending_second';
  return {
    confirm: judge(actor, 'default.confirm', pending, () => confirmDeclarationRule(c, actor)),
    withdraw: judge(actor, 'default.withdraw', pending, () => withdrawDeclarationRule(c)),
  };
}

/** Suspend is offered to a member that is not suspended, reinstate to one that is. */
export function memberActions(actor: Actor, m: MemberRow, live: CaseRow | undefined, owed: bigint): MemberActions {
  return {
    declare: judge(actor, 'default.declare', true, () => declareRule(m, live)),
    suspend: judge(actor, 'members.suspend', m.status !== 'suspended', () => suspendRule(m)),
    reinstate: judge(actor, 'members.reinstate', m.status === 'suspended', () => reinstateRule(m)),
    replenish: judge(actor, 'default.replenish', true, () => replenishRule(m, owed)),
  };
}

