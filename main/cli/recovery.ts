// `riskdesk waterfall --input FILE.json` and `riskdesk adl --input FILE.json`: the standalone default waterfall and
// ADL queue (methodology §8), no ledger. `riskdesk default ...` and `riskdesk stress`: default management and stress
// tests on a ledger, through the same command layer as the console.
import fs from 'node:fs';
import { computeWaterfall, computeAdl } from '../calculators/waterfall/run.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';
import type { Channel } from '../../shared/contract.ts';
import type { FieldOverride } from './contractFlags.ts';
import { oneChannel as command, type ChannelCommand, type CommandOptions } from './oneChannel.ts';
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

/** The two layouts' layers side by side (a blank where one has no such layer), then each member's burden. */
function printLayouts(out: Writer, r: LayoutComparison): void {
  const [ccp, crypto] = r.layouts;
  out.write(`case ${r.case}: ${r.defaulter}'s close-out loss ${r.closeOutLoss}, recovery tools at the prices as of ${r.asOf}\n`);
  const names = [...new Set([...ccp.layers, ...crypto.layers].map((l) => l.name))];
  const used = (v: typeof ccp, n: string) => v.layers.find((l) => l.name === n)?.used ?? '';
  table(out, ['layer', 'CCP used', 'crypto used'], [...names.map((n) => [n, used(ccp, n), used(crypto, n)]), ['uncovered', ccp.uncovered, crypto.uncovered]], [1, 2]);
  table(out, ['member', 'CCP', 'crypto', 'crypto - CCP'], r.members.map((m) => [m.member, m.ccp, m.crypto, m.difference]), [1, 2, 3]);
}

function printStress(out: Writer, r: StressReport): void {
  out.write(`stress run at the prices as of ${r.asOf}: ${r.accounts} accounts, ${r.positions} positions, ${r.ms} ms\n`);
  table(out, ['scenario', 'kind', 'cover-1', 'cover-2', 'largest uncovered'], r.scenarios.map((s) => [s.id, s.kind, s.cover1, s.cover2, s.members.slice(0, 2).map((m) => `${m.member} ${m.uncovered}`).join(', ')]), [2, 3]);
  out.write(`\nprefunded resources: default funds ${r.prefunded.defaultFunds} + first tranche ${r.prefunded.ccpFirstTranche} = ${r.prefunded.total}\n`);
  for (const [name, c] of [['Cover-1', r.cover1], ['Cover-2', r.cover2]] as const) {
    out.write(`${name}: ${c.amount} (${c.scenario ?? '-'}: ${c.members.join(', ')}), ${c.covered ? 'covered' : 'NOT covered'}, surplus ${c.surplus}\n`);
  }
}

function printCases(out: Writer, rows: DefaultCaseSummary[]): void {
  table(
    out,
    ['case', 'member', 'status', 'declared by', 'confirmed by', 'loss', 'residual', 'uncovered'],
    rows.map((c) => [String(c.id), c.member, c.standing, c.declaredBy, c.confirmedBy ?? '', c.closeOut?.loss ?? '', c.residual ?? '', c.uncovered ?? '']),
    [5, 6, 7],
  );
}

function printComparison(out: Writer, r: RecoveryComparison): void {
  out.write(`case ${r.case}: residual ${r.residual} at the prices as of ${r.asOf}\nA = ${r.policies[0].tools.join(', ')} (uncovered ${r.policies[0].uncovered}); B = ${r.policies[1].tools.join(', ')} (uncovered ${r.policies[1].uncovered})\n`);
  table(out, ['member', 'A', 'B', 'B - A'], r.members.map((m) => [m.member, m.a, m.b, m.difference]), [1, 2, 3]);
}

const printOneCase = (out: Writer, d: DefaultCaseDetail) => printCase(out, d);
const printOneMember = (out: Writer, m: MemberStanding) => printMembers(out, [m]);
const printOneAssessment = (out: Writer, a: AssessmentView) => printAssessments(out, [a]);

/** The CLI's names of the case and of the tools' lists, the same in every form of `default`. */
const CASE: FieldOverride = { placeholder: 'N', means: 'a case number (a positive whole number)' };
const TOOLS = (flag: string, means: string): FieldOverride => ({ flag, means });

/** One form of `riskdesk default`: a case is --case N, named a case number in every refusal. */
function defaultForm<C extends Channel>(sub: string, channel: C, summary: string, print: (out: Writer, value: never, input: never) => void, options: CommandOptions = {}): ChannelCommand {
  return command(`default ${sub}`, channel, summary, print, { ...options, fields: { case: CASE, ...options.fields } });
}

