// The commands that are one channel each (cycle, calls, call, deposit, extend, waive, escalate, explain): their flags,
// usage line and --help come from the channel's input schema in the contract (contractFlags.ts); what is written here
// by hand is only the command's name, its one-line summary, a flag's other name where the CLI has always spelled it
// so, and the table a person reads (the --json form is the channel's output as it is).
import { contract, type Channel, type CycleSummary, type MarginCall } from '../../shared/contract.ts';
import type { FigureTrace } from '../../shared/contractExplain.ts';
import { table } from '../text/table.ts';
import { printTrace } from './explain.ts';
import type { Writer } from './io.ts';
import { flagsOf, helpOf, usageOf, type Flag, type FlagOptions } from './contractFlags.ts';

export interface ChannelCommand {
  /** The word typed after `riskdesk`. */
  name: string;
  channel: Channel;
  summary: string;
  /** A second channel of the same command, run when this returns true of the given flags (escalate --ids). */
  when?: (given: ReadonlySet<string>) => boolean;
  flags: Flag[];
  print(out: Writer, value: unknown): void;
}

function command<C extends Channel>(
  name: string,
  channel: C,
  summary: string,
  print: (out: Writer, value: never) => void,
  options: FlagOptions & { when?: ChannelCommand['when'] } = {},
): ChannelCommand {
  return { name, channel, summary, flags: flagsOf(channel, options), print: print as ChannelCommand['print'], ...(options.when ? { when: options.when } : {}) };
}

const printCall = (out: Writer, r: MarginCall) => out.write(`call ${r.id}: ${r.status}, amount ${r.amount}, deposited ${r.deposited}, due ${r.deadline}\n`);

export const CHANNEL_COMMANDS: readonly ChannelCommand[] = [
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

/** The command `name` for the given flags, or undefined when `name` is not a one-channel command. */
export function channelCommand(name: string, given: ReadonlySet<string>): ChannelCommand | undefined {
  return CHANNEL_COMMANDS.find((c) => c.name === name && (c.when?.(given) ?? true));
}

/** The flags every one-channel command takes besides its channel's. */
export const COMMON_FLAGS = ['db', 'as', 'now', 'json', 'help'] as const;

/** Who runs the command: a change needs a signed-in user; a read runs as the batch actor unless --as is given. */
function signIn(c: ChannelCommand): string {
  return contract[c.channel].mutates ? ' --as USER' : '';
}

/** `riskdesk deposit --db F --id N ... --as USER [--json]`, without the summary. */
export function synopsisOf(c: ChannelCommand): string {
  return `${c.name} --db F ${usageOf(c.flags)}${signIn(c)} [--json]`.replace(/ {2,}/g, ' ');
}

/** The command's line in `riskdesk --help`: its synopsis, then its summary at the usage's column, or below it. */
export function usageLineOf(c: ChannelCommand): string {
  const [name, ...rest] = synopsisOf(c).split(' ');
  const left = `  ${name!.padEnd(8)} ${rest.join(' ')}`;
  const column = 63;
  if (left.length < column - 2) return `${left.padEnd(column - 1)} ${c.summary}`;
  if (left.length + 3 + c.summary.length <= 120) return `${left}   ${c.summary}`;
  return `${left}\n${' '.repeat(column)}${c.summary}`;
}

/** The lines of every one-channel command called `name` (escalate has two). */
export function usageLinesOf(name: string): string {
  return CHANNEL_COMMANDS.filter((c) => c.name === name)
    .map(usageLineOf)
    .join('\n');
}

/** `riskdesk NAME --help`: each form of the command, its channel and least role, and what each flag takes. */
export function commandHelp(name: string): string | undefined {
  const forms = CHANNEL_COMMANDS.filter((c) => c.name === name);
  if (forms.length === 0) return undefined;
  return forms
    .map((c) => {
      const who = contract[c.channel].mutates ? `${contract[c.channel].role} or above, signed in with --as USER` : `${contract[c.channel].role} or above; without --as it runs as the batch reader`;
      const flags = c.flags.length ? `${helpOf(c.flags)}\n` : '';
      return `riskdesk ${synopsisOf(c)}\n  ${c.summary} (channel ${c.channel}: ${who})\n${flags}`;
    })
    .concat('  --db F is the ledger file; --json prints the channel\'s output as JSON; --now ISO runs on a fixed clock (riskdesk --help)')
    .join('\n');
}
