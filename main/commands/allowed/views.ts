// The signed-in user's actions on the object a command answered with: added by the command layer after the command
// (outside its transaction, so the journal records the object, never one user's verdicts on it), for every door.
// One margin call, one liquidation proposal, one default case, or members: their views carry `actions`.
import type { Channel, LiquidationDetail, MarginCall } from '../../../shared/contract.ts';
import type { DefaultCaseDetail, MemberStanding } from '../../../shared/contractRecovery.ts';
import { getCall } from '../../ledger/callRepo.ts';
import { readPolicy } from '../../ledger/bookRepo.ts';
import { parseAmount } from '../../../shared/units.ts';
import { getLiquidation, readOrders } from '../../ledger/liquidationRepo.ts';
import { caseBids, getCase, liveCaseOf } from '../../ledger/defaultRepo.ts';
import { dueReplenishments } from '../../ledger/defaultFundRepo.ts';
import { listAssessments } from '../../ledger/assessmentRepo.ts';
import { readMember } from '../../ledger/memberRepo.ts';
import type { CommandContext } from '../context.ts';
import { callActions } from './calls.ts';
import { liquidationActions } from './liquidations.ts';
import { assessmentsUsed, caseActions, memberActions } from './defaults.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function callWithActions(ctx: CommandContext, v: MarginCall): MarginCall {
  const c = getCall(ctx.db, v.id);
  return c ? { ...v, actions: callActions(ctx.actor, c, ctx.now().toISOString(), readPolicy(ctx.db).fourEyesWaiver) } : v;
}

function liquidationWithActions(ctx: CommandContext, v: LiquidationDetail): LiquidationDetail {
  const l = getLiquidation(ctx.db, v.id);
  if (!l) return v;
  // Judged on the notional the view shows: a proposal's at the latest cycle's marks, as its approval will judge it.
  const row = { ...l, notional: parseAmount(v.notional, 'notional') };
  return { ...v, actions: liquidationActions(ctx.db, readPolicy(ctx.db), row, readOrders(ctx.db, l.id), ctx.actor, ctx.now()) };
}

function caseWithActions(ctx: CommandContext, v: DefaultCaseDetail): DefaultCaseDetail {
  const c = getCase(ctx.db, v.id);
  if (!c) return v;
  return { ...v, actions: caseActions(ctx.actor, c, {
      assessmentsUsed: assessmentsUsed(ctx.db, c.id),
      assessed: listAssessments(ctx.db, { case: c.id }).length > 0,
      openBids: caseBids(ctx.db, c.id).filter((b) => b.status === 'open').length,
    }) };
}

function memberWithActions(ctx: CommandContext, v: MemberStanding): MemberStanding {
  const m = readMember(ctx.db, v.id);
  if (!m) return v;
  const owed = dueReplenishments(ctx.db, m.id).reduce((s, r) => s + r.amount - r.replenished, 0n);
  return { ...v, actions: memberActions(ctx.actor, m, liveCaseOf(ctx.db, m.id), owed) };
}

/** `output` of `channel` with the actor's actions on it, when it is one of the objects that carry them. */
export function withActions(ctx: CommandContext, channel: Channel, output: unknown): unknown {
  const family = channel.slice(0, channel.indexOf('.'));
  const decorate = (v: unknown): unknown => {
    if (!isObject(v)) return v;
    if (family === 'calls' && 'deadline' in v && 'outstanding' in v) return callWithActions(ctx, v as unknown as MarginCall);
    if (family === 'liquidations' && 'orders' in v && 'fills' in v) return liquidationWithActions(ctx, v as unknown as LiquidationDetail);
    if ((family === 'default' || family === 'approvals') && 'declaredBy' in v && 'timeline' in v) return caseWithActions(ctx, v as unknown as DefaultCaseDetail);
    if ((family === 'members' || family === 'default') && 'replenishmentDue' in v && 'events' in v) return memberWithActions(ctx, v as unknown as MemberStanding);
    return v;
  };
  return Array.isArray(output) && family === 'members' ? output.map(decorate) : decorate(output);
}
