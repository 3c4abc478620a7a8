// `riskdesk` — the command-line door (design.md §5). Thin: it parses arguments, signs the actor in, calls the same
// command layer as the console, and prints a table or JSON. Exit codes: 0 ok, 1 refused by a rule, 2 bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import fs from 'node:fs';
import { dispatchAsync, batchMayRun } from '../commands/dispatch.ts';
import os from 'node:os';
import type { Actor, CommandContext } from '../commands/context.ts';
import { signIn } from '../commands/auth.ts';
import { openLedger, setBusyWait, type Ledger } from '../ledger/db.ts';
import { failureOf } from '../ledger/failures.ts';
import { retryWhileBusy, BUSY_POLICY } from '../commands/busy.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import { UnitError } from '../../shared/units.ts';
import { REFUSALS } from '../../shared/refusals.ts';
import { isChannel, type Channel } from '../../shared/contract.ts';
import type { CliIo } from './io.ts';
import { CHANNEL_COMMANDS, channelCommand, commandHelp, usageLinesOf } from './channelCommands.ts';
import { COMMON_FLAGS, refuseStrayFlags, synopsisOf, type ChannelCommand } from './oneChannel.ts';
import { argsFrom, inputFrom, parseArgsOptions } from './contractFlags.ts';
import { playbookCli } from './playbooks.ts';
import { readPassword } from './password.ts';
import { LOCAL_COMMANDS, localCommand, localHelp, localInput, localUsageLines } from './localCommands.ts';
import { escapeUnsafe, escapeUnsafeJson } from '../../shared/safeText.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import { normaliseTime } from '../../shared/time.ts';

const USAGE = `riskdesk <command> [options]

${localUsageLines('init')}
${localUsageLines('demo')}
${localUsageLines('import')}
${usageLinesOf('cycle')}
${usageLinesOf('calls')}
${usageLinesOf('call')}
${usageLinesOf('deposit')}
${usageLinesOf('extend')}
${usageLinesOf('waive')}
${usageLinesOf('escalate')}
${usageLinesOf('liquidations')}
${usageLinesOf('inbox')}
${usageLinesOf('approvals')}
${usageLinesOf('policies')}
${usageLinesOf('lifecycle')}
  playbook [list] --db F                                       recovery playbooks: the ledger's and the library's
  playbook show|export --db F --playbook ID [--version N] [--to FILE]   a playbook's steps; export writes JSON (YAML to .yaml)
  playbook import FILE.json|.yaml --db F --reason R --as USER  a new version of a playbook (docs/schemas/playbook.schema.json),
                                                               stored when a second supervisor confirms it
  playbook start --db F --playbook ID --mode drill|live [--param NAME=V,...] [--scenario march-2020|may-2021|luna|ftx
           [--speed N]] [--inject stale@M..N,missed-call:MEMBER@M,default:MEMBER@M] --as USER   a drill runs in a copy,
           F.drills/run-N.db, made with the online backup; the live file is only read
  playbook step --db F --run N [--note T] [--outcome O] --as USER   perform or sign off the run's current step
  playbook pause --db F --run N --reason R --as USER | playbook resume --db F --run N --as USER   stop and restart a run's clock
  playbook inject --db F --run N --event default:MEMBER|missed-call:MEMBER|stale:MINUTES --as USER   the drill's conductor
           (who started it) or a supervisor injects an event into a running drill: it happens now, in the sandbox
  playbook abort --db F --run N --reason R --as USER | playbook report --db F --run N [--json] [--export FILE.html|.json|.pdf]
${usageLinesOf('fund')}
${usageLinesOf('automation')}
${usageLinesOf('breakers')}
${usageLinesOf('report')}
${usageLinesOf('explain')}
${localUsageLines('margin')}
${localUsageLines('waterfall')}
${localUsageLines('adl')}
${usageLinesOf('default')}
${usageLinesOf('stress')}
${usageLinesOf('users')}
${usageLinesOf('sessions')}
${usageLinesOf('password')}
${localUsageLines('verify')}
${localUsageLines('checkpoints')}
${localUsageLines('journal')}
${localUsageLines('backup')}
${localUsageLines('bench')}
${localUsageLines('serve')}
  feed     --db F [--as USER] [--file F | --socket P | --port N | --replay F.csv | --daily --days D1..D2] [--speed X]
           market data: NDJSON marks (stdin by default) or a replayed price path into prices.tick (riskdesk feed --help)

--now ISO runs a command on a fixed clock (drills and replays); otherwise the wall clock is used.
--as USER signs in as a desk user; the password comes from RISKDESK_PASSWORD or a prompt. A new password (users create,
reset-password, password) comes from RISKDESK_NEW_PASSWORD or is asked twice; never from an argument. Failed sign-ins
are journalled; repeated ones back off, then lock the user or the source (policy signIn*). Without --as, reads and price
imports run as the batch actor "batch"; every other change (a cycle, any other import) needs a signed-in user.
Checkpoints: every cycle and every verify that passes appends the journal's head (sequence, hash, time), signed with
HMAC-SHA256, to checkpoints.ndjson beside a 0600 key file in $RISKDESK_CONFIG_DIR, else $XDG_CONFIG_HOME/riskdesk, else
~/.config/riskdesk. verify fails when the journal no longer holds an anchored hash (rewritten) or stops before an
anchored entry (its tail deleted).
--confirm sends an amount the server asked about again: a deposit more than 10 times what the call has outstanding, or
a bid larger than 10% of its lot's gross value at the marks, is refused (exit 1, code confirm_required) with the
figures until it is confirmed.
Exit codes: 0 ok, 1 refused by a rule (role, state), 2 bad input.`;

