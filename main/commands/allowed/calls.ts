// What may be done to one margin call, and by whom: the rules the call commands enforce (callCommands.ts) and the
// verdicts the call's view carries.
import type { CallRow } from '../../ledger/callRepo.ts';
import type { CallActions } from '../../../shared/contractAllowed.ts';
import { formatAmount } from '../../../shared/units.ts';
import { formatMoney, formatUtc } from '../../../shared/format.ts';
import type { Actor } from '../context.ts';
import { first, judge, no, ok, type Rule } from './verdict.ts';

type Call = Pick<CallRow, 'id' | 'status' | 'deadline' | 'amount' | 'deposited' | 'waiverRequest'>;

const active = (c: Pick<CallRow, 'status'>): boolean => c.status === 'open' || c.status === 'overdue';

/** Deposits, extensions, waivers and escalations act on an open or overdue call only. */
export function callActiveRule(c: Pick<CallRow, 'id' | 'status'>, doing: string): Rule {
  return active(c) ? ok() : no('call_closed', `cannot ${doing} margin call ${c.id}: it is ${c.status}`);
}

/** Overdue as every view says it: recorded so by a cycle, or open past its deadline at `now` (the server's clock). */
export function isOverdue(c: Pick<CallRow, 'status' | 'deadline'>, now: string): boolean {
  return c.status === 'overdue' || (c.status === 'open' && c.deadline <= now);
}

/** Only an overdue call is escalated to liquidation. */
export function escalateRule(c: Pick<CallRow, 'id' | 'status' | 'deadline'>, now: string): Rule {
  return first(
    () => callActiveRule(c, 'escalate'),
    () => (isOverdue(c, now) ? ok() : no('not_overdue', `margin call ${c.id} is not overdue: its deadline is ${formatUtc(c.deadline)}`)),
  );
}

/**
 * A waiver above the four-eyes amount is a request by one supervisor and a confirmation by a second, different one;
 * the request is for the amount outstanding when it was made. Accepted with `holds` when this waiver would be the
 * request (it waits), plainly when it waives (under the amount, or confirming someone else's request).
 */
export function waiveRule(actor: Pick<Actor, 'name'>, c: Call, fourEyesWaiver: bigint): Rule {
  const closed = callActiveRule(c, 'waive');
  if (!closed.ok) return closed;
  const outstanding = c.amount - c.deposited;
  if (outstanding <= fourEyesWaiver) return ok();
  const req = c.waiverRequest;
  const money = (v: bigint) => formatMoney(formatAmount(v));
  const above = `${money(outstanding)} outstanding is above the four-eyes amount ${money(fourEyesWaiver)}`;
  if (!req || (req.by === actor.name && req.amount !== outstanding)) return ok(`${above}: a second, different supervisor must confirm the waiver`);
  if (req.by === actor.name) {
    return no('four_eyes', `you requested this waiver (call ${c.id}, ${money(req.amount)}): a second, different supervisor must confirm it`);
  }
  if (req.amount !== outstanding) {
    return no(
      'waiver_stale',
      `${req.by} asked to waive ${money(req.amount)} on call ${c.id}, but ${money(outstanding)} is outstanding now: ${req.by} must ask again`,
    );
  }
  return ok();
}

/** The call's actions for `actor` at `now`, as its view shows them. */
export function callActions(actor: Actor, c: Call, now: string, fourEyesWaiver: bigint): CallActions {
  const open = active(c);
  return {
    deposit: judge(actor, 'calls.deposit', open, () => callActiveRule(c, 'record a deposit on')),
    extend: judge(actor, 'calls.extend', open, () => callActiveRule(c, 'extend')),
    waive: judge(actor, 'calls.waive', open, () => waiveRule(actor, c, fourEyesWaiver)),
    escalate: judge(actor, 'calls.escalate', open, () => escalateRule(c, now)),
  };
}
