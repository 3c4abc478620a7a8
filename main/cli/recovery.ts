// `riskdesk waterfall --input FILE.json` and `riskdesk adl --input FILE.json`: the standalone default waterfall and
// ADL queue (methodology §8), no ledger. `riskdesk default ...` and `riskdesk stress`: default management and stress
// tests on a ledger, through the same command layer as the console.
import fs from 'node:fs';
import { computeWaterfall, computeAdl } from '../calculators/waterfall/run.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';
import type { CliDoor } from './liquidations.ts';
import type { Channel } from '../../shared/contract.ts';
import type { LayoutComparison } from '../../shared/contractFunds.ts';
import type { AssessmentReview, AssessmentView, DefaultCaseDetail, DefaultCaseSummary, MemberStanding, RecoveryComparison, StressReport, StressScenarioView } from '../../shared/contractRecovery.ts';

function readInput(file: string): unknown {
  if (!fs.existsSync(file)) throw new InputError(`file not found: ${file}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
}

/** Prints the JSON when asked, the human tables otherwise. */
function report<T>(out: Writer, value: T, json: boolean, human: (value: T) => void): number {
  if (json) out.write(`${JSON.stringify(value, null, 2)}\n`);
  else human(value);
  return 0;
}

export function waterfallCommand(out: Writer, file: string, json: boolean): number {
  return report(out, computeWaterfall(readInput(file)), json, (w) => {
    table(
      out,
      ['layer', 'available', 'used', 'remaining'],
      w.layers.map((l) => [l.name, l.available, l.used, l.remaining]),
      [1, 2, 3],
    );
    out.write(`\nuncovered (resolution gap): ${w.uncovered}\n\n`);
    table(
      out,
      ['member', 'default fund used', 'assessment', 'cap'],
      w.members.map((m) => [m.id, m.defaultFundUsed, m.assessment, m.assessmentCap]),
      [1, 2, 3],
    );
    for (const l of w.layers) {
      if (!l.allocations) continue;
      out.write(`\n${l.name}\n`);
      table(out, ['holder', 'amount'], l.allocations.map((a) => [a.member !== undefined ? `member ${a.member}` : `account ${a.account}`, a.amount]), [1]);
    }
  });
}

export function adlCommand(out: Writer, file: string, json: boolean): number {
  return report(out, computeAdl(readInput(file)), json, (a) => {
    const closed = new Map(a.closes.map((c) => [c.account, c]));
    table(
      out,
      ['#', 'account', 'closed', 'at price'],
      a.ranking.map((account, i) => [String(i + 1), account, closed.get(account)?.quantity ?? '', closed.get(account)?.price ?? '']),
      [0, 2, 3],
    );
    out.write(`\nunfilled: ${a.unfilled}\n`);
  });
}

function emit(door: CliDoor, value: unknown, human: (out: Writer) => void): number {
  if (door.json) door.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human(door.io.stdout);
  return 0;
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

function caseNumber(door: CliDoor): number {
  const v = door.need('case', 'the default case number');
  if (!/^[1-9]\d{0,15}$/.test(v)) throw new InputError(`--case must be a case number (a positive whole number), not "${v}"`, { field: 'case' });
  return Number(v);
}

function printAssessments(out: Writer, rows: AssessmentView[]): void {
  table(
    out,
    ['id', 'case', 'member', 'amount', 'cap', 'paid', 'outstanding', 'due', 'status'],
    rows.map((a) => [String(a.id), String(a.case), a.member, a.amount, a.cap, a.paid, a.outstanding, a.due, a.status]),
    [3, 4, 5, 6],
  );
}

function printCase(out: Writer, d: DefaultCaseDetail): void {
  const owed = d.standing === 'recovering' ? ` (${d.assessmentsOutstanding} of assessments unpaid)` : '';
  out.write(`default case ${d.id}: ${d.member} (${d.memberName}), ${d.standing}${owed}\n`);
  out.write(`  declared by ${d.declaredBy} at ${d.declaredAt}: ${d.reason}\n`);
  if (d.confirmedBy) out.write(`  confirmed by ${d.confirmedBy} at ${d.confirmedAt}\n`);
  if (d.closeOut) {
    out.write(`  close-out by ${d.closeOut.method} at ${d.closeOut.at}: margin ${d.closeOut.margin}, equity after ${d.closeOut.equityAfter}, loss ${d.closeOut.loss}\n`);
  }
  if (d.ports.length) out.write(`  ported: ${d.ports.map((p) => `${p.account} -> ${p.to}`).join(', ')}\n`);
  if (d.bids.length) {
    table(out, ['bid', 'lot', 'member', 'amount', 'status'], d.bids.map((b) => [String(b.id), b.lot, b.member, b.amount, b.status]), [3]);
  }
  if (d.waterfall) {
    table(out, ['layer', 'available', 'used', 'remaining'], d.waterfall.layers.map((l) => [l.name, l.available, l.used, l.remaining]), [1, 2, 3]);
    out.write(`residual after assessments: ${d.waterfall.residual}\n`);
  }
  if (d.assessments.length) printAssessments(out, d.assessments);
  if (d.recovery) out.write(`recovery (${d.recovery.tools.join(', ')}): uncovered ${d.recovery.uncovered}\n`);
}

function printMembers(out: Writer, rows: MemberStanding[]): void {
  table(
    out,
    ['member', 'status', 'default fund', 'multiple', 'house', 'client', 'case', 'assessed, unpaid', 'replenishment due'],
    rows.map((m) => [m.id, m.status, m.defaultFund, m.assessmentMultiple, String(m.accounts.house), String(m.accounts.client), m.defaultCase === null ? '' : String(m.defaultCase), m.assessments.outstanding, m.replenishmentDue]),
    [2, 3, 4, 5, 7, 8],
  );
}

/** `riskdesk default SUB ...`: member standing, default cases, assessments and recovery tools. */
export async function defaultCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  const opt = (k: string): string | undefined => {
    const v = door.opt(k);
    return typeof v === 'string' ? v : undefined;
  };
  const note = () => (opt('note') !== undefined ? { note: opt('note') } : {});
  const onCase = async (channel: Channel, payload: Record<string, unknown>): Promise<number> => {
    const d = (await door.run(channel, payload)) as DefaultCaseDetail;
    return emit(door, d, (out) => printCase(out, d));
  };
  const onMember = async (channel: Channel, payload: Record<string, unknown>): Promise<number> => {
    const m = (await door.run(channel, payload)) as MemberStanding;
    return emit(door, m, (out) => printMembers(out, [m]));
  };
  switch (sub) {
    case undefined:
    case 'list': {
      const rows = (await door.run('default.list', {})) as DefaultCaseSummary[];
      return emit(door, rows, (out) =>
        table(
          out,
          ['case', 'member', 'status', 'declared by', 'confirmed by', 'loss', 'residual', 'uncovered'],
          rows.map((c) => [String(c.id), c.member, c.standing, c.declaredBy, c.confirmedBy ?? '', c.closeOut?.loss ?? '', c.residual ?? '', c.uncovered ?? '']),
          [5, 6, 7],
        ),
      );
    }
    case 'show':
      return onCase('default.get', { case: caseNumber(door) });
    case 'members': {
      const rows = (await door.run('members.list', {})) as MemberStanding[];
      return emit(door, rows, (out) => printMembers(out, rows));
    }
    case 'declare':
      return onCase('default.declare', { member: door.need('member', 'the member in default'), reason: door.need('reason', 'why') });
    case 'confirm':
      return onCase('default.confirm', { case: caseNumber(door), ...note() });
    case 'withdraw':
      return onCase('default.withdraw', { case: caseNumber(door), reason: door.need('reason', 'why') });
    case 'suspend':
    case 'reinstate':
      return onMember(`members.${sub}`, { member: door.need('member', 'the member'), reason: door.need('reason', 'why') });
    case 'port':
      return onCase('default.port', { case: caseNumber(door), accounts: list(door.need('account', 'the client accounts to port, A1,A2,...')), to: door.need('to', 'the receiving member') });
    case 'close-out':
      return onCase('default.closeOut', { case: caseNumber(door), ...note() });
    case 'bid':
      return onCase('default.bid', {
        case: caseNumber(door),
        member: door.need('member', 'the bidding member'),
        lot: door.need('lot', '"*" for the whole portfolio, or an underlying'),
        amount: door.need('amount', 'the bid in USD (negative: the bidder is paid)'),
        ...note(),
        ...(door.opt('confirm') === true ? { confirm: true } : {}),
      });
    case 'award':
      return onCase('default.award', { case: caseNumber(door) });
    case 'waterfall':
      return onCase('default.waterfall', { case: caseNumber(door) });
    case 'assess':
      return onCase('default.assess', { case: caseNumber(door), due: door.need('due', 'when the assessments are due (ISO-8601 UTC)') });
    case 'assessments': {
      const c = opt('case');
      const payload = { ...(c !== undefined ? { case: caseNumber(door) } : {}), ...(opt('member') ? { member: opt('member') } : {}), ...(opt('status') ? { status: opt('status') } : {}) };
      const rows = (await door.run('assessments.list', payload)) as AssessmentView[];
      return emit(door, rows, (out) => printAssessments(out, rows));
    }
    case 'pay': {
      const a = (await door.run('assessments.pay', { id: door.id(), amount: door.need('amount', 'the payment in USD'), ...note() })) as AssessmentView;
      return emit(door, a, (out) => printAssessments(out, [a]));
    }
    case 'review': {
      const r = (await door.run('assessments.review', {})) as AssessmentReview;
      return emit(door, r, (out) => {
        printAssessments(out, r.overdue);
        out.write(`moved to watch: ${r.watched.length ? r.watched.join(', ') : '(none)'}\n`);
      });
    }
    case 'compare': {
      const r = (await door.run('default.compare', { case: caseNumber(door), a: list(door.need('tools', 'policy A: recovery tools in order, e.g. vmGainsHaircut,socialisedLoss')), b: list(door.need('vs', 'policy B: recovery tools in order, e.g. partialTearUp,socialisedLoss')) })) as RecoveryComparison;
      return emit(door, r, (out) => {
        out.write(`case ${r.case}: residual ${r.residual} at the prices as of ${r.asOf}\nA = ${r.policies[0].tools.join(', ')} (uncovered ${r.policies[0].uncovered}); B = ${r.policies[1].tools.join(', ')} (uncovered ${r.policies[1].uncovered})\n`);
        table(out, ['member', 'A', 'B', 'B - A'], r.members.map((m) => [m.member, m.a, m.b, m.difference]), [1, 2, 3]);
      });
    }
    case 'layouts': {
      const tools = opt('tools');
      const r = (await door.run('default.layouts', {
        case: caseNumber(door),
        crypto: list(door.need('vs', 'the crypto layout\'s tools after the insurance fund, e.g. adl,socialisedLoss')),
        ...(tools === undefined ? {} : { ccp: list(tools as string) }),
      })) as LayoutComparison;
      return emit(door, r, (out) => printLayouts(out, r));
    }
    case 'allocate':
      return onCase('default.allocate', { case: caseNumber(door), tools: list(door.need('tools', 'the recovery tools in order, e.g. vmGainsHaircut,adl,socialisedLoss (or partialTearUp in place of adl)')) });
    case 'replenish':
      return onMember('default.replenish', { member: door.need('member', 'the member'), amount: door.need('amount', 'the replenishment in USD'), ...note() });
    default:
      throw new InputError(
        `unknown default subcommand "${sub}": list, show, members, declare, confirm, withdraw, suspend, reinstate, port, close-out, bid, award, waterfall, assess, assessments, pay, review, compare, layouts, allocate, replenish`,
      );
  }
}

/** The two layouts' layers side by side (a blank where one has no such layer), then each member's burden. */
function printLayouts(out: Writer, r: LayoutComparison): void {
  const [ccp, crypto] = r.layouts;
  out.write(`case ${r.case}: ${r.defaulter}'s close-out loss ${r.closeOutLoss}, recovery tools at the prices as of ${r.asOf}\n`);
  const names = [...new Set([...ccp.layers, ...crypto.layers].map((l) => l.name))];
  const used = (v: typeof ccp, n: string) => v.layers.find((l) => l.name === n)?.used ?? '';
  table(out, ['layer', 'CCP used', 'crypto used'], [...names.map((n) => [n, used(ccp, n), used(crypto, n)]), ['uncovered', ccp.uncovered, crypto.uncovered]], [1, 2]);
  table(out, ['member', 'CCP', 'crypto', 'crypto - CCP'], r.members.map((m) => [m.member, m.ccp, m.crypto, m.difference]), [1, 2, 3]);
}

/** `riskdesk stress [scenarios]`: the stress run over the ledger (or the scenario library). */
export async function stressCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  if (sub === 'scenarios') {
    const rows = (await door.run('stress.scenarios', {})) as StressScenarioView[];
    return emit(door, rows, (out) =>
      table(out, ['id', 'kind', 'name', 'shocks'], rows.map((s) => [s.id, s.kind, s.name, Object.entries(s.shocks).map(([k, v]) => `${k} ${v}`).join(', ')])),
    );
  }
  if (sub !== undefined && sub !== 'run') throw new InputError(`unknown stress subcommand "${sub}": run (the default) or scenarios`);
  const chosen = door.opt('scenario');
  const r = (await door.run('stress.run', typeof chosen === 'string' ? { scenarios: list(chosen) } : {})) as StressReport;
  return emit(door, r, (out) => {
    out.write(`stress run at the prices as of ${r.asOf}: ${r.accounts} accounts, ${r.positions} positions, ${r.ms} ms\n`);
    table(out, ['scenario', 'kind', 'cover-1', 'cover-2', 'largest uncovered'], r.scenarios.map((s) => [s.id, s.kind, s.cover1, s.cover2, s.members.slice(0, 2).map((m) => `${m.member} ${m.uncovered}`).join(', ')]), [2, 3]);
    out.write(`\nprefunded resources: default funds ${r.prefunded.defaultFunds} + first tranche ${r.prefunded.ccpFirstTranche} = ${r.prefunded.total}\n`);
    for (const [name, c] of [['Cover-1', r.cover1], ['Cover-2', r.cover2]] as const) {
      out.write(`${name}: ${c.amount} (${c.scenario ?? '-'}: ${c.members.join(', ')}), ${c.covered ? 'covered' : 'NOT covered'}, surplus ${c.surplus}\n`);
    }
  });
}
