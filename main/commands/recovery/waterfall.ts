// The waterfall of a closed-out case (methodology §8.1) and the assessments it leads to (design.md §2.5).
//
// The case's input, from the ledger: the close-out loss and the defaulter's margin from the close-out; every member
// not in default (and the defaulter) with its current default-fund contribution and its own assessment multiple; the
// clearinghouse's tranches from the policy keys ccpFirstTranche and ccpSecondTranche (default 0). A member's cap covers
// a capped period (policy assessmentPeriodDays, default 90): what it was assessed in the period is taken off its cap.
// The engine (main/engine/waterfall.ts) allocates layers 1-6; the recovery tools come later (default.allocate) on the
// residual. Default funds are reduced by their use, and each surviving member owes a replenishment (due after policy
// replenishmentDays, default 30).
//
// Assessments: triggered by a supervisor with a due time, one cash call per surviving member from the waterfall's
// assessment split (pro rata to contribution, capped, whole cents). Payments may be partial. An unpaid assessment
// past due is marked overdue and its member moved from active to watch by the command `assessments.review` (run it
// from the desk, a schedule or a playbook step; the margin cycle does not do it).
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import { enforce } from '../allowed/verdict.ts';
import { assessRule, assessmentsUsed, caseStepRule } from '../allowed/defaults.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AssessmentView, AssessmentReview } from '../../../shared/contractRecovery.ts';
import type { Database } from 'better-sqlite3';
import { allocateWaterfall, type WaterfallCase, type WaterfallMember } from '../../engine/waterfall.ts';
import { readPolicy } from '../../ledger/bookRepo.ts';
import { readMembers, readMember, setMemberStatus, type MemberRow } from '../../ledger/memberRepo.ts';
import { readRecoveryPolicy } from '../../ledger/recoveryPolicyRepo.ts';
import { assessedSince, listAssessments, insertAssessment, getAssessment, setAssessment, insertPayment, pastDueAssessments } from '../../ledger/assessmentRepo.ts';
import { defaultFundMovesSince, setDefaultFund, addDefaultFundEntry, insertReplenishment } from '../../ledger/defaultFundRepo.ts';
import { insertLayers, insertMemberAllocations, memberAllocations, updateCase, addCaseEvent, type CaseRow } from '../../ledger/defaultRepo.ts';
import { allocateShortfalls } from '../../ledger/shortfallRepo.ts';
import { caseDetail, loadCase, assessmentView } from './views.ts';
import { moneyIn } from './members.ts';
import { normaliseTime } from '../../../shared/time.ts';
import { formatAmount } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';

const DAY_MS = 86_400_000;

/**
 * A closed-out case as the waterfall takes it, from the ledger now: the members with their contributions, caps and
 * period's assessments, the tranches and the amount scale (layers 1-6; the recovery tools come later). `all` is the
 * member rows it was read from.
 */
export function waterfallCaseOf(db: Database, c: CaseRow, now: Date): { wcase: Omit<WaterfallCase, 'recoveryTools' | 'vmGains'>; all: MemberRow[] } {
  const rp = readRecoveryPolicy(db);
  const amountScale = readPolicy(db).amountScale;
  const periodStart = new Date(now.getTime() - rp.assessmentPeriodDays * DAY_MS).toISOString();
  const prior = assessedSince(db, periodStart);
  const fundMoves = defaultFundMovesSince(db, periodStart);
  const all = readMembers(db).filter((m) => m.id === c.member || m.status !== 'defaulted');
  const members: WaterfallMember[] = all.map((m) => {
    // The cap covers every default in the period: it is a multiple of the contribution as it stood before the
    // period's first default (what earlier waterfalls used and replenishments have not restored is added back),
    // less what the period has already assessed.
    const moved = fundMoves.get(m.id) ?? 0n;
    const base = moved < 0n ? m.defaultFund - moved : m.defaultFund;
    return {
      id: m.id,
      defaultFund: m.defaultFund,
      margin: m.id === c.member ? (c.margin ?? 0n) : 0n,
      assessmentMultiple: m.assessmentMultiple,
      assessmentBase: base,
      assessedInPeriod: m.id === c.member ? 0n : (prior.get(m.id) ?? 0n),
    };
  });
  return {
    wcase: {
      defaulter: c.member,
      closeOutLoss: c.closeOutLoss ?? 0n,
      members,
      firstTranche: rp.ccpFirstTranche,
      secondTranche: rp.ccpSecondTranche,
      assessmentMultiple: rp.assessmentMultiple,
      amountScale,
    },
    all,
  };
}

