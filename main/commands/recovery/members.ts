// Member standing (design.md §2.4): suspension and reinstatement, and the declaration of a default with four eyes:
// one supervisor declares with a reason, a second, different supervisor confirms; only then is the member
// `defaulted` and its case open. Automation stops for a defaulted or suspended member's accounts (automation.ts),
// and the positions import refuses rows for them (importCsv.ts). Every change is in the member's history.
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { MemberStanding, DefaultCaseSummary } from '../../../shared/contractRecovery.ts';
import { accountCounts, readMembers, setMemberStatus } from '../../ledger/memberRepo.ts';
import { insertCase, liveCaseOf, updateCase, addCaseEvent, listCases } from '../../ledger/defaultRepo.ts';
import { dueReplenishments, setReplenished, setDefaultFund, addDefaultFundEntry } from '../../ledger/defaultFundRepo.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { readPolicy } from '../../ledger/bookRepo.ts';
import { caseDetail, caseSummary, loadCase, loadMember, memberStanding } from './views.ts';
import { parseAmount, formatAmount, roundAmountToScale, UnitError } from '../../../shared/units.ts';
import { InputError } from '../../../shared/errors.ts';
import { confirmDeclarationRule, declareRule, reinstateRule, replenishRule, suspendRule, withdrawDeclarationRule } from '../allowed/defaults.ts';
import { enforce } from '../allowed/verdict.ts';

export function membersList(ctx: CommandContext): MemberStanding[] {
  // The accounts counted once for all members: per member, it was a scan of every account each (1 s on 100k).
  const counts = accountCounts(ctx.db);
  return readMembers(ctx.db).map((m) => memberStanding(ctx.db, m, counts));
}

export function suspendMember(ctx: CommandContext, input: InputOf<'members.suspend'>): MemberStanding {
  const m = loadMember(ctx.db, input.member);
  enforce(suspendRule(m));
  setMemberStatus(ctx.db, { member: m.id, from: m.status, to: 'suspended', at: ctx.now().toISOString(), actor: ctx.actor.name, reason: input.reason, case: null });
  return memberStanding(ctx.db, loadMember(ctx.db, m.id));
}

export function reinstateMember(ctx: CommandContext, input: InputOf<'members.reinstate'>): MemberStanding {
  const m = loadMember(ctx.db, input.member);
  enforce(reinstateRule(m));
  setMemberStatus(ctx.db, { member: m.id, from: m.status, to: 'active', at: ctx.now().toISOString(), actor: ctx.actor.name, reason: input.reason, case: null });
  return memberStanding(ctx.db, loadMember(ctx.db, m.id));
}

export function listDefaultCases(ctx: CommandContext): DefaultCaseSummary[] {
  return listCases(ctx.db).map((c) => caseSummary(ctx.db, c));
}

export function declareDefault(ctx: CommandContext, input: InputOf<'default.declare'>): Handled<'default.declare'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const m = loadMember(db, input.member);
  enforce(declareRule(m, liveCaseOf(db, m.id)));
  const id = insertCase(db, { member: m.id, reason: input.reason, priorStatus: m.status, by: ctx.actor.name, at });
  addCaseEvent(db, id, { at, actor: ctx.actor.name, kind: 'declared', note: `${input.reason} (awaiting a second supervisor)`, detail: { member: m.id, status: m.status } });
  const out = caseDetail(db, id);
  return { output: out, journal: { result: { case: id, member: m.id, status: out.status } } };
}

export function confirmDefault(ctx: CommandContext, input: InputOf<'default.confirm'>): Handled<'default.confirm'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const me = ctx.actor.name;
  const c = loadCase(db, input.case);
  enforce(confirmDeclarationRule(c, ctx.actor));
  const m = loadMember(db, c.member);
  const baseline = latestCycle(db)?.id ?? null;
  updateCase(db, c.id, { status: 'open', confirmedBy: me, confirmedAt: at, baselineCycle: baseline }, at);
  setMemberStatus(db, { member: m.id, from: m.status, to: 'defaulted', at, actor: me, reason: `default case ${c.id}: ${c.reason}`, case: c.id });
  addCaseEvent(db, c.id, {
    at,
    actor: me,
    kind: 'confirmed',
    note: `${m.id} is in default (declared by ${c.declaredBy})${input.note ? `: ${input.note}` : ''}`,
    detail: { declaredBy: c.declaredBy, baselineCycle: baseline, from: m.status },
  });
  return { output: caseDetail(db, c.id), journal: { result: { case: c.id, member: m.id, status: 'open', declaredBy: c.declaredBy, confirmedBy: me, baselineCycle: baseline } } };
}

export function withdrawDefault(ctx: CommandContext, input: InputOf<'default.withdraw'>): Handled<'default.withdraw'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const c = loadCase(db, input.case);
  enforce(withdrawDeclarationRule(c));
  updateCase(db, c.id, { status: 'withdrawn' }, at);
  addCaseEvent(db, c.id, { at, actor: ctx.actor.name, kind: 'withdrawn', note: input.reason });
  return { output: caseDetail(db, c.id), journal: { result: { case: c.id, status: 'withdrawn' } } };
}

/** A positive amount in whole units of the policy's amount scale, or an input error naming the field. */
export function moneyIn(ctx: CommandContext, s: string, field: string): bigint {
  let v: bigint;
  try {
    v = parseAmount(s, field);
  } catch (e) {
    if (e instanceof UnitError) throw new InputError(e.message.replace(/^[^:]*: /, ''), { field });
    throw e;
  }
  const scale = readPolicy(ctx.db).amountScale;
  if (roundAmountToScale(v, scale, 'floor') !== v) throw new InputError(`${s} has more than ${scale} decimal places (the policy's amount scale)`, { field });
  return v;
}

/** A surviving member replenishes its default-fund contribution: the oldest replenishment due is met first. */
export function replenishDefaultFund(ctx: CommandContext, input: InputOf<'default.replenish'>): MemberStanding {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const m = loadMember(db, input.member);
  const amount = moneyIn(ctx, input.amount, 'amount');
  const due = dueReplenishments(db, m.id);
  const owed = due.reduce((s, r) => s + r.amount - r.replenished, 0n);
  enforce(replenishRule(m, owed));
  if (amount > owed) throw new InputError(`${input.amount} is more than the ${formatAmount(owed)} member ${m.id} owes its default fund`, { field: 'amount' });
  let left = amount;
  for (const r of due) {
    if (left === 0n) break;
    const take = r.amount - r.replenished < left ? r.amount - r.replenished : left;
    setReplenished(db, r.id, r.replenished + take, r.replenished + take === r.amount, at);
    left -= take;
  }
  setDefaultFund(db, m.id, m.defaultFund + amount);
  addDefaultFundEntry(db, { member: m.id, at, actor: ctx.actor.name, kind: 'replenished', amount, case: null, note: input.note ?? '' });
  return memberStanding(db, loadMember(db, m.id));
}
