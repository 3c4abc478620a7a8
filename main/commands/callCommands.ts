// Margin-call review (design.md §2.2): deposits, deadline extensions, waivers, escalation.
import type { CommandContext } from './context.ts';
import type { InputOf, MarginCall } from '../../shared/contract.ts';
import { getCall, callEvents, callWriter, listCalls, requestWaiver, type CallRow, type CallWriter } from '../ledger/callRepo.ts';
import { readPolicy } from '../ledger/bookRepo.ts';
import { addCashCollateral, cashAsset } from '../ledger/collateralRepo.ts';
import { formatAmount, parseAmount } from '../../shared/units.ts';
import { callOverrides } from './overrides/journalled.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import { normaliseTime } from '../../shared/time.ts';
import { confirmOrAsk, DEPOSIT_CONFIRM_MULTIPLE, money, times } from './confirm.ts';
import { callActiveRule, escalateRule, isOverdue, waiveRule } from './allowed/calls.ts';
import { enforce } from './allowed/verdict.ts';

/** One definition of overdue for every view: recorded so by a cycle, or open past its deadline at `now`. */
export function shownStatus(c: Pick<CallRow, 'status' | 'deadline'>, now: string | null): CallRow['status'] {
  return c.status === 'open' && now !== null && isOverdue(c, now) ? 'overdue' : c.status;
}

export function callView(c: CallRow, withHistory = false, ctx?: CommandContext): MarginCall {
  // Nothing is owed on a call that was met or waived; an escalated call still is (its liquidation recovers it).
  const settled = c.status === 'met' || c.status === 'waived';
  const outstanding = !settled && c.amount > c.deposited ? c.amount - c.deposited : 0n;
  const view: MarginCall = {
    id: c.id,
    account: c.account,
    member: c.member,
    cycle: c.cycle,
    amount: formatAmount(c.amount),
    deposited: formatAmount(c.deposited),
    outstanding: formatAmount(outstanding),
    deadline: c.deadline,
    // The server's clock decides it, not the browser's: a call late by 44 s reads overdue now, not at the next cycle.
    status: shownStatus(c, ctx ? ctx.now().toISOString() : null),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    pendingWaiver:
      c.waiverRequest && (c.status === 'open' || c.status === 'overdue')
        ? { by: c.waiverRequest.by, at: c.waiverRequest.at, reason: c.waiverRequest.reason, amount: formatAmount(c.waiverRequest.amount) }
        : null,
  };
  if (withHistory && ctx) {
    view.history = callEvents(ctx.db, c.id).map((e) => ({
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      amount: e.amount === null ? null : formatAmount(e.amount),
      note: e.note,
    }));
  }
  return view;
}

function activeCall(ctx: CommandContext, id: number, doing: string): CallRow {
  const c = getCall(ctx.db, id);
  if (!c) throw new InputError(`no margin call ${id}`, { field: 'id' });
  enforce(callActiveRule(c, doing));
  return c;
}

export function listCallsCommand(ctx: CommandContext, input: InputOf<'calls.list'>): MarginCall[] {
  return listCalls(ctx.db, { ...input, now: ctx.now().toISOString() }).map((c) => callView(c, false, ctx));
}

export function getCallCommand(ctx: CommandContext, input: InputOf<'calls.get'>): MarginCall {
  const c = getCall(ctx.db, input.id);
  if (!c) throw new InputError(`no margin call ${input.id}`, { field: 'id' });
  const view = callView(c, true, ctx);
  // Beside a waiver or an extension, what the engine would have done: its own journal entry's record, matched by
  // the one clock reading the command and its entry share.
  const automatic = callOverrides(ctx, c.id);
  for (const e of view.history ?? []) {
    const a = (e.kind === 'waived' || e.kind === 'extended') && automatic.get(e.at);
    if (a) e.automatic = a;
  }
  return view;
}

/** A cash deposit against a call: it goes into the account's cash collateral and reduces what is outstanding. */
export function depositCommand(ctx: CommandContext, input: InputOf<'calls.deposit'>): MarginCall {
  const c = activeCall(ctx, input.id, 'record a deposit on');
  const amount = parseAmount(input.amount, 'amount');
  const outstanding = c.amount - c.deposited;
  if (outstanding > 0n && amount > outstanding * DEPOSIT_CONFIRM_MULTIPLE) {
    confirmOrAsk(
      ctx,
      input.confirm,
      `a deposit of ${money(amount)} is ${times(amount, outstanding)} times the ${money(outstanding)} outstanding on margin call ${c.id} (account ${c.account}): more than ${DEPOSIT_CONFIRM_MULTIPLE} times`,
    );
  }
  const cash = cashAsset(ctx.db);
  addCashCollateral(ctx.db, c.account, cash, amount, 'amount');
  const at = ctx.now().toISOString();
  const deposited = c.deposited + amount;
  const met = deposited >= c.amount;
  const w = callWriter(ctx.db);
  w.update(c.id, { amount: c.amount, deposited, deadline: c.deadline, status: met ? 'met' : c.status, at });
  w.event(c.id, { at, actor: ctx.actor.name, kind: 'deposit', amount, note: input.note ?? `${cash.id} cash deposit` });
  if (met) w.event(c.id, { at, actor: ctx.actor.name, kind: 'met', amount: null, note: `deposits ${formatAmount(deposited)} cover the call` });
  return callView(getCall(ctx.db, c.id)!, true, ctx);
}

