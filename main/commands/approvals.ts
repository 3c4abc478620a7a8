// Four eyes for commands that are irreversible at scale (issue 22): porting a defaulter's accounts, awarding an
// auction, triggering assessments, applying recovery tools. A contract entry marked `fourEyes` does not run when a
// supervisor calls it: the command layer runs it once inside a savepoint that is rolled back (so a command that would
// be refused now is refused now, with its own error), then holds it with its checked payload. A second, different
// supervisor confirms it (approvals.confirm), and it runs then, as asked, against the ledger as it is then (refused
// if it no longer holds). Any supervisor may decline it; its requester may withdraw it.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from './context.ts';
import type { Handled } from './handlers.ts';
import { handlers } from './handlers.ts';
import { contract, type Channel, type InputOf } from '../../shared/contract.ts';
import type { ApprovalView } from '../../shared/contractRecovery.ts';
import { insertApproval, getApproval, pendingApproval, listApprovals, decideApproval, type ApprovalRow } from '../ledger/approvalRepo.ts';
import { caseDetail, approvalView } from './recovery/views.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import { formatUtc } from '../../shared/format.ts';
import { confirmHeldRule } from './allowed/approvals.ts';
import { enforce } from './allowed/verdict.ts';
import { dryRun } from './dryRun.ts';
import { validate } from './dispatch.ts';
import { describePolicyChange, policyEntry } from './policies/policies.ts';
import { describeImport } from './playbooks/runs.ts';
import { describeDraw } from './funds/insuranceFund.ts';

type Runner = (ctx: CommandContext, input: unknown) => { output: unknown; journal?: { payload?: unknown; result?: unknown } };

/** The channels held for a second supervisor: the contract says which. */
export function needsSecondApprover(channel: Channel): boolean {
  const entry = contract[channel] as { fourEyes?: true };
  return entry.fourEyes === true;
}

interface Held {
  subject: string;
  summary: string;
  /** What the requester sees after asking: the subject's view, with the request in it. */
  view: (db: Database) => unknown;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** What a held command acts on and does, in words, from its input. */
function describe(db: Database, channel: Channel, input: unknown): Held {
  if (channel === 'policies.change') {
    const key = (input as InputOf<'policies.change'>).key;
    return { ...describePolicyChange(db, input as InputOf<'policies.change'>), view: (d) => policyEntry(d, key) };
  }
  if (channel === 'playbooks.import') return describeImport(db, input as InputOf<'playbooks.import'>);
  if (channel === 'funds.draw') return describeDraw(db, input as InputOf<'funds.draw'>);
  const c = (input as { case: number }).case;
  const view = (db: Database) => caseDetail(db, c);
  switch (channel) {
    case 'default.port': {
      const i = input as InputOf<'default.port'>;
      const shown = i.accounts.slice(0, 5).join(', ') + (i.accounts.length > 5 ? `, and ${i.accounts.length - 5} more` : '');
      return { subject: `case:${c}`, summary: `port ${plural(i.accounts.length, 'account')} of default case ${c} to member ${i.to}: ${shown}`, view };
    }
    case 'default.award':
      return { subject: `case:${c}`, summary: `award default case ${c}'s auction to the best bid on each lot`, view };
    case 'default.assess':
      return { subject: `case:${c}`, summary: `trigger the assessments of default case ${c} on the surviving members, due ${(input as InputOf<'default.assess'>).due}`, view };
    case 'default.allocate':
      return { subject: `case:${c}`, summary: `apply the recovery tools ${(input as InputOf<'default.allocate'>).tools.join(', ')} to default case ${c}`, view };
    default:
      throw new Error(`${channel} is marked fourEyes but has no description`);
  }
}

/**
 * Holds `channel` with its checked `input` for a second supervisor: one pending request per subject and channel.
 * Also the way a command holds itself when four eyes apply only to some of its calls (an off-band fill).
 */
export function holdForSecond(ctx: CommandContext, channel: Channel, input: unknown, subject: string, summary: string): number {
  const waiting = pendingApproval(ctx.db, subject, channel);
  if (waiting) {
    throw new RuleError('approval_pending', `${waiting.requestedBy} asked at ${formatUtc(waiting.requestedAt)} to ${waiting.summary} (approval ${waiting.id}): confirm or decline that first`);
  }
  return insertApproval(ctx.db, {
    channel,
    payload: JSON.stringify(input),
    subject,
    summary,
    requestedBy: ctx.actor.name,
    requestedAt: ctx.now().toISOString(),
  });
}

/** The command layer's path for a `fourEyes` channel called by a supervisor: checked now, held for a second one. */
export function requestApproval(ctx: CommandContext, channel: Channel, input: unknown): Handled<Channel> {
  const run = handlers[channel as keyof typeof handlers] as Runner;
  const preview = dryRun(ctx.db, () => run(ctx, input));
  const held = describe(ctx.db, channel, input);
  const id = holdForSecond(ctx, channel, input, held.subject, held.summary);
  return {
    output: held.view(ctx.db) as Handled<Channel>['output'],
    journal: { result: { approval: id, status: 'pending', summary: held.summary, wouldDo: preview.journal?.result ?? null } },
  };
}

function loadPending(db: Database, id: number): ApprovalRow {
  const a = getApproval(db, id);
  if (!a) throw new InputError(`no approval ${id}`, { field: 'id' });
  if (a.status !== 'pending') throw new RuleError('not_pending', `approval ${id} was ${a.status} by ${a.decidedBy} at ${formatUtc(a.decidedAt)}`);
  return a;
}

export function confirmApprovalCommand(ctx: CommandContext, input: InputOf<'approvals.confirm'>): Handled<'approvals.confirm'> {
  const { db } = ctx;
  const a = loadPending(db, input.id);
  const me = ctx.actor.name;
  enforce(confirmHeldRule(a, ctx.actor));
  const channel = a.channel as Channel;
  const payload = validate(channel, JSON.parse(a.payload));
  // The command runs as confirmed: it knows who asked, so it neither holds itself again nor forgets the requester.
  const done = (handlers[channel as keyof typeof handlers] as Runner)({ ...ctx, approval: { id: a.id, requestedBy: a.requestedBy } }, payload);
  decideApproval(db, a.id, 'confirmed', me, ctx.now().toISOString(), input.note ?? '');
  return {
    output: approvalView(getApproval(db, a.id)!),
    journal: { result: { approval: a.id, channel, payload, requestedBy: a.requestedBy, confirmedBy: me, result: done.journal?.result ?? done.output } },
  };
}

export function declineApprovalCommand(ctx: CommandContext, input: InputOf<'approvals.decline'>): Handled<'approvals.decline'> {
  const a = loadPending(ctx.db, input.id);
  decideApproval(ctx.db, a.id, 'declined', ctx.actor.name, ctx.now().toISOString(), input.reason);
  const out = approvalView(getApproval(ctx.db, a.id)!);
  return { output: out, journal: { result: { approval: a.id, channel: a.channel, status: 'declined', requestedBy: a.requestedBy, reason: input.reason } } };
}

export function listApprovalsCommand(ctx: CommandContext, input: InputOf<'approvals.list'>): ApprovalView[] {
  return listApprovals(ctx.db, { ...input, limit: input.limit ?? 500 }).map(approvalView);
}