export function waterfallCommand(ctx: CommandContext, input: InputOf<'default.waterfall'>): Handled<'default.waterfall'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const me = ctx.actor.name;
  const c = loadCase(db, input.case);
  enforce(caseStepRule(c, 'waterfall'));
  const rp = readRecoveryPolicy(db);
  const { wcase, all } = waterfallCaseOf(db, c, ctx.now());
  const r = allocateWaterfall({ ...wcase, recoveryTools: [], vmGains: [] });
  insertLayers(db, c.id, r.layers);
  insertMemberAllocations(
    db,
    c.id,
    r.members.map((m) => ({ member: m.id, defaultFund: all.find((x) => x.id === m.id)!.defaultFund, defaultFundUsed: m.defaultFundUsed, assessment: m.assessment, assessmentCap: m.assessmentCap })),
  );
  const due = new Date(ctx.now().getTime() + rp.replenishmentDays * DAY_MS).toISOString();
  for (const m of r.members) {
    if (m.defaultFundUsed === 0n) continue;
    const row = all.find((x) => x.id === m.id)!;
    setDefaultFund(db, m.id, row.defaultFund - m.defaultFundUsed);
    addDefaultFundEntry(db, { member: m.id, at, actor: me, kind: 'used', amount: -m.defaultFundUsed, case: c.id, note: `default case ${c.id} waterfall` });
    if (m.id !== c.member) insertReplenishment(db, { case: c.id, member: m.id, amount: m.defaultFundUsed, due, at });
  }
  const shortfalls = allocateShortfalls(db, c.member);
  updateCase(db, c.id, { status: 'allocated', waterfallAt: at, waterfallBy: me, residual: r.uncovered }, at);
  const layers = r.layers.map((l) => ({ name: l.name, available: formatAmount(l.available), used: formatAmount(l.used), remaining: formatAmount(l.remaining) }));
  addCaseEvent(db, c.id, {
    at,
    actor: me,
    kind: 'waterfall',
    note: `loss ${formatAmount(c.closeOutLoss ?? 0n)} allocated; ${formatAmount(r.uncovered)} left for the recovery tools`,
    detail: { layers, shortfallsAllocated: shortfalls },
  });
  return { output: caseDetail(db, c.id), journal: { result: { case: c.id, layers, residual: formatAmount(r.uncovered) } } };
}

export function assessCommand(ctx: CommandContext, input: InputOf<'default.assess'>): Handled<'default.assess'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const c = loadCase(db, input.case);
  enforce(assessRule(c, assessmentsUsed(db, c.id), listAssessments(db, { case: c.id }).length > 0));
  const due = normaliseTime(input.due, 'due');
  if (due <= at) throw new InputError(`the due time ${due} is not after now (${at})`, { field: 'due' });
  const calls = memberAllocations(db, c.id).filter((m) => m.member !== c.member && m.assessment > 0n);
  const ids = calls.map((m) => insertAssessment(db, { case: c.id, member: m.member, amount: m.assessment, cap: m.assessmentCap, due, at, by: ctx.actor.name }));
  const total = calls.reduce((s, m) => s + m.assessment, 0n);
  addCaseEvent(db, c.id, { at, actor: ctx.actor.name, kind: 'assessed', note: `${calls.length} assessment(s), ${formatAmount(total)} in all, due ${due}`, detail: { assessments: ids } });
  return {
    output: caseDetail(db, c.id),
    journal: { result: { case: c.id, due, assessments: calls.map((m, i) => ({ id: ids[i], member: m.member, amount: formatAmount(m.assessment), cap: formatAmount(m.assessmentCap) })) } },
  };
}

export function listAssessmentsCommand(ctx: CommandContext, input: InputOf<'assessments.list'>): AssessmentView[] {
  return listAssessments(ctx.db, input).map((a) => assessmentView(ctx.db, a));
}

export function payAssessment(ctx: CommandContext, input: InputOf<'assessments.pay'>): AssessmentView {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const a = getAssessment(db, input.id);
  if (!a) throw new InputError(`no assessment ${input.id}`, { field: 'id' });
  if (a.status === 'paid') throw new RuleError('assessment_paid', `assessment ${a.id} is paid in full`);
  const amount = moneyIn(ctx, input.amount, 'amount');
  const outstanding = a.amount - a.paid;
  if (amount > outstanding) throw new InputError(`${input.amount} is more than the ${formatAmount(outstanding)} outstanding on assessment ${a.id}`, { field: 'amount' });
  const paid = a.paid + amount;
  setAssessment(db, a.id, paid, paid === a.amount ? 'paid' : a.status, at);
  insertPayment(db, { assessment: a.id, at, actor: ctx.actor.name, amount, note: input.note ?? '' });
  return assessmentView(db, getAssessment(db, a.id)!);
}

export function reviewAssessments(ctx: CommandContext): AssessmentReview {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const late = pastDueAssessments(db, at);
  const watched: string[] = [];
  for (const a of late) {
    setAssessment(db, a.id, a.paid, 'overdue', at);
    const m = readMember(db, a.member)!;
    if (m.status === 'active') {
      setMemberStatus(db, {
        member: m.id,
        from: 'active',
        to: 'watch',
        at,
        actor: ctx.actor.name,
        reason: `assessment ${a.id} (default case ${a.case}) unpaid past its due time ${a.due}: ${formatAmount(a.amount - a.paid)} outstanding`,
        case: a.case,
      });
      watched.push(m.id);
    }
  }
  return { overdue: late.map((a) => assessmentView(db, getAssessment(db, a.id)!)), watched };
}
