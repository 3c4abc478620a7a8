// A command that runs one channel: its words (`deposit`, `lifecycle run`), its channel, a one-line summary and the
// table a person reads are written by hand; its flags, usage line and --help come from the channel's input schema
// in the contract (contractFlags.ts). The --json form is the channel's output as it is. A form may take fields as
// words (`policies change KEY VALUE`), fix some (`automation on`), complete others itself (a new password asked at
// the terminal), and declare flags of its output (`report eod --csv`).
import { contract, type Channel } from '../../shared/contract.ts';
import type { CliIo, Writer } from './io.ts';
import { flagsOf, helpOf, usageOf, type Flag, type FlagOptions } from './contractFlags.ts';
import { InputError } from '../../shared/errors.ts';

/** What a command may ask of its run besides its flags: the terminal (a new password) and the sign-in. */
export interface RunContext {
  io: CliIo;
  /** The --as user, if given. */
  as: string | undefined;
  /** The --as user's password, asked once per run. */
  password(): Promise<string>;
}

export interface ChannelCommand extends Form {
  /** The words typed after `riskdesk` (`deposit`, or a family's `lifecycle run`). */
  words: readonly string[];
  channel: Channel;
  summary: string;
  /** The family's form run when no subcommand is given (`riskdesk lifecycle` is `lifecycle overview`). */
  isDefault?: boolean;
  /** Which of a command's forms runs, by the flags given (escalate --id or --ids). */
  when?: (given: ReadonlySet<string>) => boolean;
  flags: Flag[];
  /** Fields given as words after the command (`policies change KEY VALUE`), in order. */
  args: Flag[];
  /** Fields the command fills itself (a fixed value, a password asked at the terminal): no flag spells them. */
  filled: readonly string[];
  /** The form's fixed values (`automation on` is enabled: true). */
  fixed?: Readonly<Record<string, unknown>>;
  /** Completes the input read from the flags before it is sent (a password asked, a default that rests on others). */
  complete?: (input: Record<string, unknown>, run: RunContext) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Shows a least privilege the channel does not: the command means "for the --as user" (`inbox`). */
  signedIn?: boolean;
  /** The --json form when it is not the channel's whole output (`sessions` prints the sessions of the users view). */
  json?: (value: unknown) => unknown;
  /** The output as a person reads it; `input` is what the channel was given (the fund a history is of). */
  print(out: Writer, value: unknown, input: Record<string, unknown>): void;
  /** Flags of the output, not of the channel (report --csv, --export FILE): shown and parsed with the others. */
  outputFlags: Flag[];
  /** Writes the output when the command has output flags: `chosen` holds them, and --json. */
  write?: (io: CliIo, value: unknown, input: Record<string, unknown>, chosen: Record<string, unknown>) => void;
}

export interface CommandOptions extends FlagOptions {
  isDefault?: boolean;
  when?: ChannelCommand['when'];
  /** Fields read from the words after the command, in this order. */
  args?: readonly string[];
  fixed?: ChannelCommand['fixed'];
  /** Fields `complete` fills (left out of the flags). */
  fills?: readonly string[];
  complete?: ChannelCommand['complete'];
  signedIn?: boolean;
  json?: ChannelCommand['json'];
  /** Output flags and the writer that honours them. */
  output?: { flags: Flag[]; write: NonNullable<ChannelCommand['write']> };
}

export function oneChannel<C extends Channel>(
  words: string,
  channel: C,
  summary: string,
  print: (out: Writer, value: never, input: never) => void,
  options: CommandOptions = {},
): ChannelCommand {
  const filled = [...(options.fills ?? []), ...Object.keys(options.fixed ?? {})];
  const all = flagsOf(channel, { ...options, omit: [...(options.omit ?? []), ...filled] });
  const args = (options.args ?? []).map((field) => {
    const arg = all.find((f) => f.field === field);
    if (!arg) throw new Error(`${words}: ${channel} has no field ${field}`);
    return arg;
  });
  return {
    words: words.split(' '),
    channel,
    summary,
    flags: all.filter((f) => !args.includes(f)),
    args,
    filled,
    outputFlags: options.output?.flags ?? [],
    ...(options.output ? { write: options.output.write } : {}),
    print: print as ChannelCommand['print'],
    ...(options.when ? { when: options.when } : {}),
    ...(options.isDefault ? { isDefault: true } : {}),
    ...(options.fixed ? { fixed: options.fixed } : {}),
    ...(options.complete ? { complete: options.complete } : {}),
    ...(options.signedIn ? { signedIn: true } : {}),
    ...(options.json ? { json: options.json } : {}),
  };
}

/** The flags every one-channel command takes besides its channel's. */
export const COMMON_FLAGS = ['db', 'as', 'now', 'json', 'help'] as const;

/** What names a form of a command: its words, whether it runs when its family is named alone, which flags pick it. */
export interface Form {
  words: readonly string[];
  isDefault?: boolean;
  when?: (given: ReadonlySet<string>) => boolean;
}