export const RECOVERY_COMMANDS: readonly ChannelCommand[] = [
  defaultForm('list', 'default.list', 'default cases', printCases, { isDefault: true }),
  defaultForm('show', 'default.get', 'one default case: close-out, bids, waterfall, assessments', printOneCase),
  defaultForm('members', 'members.list', 'member standing: default fund, assessments, replenishment due', printMembers),
  defaultForm('declare', 'default.declare', 'declare a member in default (a second supervisor confirms)', printOneCase),
  defaultForm('suspend', 'members.suspend', 'suspend a member', printOneMember),
  defaultForm('reinstate', 'members.reinstate', 'reinstate a suspended member', printOneMember),
  defaultForm('confirm', 'default.confirm', 'confirm a declaration (a second, different supervisor)', printOneCase),
  defaultForm('withdraw', 'default.withdraw', 'withdraw a declaration', printOneCase),
  defaultForm('close-out', 'default.closeOut', "close out the defaulter's positions", printOneCase),
  defaultForm('award', 'default.award', 'award the auction', printOneCase),
  defaultForm('waterfall', 'default.waterfall', "run the case's loss down the waterfall", printOneCase),
  defaultForm('port', 'default.port', 'port healthy client accounts', printOneCase, {
    fields: { accounts: { flag: 'account', placeholder: 'A1,A2,...', means: 'the client accounts to port, separated by commas' } },
  }),
  defaultForm('bid', 'default.bid', 'a bid for a lot of the close-out auction', printOneCase, {
    fields: {
      lot: { placeholder: '*|UNDERLYING', means: '"*" for the whole portfolio, or an underlying' },
      amount: { means: 'the bid in USD (negative: the bidder is paid)' },
      confirm: { means: "send again a bid the server asked about (above 10% of its lot's gross value: confirm_required)" },
    },
  }),
  defaultForm('assess', 'default.assess', "trigger the assessments of a case's waterfall", printOneCase),
  defaultForm('assessments', 'assessments.list', 'assessments, by case, member or status', printAssessments),
  defaultForm('review', 'assessments.review', 'mark overdue assessments (their members move to watch)', (out, r: AssessmentReview) => {
    printAssessments(out, r.overdue);
    out.write(`moved to watch: ${r.watched.length ? r.watched.join(', ') : '(none)'}\n`);
  }),
  defaultForm('pay', 'assessments.pay', 'pay an assessment', printOneAssessment),
  defaultForm('compare', 'default.compare', 'two policies of recovery tools side by side', printComparison, {
    fields: { a: TOOLS('tools', 'policy A: recovery tools in order, e.g. vmGainsHaircut,socialisedLoss'), b: TOOLS('vs', 'policy B: recovery tools in order, e.g. partialTearUp,socialisedLoss') },
  }),
  defaultForm('allocate', 'default.allocate', 'allocate the residual with recovery tools in order', printOneCase, {
    fields: { tools: { means: 'the recovery tools in order, e.g. vmGainsHaircut,adl,socialisedLoss (or partialTearUp in place of adl)' } },
  }),
  defaultForm('layouts', 'default.layouts', "a closed-out default laid out as the CCP waterfall (then --tools) beside a crypto venue's (margin, insurance fund, then --vs)", printLayouts, {
    fields: { ccp: TOOLS('tools', "the CCP layout's tools after the waterfall"), crypto: TOOLS('vs', "the crypto layout's tools after the insurance fund, e.g. adl,socialisedLoss") },
  }),
  defaultForm('replenish', 'default.replenish', 'replenish a default-fund contribution', printOneMember, { fields: { amount: { means: 'the replenishment in USD' } } }),
  command('stress run', 'stress.run', 'stress test: per-member uncovered loss, Cover-1/2', printStress, {
    isDefault: true,
    fields: { scenarios: { flag: 'scenario', placeholder: 'S1,S2', means: 'scenario ids separated by commas (riskdesk stress scenarios); all when left out' } },
  }),
  command('stress scenarios', 'stress.scenarios', 'the scenario library', (out, rows: StressScenarioView[]) =>
    table(out, ['id', 'kind', 'name', 'shocks'], rows.map((s) => [s.id, s.kind, s.name, Object.entries(s.shocks).map(([k, v]) => `${k} ${v}`).join(', ')])),
  ),
];