/** The flags every command takes, and those of the command still parsed by hand (playbook). */
const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  as: { type: 'string' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  to: { type: 'string' },
  reason: { type: 'string' },
  note: { type: 'string' },
  playbook: { type: 'string' },
  version: { type: 'string' },
  mode: { type: 'string' },
  param: { type: 'string' },
  scenario: { type: 'string' },
  speed: { type: 'string' },
  inject: { type: 'string' },
  run: { type: 'string' },
  outcome: { type: 'string' },
  event: { type: 'string' },
  export: { type: 'string' },
} satisfies ParseArgsConfig['options'];

type Opts = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * The options parseArgs knows: those above, every flag the one-channel commands take from their channels' schemas
 * (channelCommands.ts) and every flag of the local commands' tables (localCommands.ts). One flag is one type for
 * every command that takes it.
 */
const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = (() => {
  const all: NonNullable<ParseArgsConfig['options']> = { ...OPTIONS };
  const lists = [...CHANNEL_COMMANDS.map((c) => ({ c, flags: [...c.flags, ...c.outputFlags] })), ...LOCAL_COMMANDS.map((c) => ({ c, flags: c.flags }))];
  for (const { c, flags } of lists) {
    for (const [flag, spec] of Object.entries(parseArgsOptions(flags))) {
      const known = all[flag];
      if (known && known.type !== spec.type) throw new Error(`--${flag} is ${known.type} for one command and ${spec.type} for ${c.words.join(' ')}`);
      all[flag] ??= spec;
    }
  }
  return all;
})();

const BATCH: Actor = { name: 'batch', role: 'operator', batch: true };

function need(o: Opts, key: keyof Opts, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new InputError(`--${String(key)} is required: ${what}`);
  return v;
}