export function extendCommand(ctx: CommandContext, input: InputOf<'calls.extend'>): MarginCall {
  const c = activeCall(ctx, input.id, 'extend');
  const deadline = normaliseTime(input.deadline, 'deadline');
  const now = ctx.now().toISOString();
  if (deadline <= c.deadline) throw new InputError(`the new deadline ${deadline} is not after the current one ${c.deadline}`, { field: 'deadline' });
  if (deadline <= now) throw new InputError(`the new deadline ${deadline} is already past`, { field: 'deadline' });
  const w = callWriter(ctx.db);
  // An overdue call given more time is open again.
  w.update(c.id, { amount: c.amount, deposited: c.deposited, deadline, status: 'open', at: now });
  w.event(c.id, { at: now, actor: ctx.actor.name, kind: 'extended', amount: null, note: `deadline ${c.deadline} -> ${deadline}: ${input.reason}` });
  return callView(getCall(ctx.db, c.id)!, true, ctx);
}

/**
 * Waives what is outstanding on a call (supervisor, reason). Above the policy's four-eyes amount the first
 * supervisor's waiver is a request; a second, different supervisor's waiver confirms it (design.md §4).
 */
export function waiveCommand(ctx: CommandContext, input: InputOf<'calls.waive'>): MarginCall {
  const c = activeCall(ctx, input.id, 'waive');
  const now = ctx.now().toISOString();
  const outstanding = c.amount - c.deposited;
  const w = callWriter(ctx.db);
  const limit = readPolicy(ctx.db).fourEyesWaiver;
  const judged = enforce(waiveRule(ctx.actor, c, limit));
  let note = input.reason;
  if (judged.holds) {
    requestWaiver(ctx.db, c.id, ctx.actor.name, now, input.reason, outstanding);
    w.event(c.id, {
      at: now,
      actor: ctx.actor.name,
      kind: 'waiver_requested',
      amount: outstanding,
      note: `${input.reason} (above ${formatAmount(limit)}: a second supervisor must confirm)`,
    });
    return callView(getCall(ctx.db, c.id)!, true, ctx);
  }
  const req = c.waiverRequest;
  if (outstanding > limit && req) note = `${input.reason} (confirms ${req.by}'s request to waive ${formatAmount(req.amount)}: ${req.reason})`;
  w.update(c.id, { amount: c.amount, deposited: c.deposited, deadline: c.deadline, status: 'waived', at: now });
  w.event(c.id, { at: now, actor: ctx.actor.name, kind: 'waived', amount: outstanding, note });
  return callView(getCall(ctx.db, c.id)!, true, ctx);
}

/** Escalates one overdue call (its row and its own 'escalated' event); throws, naming the call, when it cannot be. */
function escalateOne(ctx: CommandContext, w: CallWriter, id: number, reason: string, now: string): void {
  const c = activeCall(ctx, id, 'escalate');
  enforce(escalateRule(c, now));
  w.update(c.id, { amount: c.amount, deposited: c.deposited, deadline: c.deadline, status: 'escalated', at: now });
  w.event(c.id, { at: now, actor: ctx.actor.name, kind: 'escalated', amount: null, note: reason });
}

export function escalateCommand(ctx: CommandContext, input: InputOf<'calls.escalate'>): MarginCall {
  escalateOne(ctx, callWriter(ctx.db), input.id, input.reason, ctx.now().toISOString());
  return callView(getCall(ctx.db, input.id)!, true, ctx);
}

/**
 * Escalates a batch with one reason. It runs inside the dispatcher's one transaction, so the first call that cannot
 * be escalated (unknown, not overdue, already closed) throws and nothing of the batch lands: the refusal names that
 * call and says the batch was refused, so the desk fixes the selection and sends it again.
 */
export function escalateManyCommand(ctx: CommandContext, input: InputOf<'calls.escalateMany'>): MarginCall[] {
  const seen = new Set<number>();
  input.ids.forEach((id, i) => {
    if (seen.has(id)) throw new InputError(`margin call ${id} is in the batch twice`, { field: `ids[${i}]` });
    seen.add(id);
  });
  const now = ctx.now().toISOString();
  const w = callWriter(ctx.db);
  input.ids.forEach((id, i) => {
    try {
      escalateOne(ctx, w, id, input.reason, now);
    } catch (e) {
      const whole = `nothing escalated: the batch of ${input.ids.length} calls is refused at call ${id}`;
      if (e instanceof InputError) throw new InputError(`${whole}: ${e.message.replace(/^field id: /, '')}`, { field: `ids[${i}]` });
      if (e instanceof RuleError) throw new RuleError(e.code, `${whole}: ${e.message}`);
      throw e;
    }
  });
  return input.ids.map((id) => callView(getCall(ctx.db, id)!, false, ctx));
}
