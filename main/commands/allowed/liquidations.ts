// What may be done to one liquidation proposal, and by whom: the rules review.ts enforces (approve, the second
// approval, hold, release, reject, fill) and the verdicts the proposal's view carries.
import type { Database } from 'better-sqlite3';
import type { Policy } from '../../engine/model.ts';
import type { LiquidationRow, OrderRow } from '../../ledger/liquidationRepo.ts';
import type { LiquidationActions } from '../../../shared/contractAllowed.ts';
import type { LiquidationStatus } from '../../../shared/contract.ts';
import { approvalNeedsFourEyes, fillOverFourEyes } from '../liquidations/fourEyes.ts';
import type { OrderShare } from '../../ledger/fourEyesRepo.ts';
import type { Actor } from '../context.ts';
import { first, judge, no, ok, roleAllows, type Rule } from './verdict.ts';

const words = (s: string): string => s.replace('_', ' ');

/** The statuses each decision acts on. */
export const DECISION_FROM = {
  approve: ['proposed', 'held'],
  confirm: ['pending_second'],
  hold: ['proposed'],
  release: ['held'],
  reject: ['proposed', 'held', 'pending_second', 'approved'],
  fill: ['approved', 'executing'],
} as const satisfies Record<keyof LiquidationActions, readonly LiquidationStatus[]>;

const isIn = (l: Pick<LiquidationRow, 'status'>, from: readonly LiquidationStatus[]): boolean => from.includes(l.status);

/** A first approval (with or without edited quantities) acts on a proposed or held liquidation. */
export function approvableRule(l: Pick<LiquidationRow, 'id' | 'status'>): Rule {
  return isIn(l, DECISION_FROM.approve) ? ok() : no('not_approvable', `liquidation ${l.id} is ${words(l.status)}: it cannot be approved`);
}

/**
 * Four eyes on a first approval (fourEyes.ts: the proposal's notional, or what the approver moved alone on the account
 * over the window): an operator is refused; a supervisor's approval waits for a second, different supervisor.
 */
export function approveFourEyesRule(db: Database, policy: Policy, l: LiquidationRow, actor: Actor, now: Date): Rule {
  const why = approvalNeedsFourEyes(db, policy, l, actor.name, now);
  if (why === null) return ok();
  if (!roleAllows(actor.role, 'supervisor')) {
    return no('forbidden', `${why}: it needs a supervisor's approval (and a second supervisor's confirmation if it crosses the threshold for them too)`, 'supervisor');
  }
  return ok(why);
}

/** The second approval of a proposal waiting for one: a supervisor other than the first approver. */
export function confirmRule(l: Pick<LiquidationRow, 'id' | 'status' | 'approvedBy'>, actor: Actor): Rule {
  if (!isIn(l, DECISION_FROM.confirm)) return no('not_pending', `liquidation ${l.id} is ${words(l.status)}: it awaits no second approval`);
  if (!roleAllows(actor.role, 'supervisor')) return no('forbidden', `the second approval of liquidation ${l.id} needs a supervisor (you are signed in as ${actor.role})`, 'supervisor');
  if (l.approvedBy === actor.name) return no('four_eyes', `you (${actor.name}) approved liquidation ${l.id} already: a second, different supervisor must confirm it`);
  return ok();
}

export type Transition = 'reject' | 'hold' | 'release';
const DONE = { reject: 'rejected', hold: 'held', release: 'released' } as const;

/** Hold, release and reject by status; a proposal with fills is never rejected. */
export function transitionRule(l: Pick<LiquidationRow, 'id' | 'status'>, kind: Transition, hasFills: boolean): Rule {
  if (!isIn(l, DECISION_FROM[kind])) return no(`not_${DONE[kind]}`, `liquidation ${l.id} is ${words(l.status)}: it cannot be ${DONE[kind]}`);
  if (kind === 'reject' && hasFills) return no('not_rejected', `liquidation ${l.id} has fills already: it cannot be rejected`);
  return ok();
}

/** Fills go on an approved (or executing) liquidation only. */
export function fillableRule(l: Pick<LiquidationRow, 'id' | 'status'>): Rule {
  return isIn(l, DECISION_FROM.fill) ? ok() : no('not_approved', `liquidation ${l.id} is ${words(l.status)}: only an approved liquidation takes fills`);
}

/** Four eyes on a fill: what `by` moved alone on the account, with this fill, stays within the threshold. */
export function fillFourEyesRule(db: Database, policy: Policy, l: LiquidationRow, o: OrderShare, lots: bigint, by: string, now: Date): Rule {
  const why = fillOverFourEyes(db, policy, l, o, lots, by, now);
  return why === null ? ok() : no('four_eyes', why);
}

/**
 * The proposal's actions for `actor` at `now`, as its view shows them. The fill is judged for what is left of the
 * first order with lots left (the fill form's first quantity); a fill's price is judged when it is entered.
 */
export function liquidationActions(db: Database, policy: Policy, l: LiquidationRow, orders: readonly OrderRow[], actor: Actor, now: Date): LiquidationActions {
  const hasFills = orders.some((o) => o.filledLots > 0n);
  const open = orders.find((o) => o.lots > o.filledLots);
  const offered = (k: keyof LiquidationActions) => isIn(l, DECISION_FROM[k]);
  return {
    approve: judge(actor, 'liquidations.approve', offered('approve'), () =>
      first(
        () => approvableRule(l),
        () => approveFourEyesRule(db, policy, l, actor, now),
      ),
    ),
    confirm: judge(actor, 'liquidations.approve', offered('confirm'), () => confirmRule(l, actor)),
    hold: judge(actor, 'liquidations.hold', offered('hold'), () => transitionRule(l, 'hold', hasFills)),
    release: judge(actor, 'liquidations.release', offered('release'), () => transitionRule(l, 'release', hasFills)),
    reject: judge(actor, 'liquidations.reject', offered('reject'), () => transitionRule(l, 'reject', hasFills)),
    fill: judge(actor, 'liquidations.fill', offered('fill'), () =>
      first(
        () => fillableRule(l),
        () => (open ? fillFourEyesRule(db, policy, l, open, open.lots - open.filledLots, actor.name, now) : ok()),
      ),
    ),
  };
}
