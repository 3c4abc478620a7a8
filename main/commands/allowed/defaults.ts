// What may be done to a member's standing and to a default case, and by whom: the rules members.ts and the case
// commands enforce, and the verdicts the member's and the case's views carry.
import type { Database } from 'better-sqlite3';
import { caseLayers, type CaseRow } from '../../ledger/defaultRepo.ts';
import { type MemberRow } from '../../ledger/memberRepo.ts';
import type { CaseActions, MemberActions } from '../../../shared/contractAllowed.ts';
import type { DefaultCaseStatus } from '../../../shared/contractRecovery.ts';
import type { Actor } from '../context.ts';
import { first, judge, no, ok, type Rule } from './verdict.ts';
import type { Channel } from '../../../shared/contract.ts';

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

/** The steps of a case after its confirmation, the statuses each acts on, and what it does in words. */
export const CASE_STEPS = {
  port: { channel: 'default.port', from: ['open'], doing: 'port accounts' },
  closeOut: { channel: 'default.closeOut', from: ['open'], doing: 'close out' },
  bid: { channel: 'default.bid', from: ['open'], doing: 'take bids' },
  award: { channel: 'default.award', from: ['open'], doing: 'award the auction' },
  waterfall: { channel: 'default.waterfall', from: ['closed_out'], doing: 'run the waterfall' },
  assess: { channel: 'default.assess', from: ['allocated', 'recovered'], doing: 'trigger assessments' },
  allocate: { channel: 'default.allocate', from: ['allocated'], doing: 'apply recovery tools' },
} as const satisfies Record<string, { channel: Channel; from: readonly DefaultCaseStatus[]; doing: string }>;
export type CaseStep = keyof typeof CASE_STEPS;

export const caseStepRule = (c: Pick<CaseRow, 'id' | 'status'>, step: CaseStep): Rule => caseStateRule(c, CASE_STEPS[step].from, CASE_STEPS[step].doing);

/** Assessments once, and only where the waterfall reached their layer (`used`: what it took from it, micro-USD). */
export function assessRule(c: Pick<CaseRow, 'id' | 'status'>, used: bigint, assessed: boolean): Rule {
  return first(
    () => caseStepRule(c, 'assess'),
    () => (used > 0n ? ok() : no('no_assessment', `default case ${c.id}'s waterfall did not reach the assessments layer`)),
    () => (assessed ? no('assessed', `default case ${c.id}'s assessments were triggered already`) : ok()),
  );
}

/** An auction is awarded to bids: none open, nothing to award (which bids win is the award's to work out). */
export function awardRule(c: Pick<CaseRow, 'id' | 'status'>, openBids: number): Rule {
  return first(
    () => caseStepRule(c, 'award'),
    () => (openBids > 0 ? ok() : no('no_bids', `default case ${c.id} has no open bid yet: there is nothing to award`)),
  );
}

/** Recovery tools only on what the waterfall left. */
export function allocateRule(c: Pick<CaseRow, 'id' | 'status' | 'residual'>): Rule {
  return first(
    () => caseStepRule(c, 'allocate'),
    () => ((c.residual ?? 0n) === 0n ? no('no_residual', `default case ${c.id}'s waterfall covered the whole loss: no recovery tool is needed`) : ok()),
  );
}

/** What the waterfall took from the assessments layer of a case (0 before it ran, or when it stopped short). */
export function assessmentsUsed(db: Database, caseId: number): bigint {
  return caseLayers(db, caseId).find((l) => l.name === 'assessments')?.used ?? 0n;
}

/** What the case's view needs to judge its steps: the assessments layer's use and whether assessments exist. */
export interface CaseFacts {
  assessmentsUsed: bigint;
  assessed: boolean;
  openBids: number;
}

export function caseActions(actor: Actor, c: CaseRow, facts: CaseFacts): CaseActions {
  const pending = c.status === 'pending_second';
  const step = (k: Exclude<CaseStep, 'assess' | 'allocate' | 'award'>) =>
    judge(actor, CASE_STEPS[k].channel, (CASE_STEPS[k].from as readonly string[]).includes(c.status), () => caseStepRule(c, k));
  return {
    confirm: judge(actor, 'default.confirm', pending, () => confirmDeclarationRule(c, actor)),
    withdraw: judge(actor, 'default.withdraw', pending, () => withdrawDeclarationRule(c)),
    port: step('port'),
    closeOut: step('closeOut'),
    bid: step('bid'),
    award: judge(actor, 'default.award', caseStepRule(c, 'award').ok, () => awardRule(c, facts.openBids)),
    waterfall: step('waterfall'),
    assess: judge(actor, 'default.assess', caseStepRule(c, 'assess').ok, () => assessRule(c, facts.assessmentsUsed, facts.assessed)),
    allocate: judge(actor, 'default.allocate', caseStepRule(c, 'allocate').ok, () => allocateRule(c)),
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