function open(o: Opts, at?: string): Ledger {
  const file = at ?? need(o, 'db', 'the ledger file');
  if (!fs.existsSync(file)) throw new InputError(`ledger file not found: ${file} (create one with: riskdesk init --db ${file})`);
  try {
    return openLedger(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw failureOf(e, file) ?? new InputError((e as Error).message);
  }
}

/** One run of the CLI: its options, its io, and the --as user's password once it has been read. */
interface Invocation {
  o: Opts;
  io: CliIo;
  password?: string;
}

async function actorFor(db: Ledger, inv: Invocation, channel: Channel, payload: unknown): Promise<Actor> {
  const { o } = inv;
  if (o.as === undefined) {
    // The command layer decides what the batch actor may do; the door only says how to sign in.
    if (batchMayRun(channel, payload)) return BATCH;
    throw new InputError(`${channel} needs a signed-in user: pass --as USER (password from RISKDESK_PASSWORD or a prompt); without --as the CLI may read and take market data (prices, the feed's marks) only`);
  }
  const password = await passwordOf(inv);
  // The source of a CLI attempt is the machine's user running it: lockout counts their guesses whatever name they try.
  return (await signIn(db, { name: o.as, password, source: `cli:${os.userInfo().username}` }, clock(o))).actor;
}

/** The --as user's password, asked once per run (`riskdesk password` needs it twice: to sign in and to change it). */
async function passwordOf(inv: Invocation): Promise<string> {
  inv.password ??= inv.io.env.RISKDESK_PASSWORD ?? (await readPassword(inv.io, `password for ${inv.o.as}: `));
  return inv.password;
}

/** The wall clock, or a fixed time from --now (drills, replays and tests run on a clock they choose). */
function clock(o: Opts): () => Date {
  if (o.now === undefined) return () => new Date();
  const fixed = new Date(normaliseTime(o.now, 'now'));
  // A fixed clock may replay the past (the journal refuses to go back before its last entry), never the future.
  if (fixed.getTime() > Date.now()) throw new InputError(`--now ${o.now} is in the future`, { field: 'now' });
  return () => fixed;
}

/**
 * A server's clock that starts at `from` and runs at the wall clock's pace (`serve --now`): every command it serves,
 * a cycle from the console included, reads this clock, so deadlines still pass while the console is open.
 */
function runningClock(from: Date): () => Date {
  const offset = from.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

/** Runs a channel against --db, or against `at` (a drill's sandbox beside it), signed in there. */
async function run(channel: Channel, inv: Invocation, payload: unknown, at?: { file: string; sandbox: boolean }): Promise<unknown> {
  const { o } = inv;
  const db = open(o, at?.file);
  try {
    setBusyWait(db, BUSY_POLICY.waitMs);
    const actor = await retryWhileBusy(() => actorFor(db, inv, channel, payload));
    const ctx: CommandContext = { db, actor, now: clock(o), ...(at?.sandbox ? { sandbox: true as const } : {}) };
    const value = await retryWhileBusy(() => dispatchAsync(ctx, channel, payload));
    // Every cycle, and every verify that passed, anchors the journal's head outside the ledger (main/anchor).
    fileAnchor(at?.file ?? need(o, 'db', 'the ledger file'), inv.io.env).after(db, channel, value);
    return value;
  } finally {
    db.close();
  }
}

/**
 * Runs `riskdesk ...argv` with the given io and returns the exit code: 0 ok, 1 refused by a rule, 2 bad input,
 * 3 an internal error (its message and stack on io.stderr). Never throws and never touches the process, so a test
 * runs it in its own process; main/cli/entry.ts binds it to the real one.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await command(argv, io);
  } catch (err) {
    // Busy, disk full, read-only, damaged: one line and its own exit code, whatever raised it.
    const e = failureOf(err) ?? err;
    const code = exitCodeOf(e);
    const msg = escapeUnsafe(e instanceof Error ? e.message : String(e));
    io.stderr.write(`riskdesk: ${code === 3 ? 'internal error: ' : ''}${msg}\n`);
    if (code === 3 && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return code;
  }
}

async function command(argv: string[], io: CliIo): Promise<number> {
  // The feed parses its own options (main/cli/feed.ts).
  if (argv[0] === 'feed') return (await import('./feed.ts')).feedCli(argv.slice(1), io);
  const { values, positionals, tokens } = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  const o = values as Opts;
  const given = new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])));
  const inv: Invocation = { o, io };
  const out = (json: boolean | undefined, value: unknown, human: () => void): void => (json ? writeJson(io, value) : human());
  const [cmd, ...rest] = positionals;
  if (o.help || cmd === undefined || cmd === 'help') {
    // Asked for, the usage is the output; without a command it is the error message (stderr, exit 2).
    if (cmd === undefined && !o.help) {
      io.stderr.write(`${USAGE}\n`);
      return 2;
    }
    // `riskdesk deposit --help` or `riskdesk help deposit`: that command's flags, from its channel's schema.
    const words = cmd === 'help' ? rest : positionals;
    io.stdout.write(`${commandHelp(words) ?? localHelp(words) ?? USAGE}\n`);
    return 0;
  }
  const found = channelCommand(positionals, given);
  if (found) return runChannelCommand(found.command, found.rest, given, inv);
  const mine = localCommand(positionals);
  if (mine) {
    const { command: one, rest: words } = mine;
    const input = localInput(one, words, o as Record<string, string | boolean | undefined>, given);
    return one.run(input, {
      io,
      open: (file) => open(o, file),
      run: (channel, payload) => run(channel, inv, payload),
      now: () => clock(o)(),
      runningClock: () => (o.now === undefined ? undefined : runningClock(clock(o)())),
      out,
    });
  }
  const family = [...CHANNEL_COMMANDS, ...LOCAL_COMMANDS].filter((c) => c.words[0] === cmd);
  if (family.length > 0) {
    const subs = [...new Set(family.map((c) => c.words[1]))].join(', ');
    throw new InputError(rest[0] === undefined ? `${cmd} needs a subcommand: ${subs}` : `unknown ${cmd} subcommand "${rest[0]}": ${subs}`);
  }
  switch (cmd) {
    case 'playbook':
      return playbookCli(
        {
          run: (channel, payload) => run(channel, inv, payload),
          json: o.json === true,
          opt: (key) => o[key as keyof Opts],
          need: (key, what) => need(o, key as keyof Opts, what),
          io,
          db: need(o, 'db', 'the ledger file'),
          runAt: (at, channel, payload) => run(channel, inv, payload, at),
        },
        rest,
      );
    default:
      if (isChannel(cmd)) throw new InputError(`"${cmd}" is a console channel, not a command: see riskdesk --help`);
      throw new InputError(`unknown command "${cmd}": see riskdesk --help`);
  }
}

/** --json output: the value as the channel gave it, with any character that could steer a terminal escaped. */
function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${escapeUnsafeJson(JSON.stringify(value, null, 2))}\n`);
}

/**
 * A one-channel command (oneChannel.ts): its words and flags read as its channel's input, refused before anything
 * runs when a flag is not its channel's; completed (a password asked), run, and printed as a table or as JSON.
 */
async function runChannelCommand(one: ChannelCommand, words: readonly string[], given: ReadonlySet<string>, inv: Invocation): Promise<number> {
  const { o, io } = inv;
  const name = one.words.join(' ');
  const forms = CHANNEL_COMMANDS.filter((c) => c.words.join(' ') === name).map(synopsisOf);
  refuseStrayFlags(name, new Set<string>([...COMMON_FLAGS, ...[...one.flags, ...one.outputFlags].map((f) => f.flag)]), given, forms);
  const read = {
    ...argsFrom(one.args, words, name, synopsisOf(one)),
    ...inputFrom(one.flags, o as Record<string, string | boolean | undefined>, name),
    ...one.fixed,
  };
  const chosen = { ...inputFrom(one.outputFlags, o as Record<string, string | boolean | undefined>, name), json: o.json === true };
  const input = one.complete ? await one.complete(read, { io, as: o.as, password: () => passwordOf(inv) }) : read;
  const r = await run(one.channel, inv, input);
  if (one.write) one.write(io, r, input, chosen);
  else if (o.json) writeJson(io, one.json ? one.json(r) : r);
  else one.print(io.stdout, r, input);
  return 0;
}

/** A refusal's exit code from the one table (shared/refusals.ts); anything else is a bug (3). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof RuleError || e instanceof InputError) return REFUSALS[e.code].exit;
  if (e instanceof UnitError) return REFUSALS.bad_input.exit;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return REFUSALS.bad_input.exit;
  return REFUSALS.internal.exit;
}