/** The command the words and flags name, and the words left after it; undefined when none of these is named. */
export function findCommand<T extends Form>(commands: readonly T[], words: readonly string[], given: ReadonlySet<string>): { command: T; rest: string[] } | undefined {
  const fits = (c: T) => c.when?.(given) ?? true;
  const [first, second, ...after] = words;
  const family = commands.filter((c) => c.words[0] === first);
  const sub = family.find((c) => c.words.length === 2 && c.words[1] === second && fits(c));
  if (sub) return { command: sub, rest: after };
  const one = family.find((c) => c.words.length === 1 && fits(c));
  if (one) return { command: one, rest: words.slice(1) };
  const byDefault = family.find((c) => c.isDefault && fits(c));
  return byDefault && second === undefined ? { command: byDefault, rest: [] } : undefined;
}

/** The forms `riskdesk NAME [SUB] --help` is about: the one sub-command named, else the whole family. */
export function formsNamed<T extends Form>(commands: readonly T[], words: readonly string[]): T[] {
  const family = commands.filter((c) => c.words[0] === words[0]);
  return family.some((c) => c.words[1] === words[1]) ? family.filter((c) => c.words[1] === words[1]) : family;
}

/** The form's words as a usage line writes them: a family's default form with its word in brackets. */
export function formWords(c: Form): string[] {
  return c.isDefault ? [c.words[0]!, `[${c.words[1]}]`] : [...c.words];
}

/** Refuses, before anything runs, a flag the command does not take, naming it and the command's forms. */
export function refuseStrayFlags(name: string, takes: ReadonlySet<string>, given: ReadonlySet<string>, forms: readonly string[]): void {
  const stray = [...given].filter((f) => !takes.has(f));
  if (stray.length > 0) throw new InputError(`${name} does not take ${stray.map((f) => `--${f}`).join(', ')}: ${forms.map((f) => `riskdesk ${f}`).join(' | ')}`);
}

/**
 * Who runs the command: a change, or a read above an operator's (users, sessions), needs a signed-in user; any other
 * read runs as the batch actor unless --as is given.
 */
function needsSignIn(c: ChannelCommand): boolean {
  const { mutates, role } = contract[c.channel];
  return mutates || c.signedIn === true || role === 'supervisor' || role === 'admin';
}

function signIn(c: ChannelCommand): string {
  return needsSignIn(c) ? ' --as USER' : '';
}

/** `deposit --db F --id N ... --as USER [--json]` (a family's default form with its word in brackets). */
export function synopsisOf(c: ChannelCommand): string {
  const args = c.args.map((a) => (a.required ? a.placeholder : `[${a.placeholder}]`));
  return `${[...formWords(c), ...args].join(' ')} --db F ${usageOf(c.flags)}${signIn(c)} [--json] ${usageOf(c.outputFlags)}`.replace(/ {2,}/g, ' ').trim();
}

/** A command's line in `riskdesk --help`: its synopsis, then its summary at the usage's column, or below it. */
export function usageLine(synopsis: string, summary: string): string {
  const [name, ...rest] = synopsis.split(' ');
  const left = `  ${name!.padEnd(8)} ${rest.join(' ')}`;
  const column = 63;
  if (left.length < column - 2) return `${left.padEnd(column - 1)} ${summary}`;
  if (left.length + 3 + summary.length <= 120) return `${left}   ${summary}`;
  return `${left}\n${' '.repeat(column)}${summary}`;
}

const usageLineOf = (c: ChannelCommand) => usageLine(synopsisOf(c), c.summary);

/** The usage lines of every form of the command or family `name` (escalate has two; lifecycle five). */
export function usageLinesOf(commands: readonly ChannelCommand[], name: string): string {
  const lines = commands.filter((c) => c.words[0] === name).map(usageLineOf);
  if (lines.length === 0) throw new Error(`no one-channel command ${name}`);
  return lines.join('\n');
}

/** `riskdesk NAME [SUB] --help`: each form named, its channel and least role, and what each flag takes. */
export function commandHelp(commands: readonly ChannelCommand[], words: readonly string[]): string | undefined {
  const forms = formsNamed(commands, words);
  if (forms.length === 0) return undefined;
  return forms
    .map((c) => {
      const { role } = contract[c.channel];
      const who = needsSignIn(c) ? `${role} or above, signed in with --as USER` : `${role} or above; without --as it runs as the batch reader`;
      const flags = c.args.length + c.flags.length + c.outputFlags.length ? `${helpOf([...c.flags, ...c.outputFlags], c.args)}\n` : '';
      return `riskdesk ${synopsisOf(c)}\n  ${c.summary} (channel ${c.channel}: ${who})\n${flags}`;
    })
    .concat("  --db F is the ledger file; --json prints the channel's output as JSON; --now ISO runs on a fixed clock (riskdesk --help)")
    .join('\n');
}
