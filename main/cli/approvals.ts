// `riskdesk inbox` and `riskdesk approvals list|confirm|decline`: the decisions that wait for a second person. A
// door: the command layer decides who may take which step. Each form is one channel (oneChannel.ts).
import type { InboxItem } from '../../shared/contract.ts';
import type { ApprovalView } from '../../shared/contractRecovery.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';
import { oneChannel as command, type ChannelCommand } from './oneChannel.ts';

function printInbox(out: Writer, items: InboxItem[]): void {
  if (items.length === 0) return void out.write('nothing waits for a decision\n');
  table(
    out,
    ['kind', 'id', 'asked by', 'at', 'what', 'you'],
    items.map((i) => [i.kind, String(i.id), i.requestedBy, i.requestedAt, i.summary, i.confirm ? `may confirm (${i.confirm.channel})` : (i.why ?? '')]),
  );
}

function printApprovals(out: Writer, rows: ApprovalView[]): void {
  table(
    out,
    ['id', 'status', 'asked by', 'at', 'what', 'decided by'],
    rows.map((a) => [String(a.id), a.status, a.requestedBy, a.requestedAt, a.summary, a.decidedBy ?? '']),
  );
}

const printOne = (out: Writer, a: ApprovalView) => printApprovals(out, [a]);

export const APPROVAL_COMMANDS: readonly ChannelCommand[] = [
  command('inbox', 'inbox.list', 'what waits for your decision, and what you asked others to decide', printInbox, { signedIn: true }),
  command('approvals list', 'approvals.list', 'held for a second supervisor (port, award, assess, allocate, off-band fills)', printApprovals, {
    isDefault: true,
    fields: { status: { default: 'pending' } },
  }),
  command('approvals confirm', 'approvals.confirm', 'run a held command as it was asked (a second, different supervisor)', printOne),
  command('approvals decline', 'approvals.decline', 'decline a held command, or withdraw your own: nothing runs', printOne),
];
