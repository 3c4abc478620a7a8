// A command that runs one channel: its words (`deposit`, `lifecycle run`), its channel, a one-line summary and the
// table a person reads are written by hand; its flags, usage line and --help come from the channel's input schema
// in the contract (contractFlags.ts). The --json form is the channel's output as it is.
import { contract, type Channel } from '../../shared/contract.ts';
import type { Writer } from './io.ts';
import { flagsOf, helpOf, usageOf, type Flag, type FlagOptions } from './contractFlags.ts';

export interface ChannelCommand {
  /** The words typed after `riskdesk` (`deposit`, or a family's `lifecycle run`). */
  words: readonly string[];
  channel: Channel;
  summary: string;
  /** The family's form run when no subcommand is given (`riskdesk lifecycle` is `lifecycle overview`). */
  isDefault?: boolean;
  /** Which of a command's forms runs, by the flags given (escalate --id or --ids). */
  when?: (given: ReadonlySet<string>) => boolean;
  flags: Flag[];
  /** The output as a person reads it; `input` is what the channel was given (the fund a history is of). */
  print(out: Writer, value: unknown, input: Record<string, unknown>): void;
}

export interface CommandOptions extends FlagOptions {
  isDefault?: boolean;
  when?: ChannelCommand['when'];
}

export function oneChannel<C extends Channel>(
  words: string,
  channel: C,
  summary: string,
  print: (out: Writer, value: never, input: never) => void,
  options: CommandOptions = {},
): ChannelCommand {
  return {
    words: words.split(' '),
    channel,
    summary,
    flags: flagsOf(channel, options),
    print: print as ChannelCommand['print'],
    ...(options.when ? { when: options.when } : {}),
    ...(options.isDefault ? { isDefault: true } : {}),
  };
}

/** The flags every one-channel command takes besides its channel's. */
export const COMMON_FLAGS = ['db', 'as', 'now', 'json', 'help'] as const;

/** The command the words and flags name, and the words left after it; undefined when none of these is named. */
export function findCommand(
  commands: readonly ChannelCommand[],
  words: readonly string[],
  given: ReadonlySet<string>,
): { command: ChannelCommand; rest: string[] } | undefined {
  const fits = (c: ChannelCommand) => c.when?.(given) ?? true;
  const [first, second, ...after] = words;
  const family = commands.filter((c) => c.words[0] === first);
  const sub = family.find((c) => c.words.length === 2 && c.words[1] === second && fits(c));
  if (sub) return { command: sub, rest: after };
  const one = family.find((c) => c.words.length === 1 && fits(c));
  if (one) return { command: one, rest: words.slice(1) };
  const byDefault = family.find((c) => c.isDefault && fits(c));
  return byDefault && second === undefined ? { command: byDefault, rest: [] } : undefined;
}

/** Who runs the command: a change needs a signed-in user; a read runs as the batch actor unless --as is given. */
function signIn(c: ChannelCommand): string {
  return contract[c.channel].mutates ? ' --as USER' : '';
}

/** `deposit --db F --id N ... --as USER [--json]` (a family's default form with its word in brackets). */
export function synopsisOf(c: ChannelCommand): string {
  const words = c.isDefault ? [c.words[0], `[${c.words[1]}]`] : c.words;
  return `${words.join(' ')} --db F ${usageOf(c.flags)}${signIn(c)} [--json]`.replace(/ {2,}/g, ' ');
}

/** The command's line in `riskdesk --help`: its synopsis, then its summary at the usage's column, or below it. */
function usageLineOf(c: ChannelCommand): string {
  const [name, ...rest] = synopsisOf(c).split(' ');
  const left = `  ${name!.padEnd(8)} ${rest.join(' ')}`;
  const column = 63;
  if (left.length < column - 2) return `${left.padEnd(column - 1)} ${c.summary}`;
  if (left.length + 3 + c.summary.length <= 120) return `${left}   ${c.summary}`;
  return `${left}\n${' '.repeat(column)}${c.summary}`;
}

/** The usage lines of every form of the command or family `name` (escalate has two; lifecycle five). */
export function usageLinesOf(commands: readonly ChannelCommand[], name: string): string {
  const lines = commands.filter((c) => c.words[0] === name).map(usageLineOf);
  if (lines.length === 0) throw new Error(`no one-channel command ${name}`);
  return lines.join('\n');
}

/** `riskdesk NAME [SUB] --help`: each form named, its channel and least role, and what each flag takes. */
export function commandHelp(commands: readonly ChannelCommand[], words: readonly string[]): string | undefined {
  const family = commands.filter((c) => c.words[0] === words[0]);
  const forms = family.some((c) => c.words[1] === words[1]) ? family.filter((c) => c.words[1] === words[1]) : family;
  if (forms.length === 0) return undefined;
  return forms
    .map((c) => {
      const { role, mutates } = contract[c.channel];
      const who = mutates ? `${role} or above, signed in with --as USER` : `${role} or above; without --as it runs as the batch reader`;
      const flags = c.flags.length ? `${helpOf(c.flags)}\n` : '';
      return `riskdesk ${synopsisOf(c)}\n  ${c.summary} (channel ${c.channel}: ${who})\n${flags}`;
    })
    .concat("  --db F is the ledger file; --json prints the channel's output as JSON; --now ISO runs on a fixed clock (riskdesk --help)")
    .join('\n');
}
