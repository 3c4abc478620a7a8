// `riskdesk inbox` and `riskdesk approvals list|confirm|decline`: the decisions that wait for a second person. A
// door: the command layer decides who may take which step.
import { emit, type CliDoor } from './liquidations.ts';
import type { InboxItem } from '../../shared/contract.ts';
import type { ApprovalView } from '../../shared/contractRecovery.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';
import { InputError } from '../../shared/errors.ts';

export async function inboxCli(door: CliDoor): Promise<number> {
  const items = (await door.run('inbox.list', {})) as InboxItem[];
  emit(door, items, (out) => {
    if (items.length === 0) return void out.write('nothing waits for a decision\n');
    table(
      out,
      ['kind', 'id', 'asked by', 'at', 'what', 'you'],
      items.map((i) => [i.kind, String(i.id), i.requestedBy, i.requestedAt, i.summary, i.confirm ? `may confirm (${i.confirm.channel})` : (i.why ?? '')]),
    );
  });
  return 0;
}

function printApprovals(out: Writer, rows: ApprovalView[]): void {
  table(
    out,
    ['id', 'status', 'asked by', 'at', 'what', 'decided by'],
    rows.map((a) => [String(a.id), a.status, a.requestedBy, a.requestedAt, a.summary, a.decidedBy ?? '']),
  );
}

export async function approvalsCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  if (sub === undefined || sub === 'list') {
    const status = door.opt('status');
    const rows = (await door.run('approvals.list', typeof status === 'string' ? { status } : { status: 'pending' })) as ApprovalView[];
    emit(door, rows, (out) => printApprovals(out, rows));
    return 0;
  }
  let a: ApprovalView;
  if (sub === 'confirm') {
    const note = door.opt('note');
    a = (await door.run('approvals.confirm', { id: door.id(), ...(typeof note === 'string' ? { note } : {}) })) as ApprovalView;
  } else if (sub === 'decline') {
    a = (await door.run('approvals.decline', { id: door.id(), reason: door.need('reason', 'why') })) as ApprovalView;
  } else throw new InputError(`unknown approvals subcommand "${sub}": list, confirm, decline`);
  emit(door, a, (out) => printApprovals(out, [a]));
  return 0;
}
