// Default management's rows as the contract's views (every amount a decimal string), and the small checks every
// default command shares.
import { listApprovals, type ApprovalRow } from '../../ledger/approvalRepo.ts';
import type { Database } from 'better-sqlite3';
import type {
  AssessmentView,
  DefaultCaseDetail,
  DefaultCaseSummary,
  MemberStanding,
  LedgerRecoveryTool,
  ApprovalView,
} from '../../../shared/contractRecovery.ts';
import { getCase, caseEvents, casePorts, closeOutPositions, caseBids, caseLayers, memberAllocations, recoveryAllocations, liveCaseOf, type CaseRow } from '../../ledger/defaultRepo.ts';
import { listAssessments, assessmentPayments, type AssessmentRow } from '../../ledger/assessmentRepo.ts';
import { caseReplenishments, dueReplenishments } from '../../ledger/defaultFundRepo.ts';
import { readMember, memberEvents, accountCounts, type MemberRow } from '../../ledger/memberRepo.ts';
import { readInstruments } from '../../ledger/bookRepo.ts';
import { readMemberAccounts, positionCount } from '../../ledger/memberRepo.ts';
import { formatAmount, formatRate } from '../../../shared/units.ts';
import { lotsToQuantity, ticksToPrice } from '../console/accountView.ts';
import { InputError } from '../../../shared/errors.ts';

const amt = (v: bigint | null): string | null => (v === null ? null : formatAmount(v));

export function loadCase(db: Database, id: number, field = 'case'): CaseRow {
  const c = getCase(db, id);
  if (!c) throw new InputError(`no default case ${id}`, { field });
  return c;
}

export function loadMember(db: Database, id: string, field = 'member'): MemberRow {
  const m = readMember(db, id);
  if (!m) throw new InputError(`no member "${id}"`, { field });
  return m;
}

export function assessmentView(db: Database, a: AssessmentRow): AssessmentView {
  return {
    id: a.id,
    case: a.case,
    member: a.member,
    amount: formatAmount(a.amount),
    cap: formatAmount(a.cap),
    paid: formatAmount(a.paid),
    outstanding: formatAmount(a.amount - a.paid),
    due: a.due,
    status: a.status,
    createdAt: a.createdAt,
    createdBy: a.createdBy,
    payments: assessmentPayments(db, a.id).map((p) => ({ at: p.at, actor: p.actor, amount: formatAmount(p.amount), note: p.note })),
  };
}

export function memberStanding(db: Database, m: MemberRow, counts = accountCounts(db)): MemberStanding {
  const open = listAssessments(db, { member: m.id }).filter((a) => a.status !== 'paid');
  const due = dueReplenishments(db, m.id).reduce((s, r) => s + r.amount - r.replenished, 0n);
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    defaultFund: formatAmount(m.defaultFund),
    assessmentMultiple: formatRate(m.assessmentMultiple),
    accounts: counts.get(m.id) ?? { house: 0, client: 0 },
    defaultCase: liveCaseOf(db, m.id)?.id ?? null,
    assessments: {
      open: open.filter((a) => a.status === 'open').length,
      overdue: open.filter((a) => a.status === 'overdue').length,
      outstanding: formatAmount(open.reduce((s, a) => s + a.amount - a.paid, 0n)),
    },
    replenishmentDue: formatAmount(due),
    events: memberEvents(db, m.id),
  };
}

export function caseSummary(db: Database, c: CaseRow): DefaultCaseSummary {
  // The loss is not recovered while surviving members still owe their assessments: the case says so until they pay.
  const owed = listAssessments(db, { case: c.id }).reduce((s, a) => s + (a.amount > a.paid ? a.amount - a.paid : 0n), 0n);
  const settling = c.status === 'allocated' || c.status === 'recovered';
  return {
    id: c.id,
    member: c.member,
    memberName: readMember(db, c.member)?.name ?? c.member,
    status: c.status,
    reason: c.reason,
    declaredBy: c.declaredBy,
    declaredAt: c.declaredAt,
    confirmedBy: c.confirmedBy,
    confirmedAt: c.confirmedAt,
    closeOut:
      c.closeOutMethod && c.closedOutAt
        ? { method: c.closeOutMethod, at: c.closedOutAt, margin: formatAmount(c.margin ?? 0n), equityAfter: formatAmount(c.equityAfter ?? 0n), loss: formatAmount(c.closeOutLoss ?? 0n) }
        : null,
    residual: amt(c.residual),
    uncovered: amt(c.uncovered),
    assessmentsOutstanding: formatAmount(owed),
    standing: settling && owed > 0n ? 'recovering' : c.status,
    updatedAt: c.updatedAt,
  };
}

