// Every command of the CLI that runs one channel: the calls desk's here (cycle, calls, call, deposit, extend, waive,
// escalate, explain); the liquidation desk's, approvals', policies', the lifecycle's, the fund's, default management's,
// stress's, user administration's and the reports' from their files. Their flags, usage lines and --help come from
// the channels' input schemas (oneChannel.ts, contractFlags.ts); written here by hand are only each command's words,
// summary, a flag's other name where the CLI has always spelled it so, and the table a person reads.
import type { CycleSummary, MarginCall } from '../../shared/contract.ts';
import type { FigureTrace } from '../../shared/contractExplain.ts';
import { table } from '../text/table.ts';
import { printTrace } from './explain.ts';
import type { Writer } from './io.ts';
import { oneChannel as command, findCommand, usageLinesOf as oneChannelUsage, commandHelp as oneChannelHelp, type ChannelCommand } from './oneChannel.ts';
import { LIFECYCLE_COMMANDS } from './lifecycle.ts';
import { FUND_COMMANDS } from './fund.ts';
import { LIQUIDATION_COMMANDS } from './liquidations.ts';
import { APPROVAL_COMMANDS } from './approvals.ts';
import { POLICY_COMMANDS } from './policies.ts';
import { USER_COMMANDS } from './users.ts';
import { RECOVERY_COMMANDS } from './recovery.ts';
import { REPORT_COMMANDS } from './report.ts';

const printCall = (out: Writer, r: MarginCall) => out.write(`call ${r.id}: ${r.status}, amount ${r.amount}, deposited ${r.deposited}, due ${r.deadline}\n`);

const CALL_COMMANDS: readonly ChannelCommand[] = [
  command('cycle', 'cycle.run', 'run a margin cycle', (out, r: CycleSummary) => {
    out.write(`cycle ${r.cycle} as of ${r.asOf}: ${r.accounts} accounts in ${r.ms} ms\n`);
    table(out, ['status', 'accounts'], Object.entries(r.statuses).map(([k, v]) => [k, String(v)]));
    table(out, ['calls', 'count'], Object.entries(r.calls).map(([k, v]) => [k, String(v)]));
    table(out, ['total', 'USD'], Object.entries(r.totals).map(([k, v]) => [k, v]));
  }),
  command('calls', 'calls.list', 'list margin calls', (out, r: MarginCall[]) =>
    table(
      out,
      ['id', 'account', 'member', 'amount', 'deposited', 'outstanding', 'deadline', 'status'],
      r.map((c) => [String(c.id), c.account, c.member, c.amount, c.deposited, c.outstanding, c.deadline, c.status]),
      [3, 4, 5],
    ),
  ),
  command('call', 'calls.get', 'one call with its history', (out, r: MarginCall) => {
    out.write(`call ${r.id} on ${r.account}: ${r.amount} (deposited ${r.deposited}), ${r.status}, due ${r.deadline}\n`);
    table(out, ['at', 'actor', 'event', 'amount', 'note'], (r.history ?? []).map((e) => [e.at, e.actor, e.kind, e.amount ?? '', e.note]));
  }),
  command('deposit', 'calls.deposit', 'record a cash deposit against a call', printCall, {
    fields: { confirm: { means: 'send again a deposit the server asked about (far above the call: confirm_required)' } },
  }),
  command('extend', 'calls.extend', "extend a call's deadline (supervisor)", printCall),
  command('waive', 'calls.waive', 'waive a call (supervisor)', printCall),
  command('escalate', 'calls.escalate', 'escalate an overdue call', printCall, { when: (given) => !given.has('ids') }),
  command(
    'escalate',
    'calls.escalateMany',
    'escalate overdue calls with one reason, all or none',
    (out, r: MarginCall[]) => out.write(`${r.length} call${r.length === 1 ? '' : 's'} escalated: ${r.map((c) => c.id).join(', ')}\n`),
    { when: (given) => given.has('ids') },
  ),
  command('explain', 'explain.figure', "a figure's trace: formula, inputs and sources, every intermediate value", (out, r: FigureTrace) => printTrace(out, r), {
    // The CLI has always called the instrument of the position whose figure is traced --position.
    fields: { instrument: { flag: 'position', placeholder: 'I', means: "the position's instrument (for a position's figure)" } },
  }),
];

export const CHANNEL_COMMANDS: readonly ChannelCommand[] = [
  ...CALL_COMMANDS,
  ...LIQUIDATION_COMMANDS,
  ...APPROVAL_COMMANDS,
  ...POLICY_COMMANDS,
  ...LIFECYCLE_COMMANDS,
  ...FUND_COMMANDS,
  ...RECOVERY_COMMANDS,
  ...USER_COMMANDS,
  ...REPORT_COMMANDS,
];

/** The command the words and flags name (channelCommands' findCommand over every one-channel command). */
export function channelCommand(words: readonly string[], given: ReadonlySet<string>) {
  return findCommand(CHANNEL_COMMANDS, words, given);
}

export const usageLinesOf = (name: string) => oneChannelUsage(CHANNEL_COMMANDS, name);
export const commandHelp = (words: readonly string[]) => oneChannelHelp(CHANNEL_COMMANDS, words);