/** A held command as the desk sees it (its payload stays in the ledger). */
export function approvalView(a: ApprovalRow): ApprovalView {
  const { payload: _payload, ...rest } = a;
  return rest;
}

export function caseDetail(db: Database, id: number): DefaultCaseDetail {
  const c = loadCase(db, id);
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  const ports = casePorts(db, c.id);
  const closed = closeOutPositions(db, c.id);
  const closedAccounts = new Set(closed.map((p) => p.account));
  const accounts: DefaultCaseDetail['accounts'] = [
    ...readMemberAccounts(db, c.member).map((a) => ({ id: a.id, kind: a.kind, member: a.member, disposition: closedAccounts.has(a.id) ? ('closed_out' as const) : ('remaining' as const), positions: a.positions })),
    ...ports.map((p) => ({ id: p.account, kind: 'client' as const, member: p.to, disposition: 'ported' as const, positions: positionCount(db, p.account) })),
  ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const layers = caseLayers(db, c.id);
  const allocations = memberAllocations(db, c.id);
  return {
    ...caseSummary(db, c),
    approvals: listApprovals(db, { subject: `case:${c.id}`, limit: 100 }).map(approvalView),
    baselineCycle: c.baselineCycle,
    timeline: caseEvents(db, c.id),
    accounts,
    ports: ports.map((p) => ({ account: p.account, from: p.from, to: p.to, at: p.at, actor: p.actor, equity: formatAmount(p.equity), im: formatAmount(p.im) })),
    closeOutPositions: closed.map((p) => {
      const inst = instruments.get(p.instrument)!;
      return {
        account: p.account,
        instrument: p.instrument,
        quantity: lotsToQuantity(p.quantity, inst.lot),
        mark: ticksToPrice(p.mark, inst.tick),
        price: ticksToPrice(p.price, inst.tick),
        liquidation: p.liquidation,
        bid: p.bid,
      };
    }),
    bids: caseBids(db, c.id).map((b) => ({ ...b, amount: formatAmount(b.amount) })),
    waterfall:
      c.waterfallAt === null
        ? null
        : {
            at: c.waterfallAt,
            by: c.waterfallBy ?? '',
            layers: layers.map((l) => ({ name: l.name, available: formatAmount(l.available), used: formatAmount(l.used), remaining: formatAmount(l.remaining) })),
            members: allocations.map((m) => ({
              id: m.member,
              defaultFund: formatAmount(m.defaultFund),
              defaultFundUsed: formatAmount(m.defaultFundUsed),
              assessment: formatAmount(m.assessment),
              assessmentCap: formatAmount(m.assessmentCap),
            })),
            residual: formatAmount(c.residual ?? 0n),
          },
    assessments: listAssessments(db, { case: c.id }).map((a) => assessmentView(db, a)),
    replenishments: caseReplenishments(db, c.id).map((r) => ({
      member: r.member,
      amount: formatAmount(r.amount),
      replenished: formatAmount(r.replenished),
      outstanding: formatAmount(r.amount - r.replenished),
      due: r.due,
      status: r.status,
    })),
    recovery:
      c.recoveredAt === null
        ? null
        : {
            tools: (c.recoveryTools ?? []) as LedgerRecoveryTool[],
            at: c.recoveredAt,
            allocations: recoveryAllocations(db, c.id).map((a) => ({ tool: a.tool, member: a.member, account: a.account, amount: formatAmount(a.amount), detail: JSON.parse(a.detail) as unknown })),
            uncovered: formatAmount(c.uncovered ?? 0n),
          },
  };
}
