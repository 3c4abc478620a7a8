// `riskdesk` — the command-line door (design.md §5). Thin: it parses arguments, signs the actor in, calls the same
// command layer as the console, and prints a table or JSON. Exit codes: 0 ok, 1 refused by a rule, 2 bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
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
import { isChannel, IMPORT_KINDS, type Channel } from '../../shared/contract.ts';
import type { CliIo } from './io.ts';
import { initCommand, demoCommand } from './init.ts';
import { whatIfCommand } from './whatIf.ts';
import { CHANNEL_COMMANDS, channelCommand, commandHelp, usageLinesOf } from './channelCommands.ts';
import { COMMON_FLAGS, synopsisOf } from './oneChannel.ts';
import { inputFrom, parseArgsOptions } from './contractFlags.ts';
import { usersCli, sessionsCli, passwordCli } from './users.ts';
import { liquidationsCli, automationCli, breakersCli, type CliDoor } from './liquidations.ts';
import { waterfallCommand, adlCommand, defaultCli, stressCli } from './recovery.ts';
import { backupLedger } from '../ledger/backup.ts';
import { inboxCli, approvalsCli } from './approvals.ts';
import { policiesCli } from './policies.ts';
import { playbookCli } from './playbooks.ts';
import { reportCli } from './report.ts';
import { exportJournal } from '../ledger/journal.ts';
import { readPassword } from './password.ts';
import { decodeCsv } from '../csv/encoding.ts';
import { escapeUnsafe, escapeUnsafeJson } from '../../shared/safeText.ts';
import { verifyCli, checkpointsCli } from './integrity.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import { normaliseTime } from '../../shared/time.ts';

const USAGE = `riskdesk <command> [options]

  init     --db F [--demo] [--accounts N] [--seed S] [--at ISO] [--admin NAME]   create a ledger: the demo book with
           its demo users, or an empty one whose first admin (default "admin") gets the password in
           RISKDESK_ADMIN_PASSWORD, or asked twice at the terminal
  demo     [--db F] [--accounts N]                             create the demo book if missing, run a cycle, print it
  import   --db F KIND FILE.csv [--as USER]                    KIND: ${IMPORT_KINDS.join(', ')}
${usageLinesOf('cycle')}
${usageLinesOf('calls')}
${usageLinesOf('call')}
${usageLinesOf('deposit')}
${usageLinesOf('extend')}
${usageLinesOf('waive')}
${usageLinesOf('escalate')}
  liquidations --db F [--status S] [--account A] [--json]     live liquidation proposals (or those in status S)
  liquidations show|approve|reject|hold|release --db F --id N [--orders I=Q,...] [--reason R] [--note T] --as USER
  liquidations fill --db F --id N --instrument I --quantity Q (--price P | --simulate) --as USER
  inbox    --db F --as USER [--json]                           what waits for your decision, and what you asked others to decide
  approvals [list] --db F [--status pending|confirmed|declined] held for a second supervisor (port, award, assess, allocate, off-band fills)
  approvals confirm|decline --db F --id N [--note T | --reason R] --as USER
  policies [list] --db F                                       every policy value, its unit, version and last change
${usageLinesOf('lifecycle')}
  policies history KEY --db F                                  one key's confirmed changes
  policies change KEY VALUE --db F --reason R --as USER        a new value (supervisor); a second supervisor confirms it
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
  automation [status|on|off] --db F [--scope global|instrument|account] [--target T] --reason R --as USER
  breakers reset --db F --instrument I --reason R --as USER    reset a tripped circuit breaker (supervisor)
  report   overrides --db F --from ISO --to ISO [--json|--csv]   who overrode the engine, what, why, the automatic
           alternative and both outcomes costed side by side
  report   eod --db F --day YYYY-MM-DD [--json|--csv|--export FILE.html|.pdf|.csv|.json]   the end-of-day risk report
${usageLinesOf('explain')}
  margin   --input FILE.json [--json]                          what-if margin of a standalone portfolio
  waterfall --input FILE.json [--json]                         default waterfall of a standalone case
  adl      --input FILE.json [--json]                          auto-deleveraging queue of a bankrupt position
  default  [list|show|members] --db F [--case N] [--json]      default cases and member standing
  default  declare|suspend|reinstate --db F --member M --reason R --as USER   (declare: a second supervisor confirms)
  default  confirm|withdraw|close-out|award|waterfall --db F --case N [--reason R] [--note T] --as USER
  default  port --db F --case N --account A1,A2 --to M --as USER            port healthy client accounts
  default  bid --db F --case N --member M --lot *|UNDERLYING --amount X [--confirm] --as USER
  default  assess --db F --case N --due ISO --as USER           trigger the assessments of a case's waterfall
  default  assessments|review|pay --db F [--id N --amount X] [--as USER]    list, mark overdue (-> watch), pay
  default  compare|allocate --db F --case N --tools T1,T2 [--vs T3,T4] [--as USER]   recovery tools
  default  layouts --db F --case N --vs adl[,socialisedLoss] [--tools T1,T2] [--json]   a closed-out default laid out as
           the CCP waterfall (then --tools) beside a crypto venue's (margin, insurance fund, then --vs), side by side
  default  replenish --db F --member M --amount X --as USER    replenish a default-fund contribution
  stress   [run|scenarios] --db F [--scenario S1,S2] [--json]  stress test: per-member uncovered loss, Cover-1/2
  users    [list] --db F --as ADMIN                              users, their state and the grants waiting for a second admin
  users    create --db F --name U --role R [--reason T] --as ADMIN   a new user, who changes the password at first sign-in
  users    reset-password|disable|enable --db F --name U --reason T --as ADMIN   (ends the user's sessions)
  users    role --db F --name U --role R --reason T --as ADMIN    supervisor or admin: a grant a second admin confirms
  users    confirm-grant|decline-grant --db F --grant N [--note T | --reason T] --as ADMIN
  sessions [list] | revoke --session N --reason T --db F --as ADMIN   open console sessions; end one at once
  password --db F --as USER                                    change your own password
  verify   --db F [--deep] [--json]                            verify the journal's hash chain; --deep also rebuilds the
                                                               ledger by replaying the journal into a fresh one and
                                                               names the first table, key and column where the file
                                                               differs (exit 1)
  checkpoints [list] --db F [--json]                           the ledger's signed checkpoints and whether its chain matches them
  checkpoints export --to F [--db F]                           copy the checkpoints (of one ledger, or all) to keep elsewhere
  journal  --db F [--to FILE]                                  export the journal as NDJSON
  backup   --db F --to F2                                      online backup of the ledger
  bench    [--json] [--accounts N] [--rounds R]                engine and ledger benchmarks
  serve    --db F [--port P] [--demo-if-missing] [--feed FILE] [--feed-socket PATH|PORT]   browser mode: the console on
           127.0.0.1 with a token URL; --feed follows a file of NDJSON marks, --feed-socket takes them on a local socket
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

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  demo: { type: 'boolean', default: false },
  accounts: { type: 'string' },
  seed: { type: 'string' },
  at: { type: 'string' },
  as: { type: 'string' },
  status: { type: 'string' },
  account: { type: 'string' },
  id: { type: 'string' },
  amount: { type: 'string' },
  note: { type: 'string' },
  reason: { type: 'string' },
  input: { type: 'string' },
  to: { type: 'string' },
  rounds: { type: 'string' },
  now: { type: 'string' },
  port: { type: 'string' },
  orders: { type: 'string' },
  instrument: { type: 'string' },
  quantity: { type: 'string' },
  price: { type: 'string' },
  simulate: { type: 'boolean', default: false },
  confirm: { type: 'boolean', default: false },
  deep: { type: 'boolean', default: false },
  scope: { type: 'string' },
  target: { type: 'string' },
  'demo-if-missing': { type: 'boolean', default: false },
  feed: { type: 'string' },
  'feed-socket': { type: 'string' },
  member: { type: 'string' },
  case: { type: 'string' },
  lot: { type: 'string' },
  due: { type: 'string' },
  tools: { type: 'string' },
  vs: { type: 'string' },
  scenario: { type: 'string' },
  admin: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  grant: { type: 'string' },
  session: { type: 'string' },
  playbook: { type: 'string' },
  mode: { type: 'string' },
  param: { type: 'string' },
  outcome: { type: 'string' },
  version: { type: 'string' },
  run: { type: 'string' },
  export: { type: 'string' },
  from: { type: 'string' },
  day: { type: 'string' },
  csv: { type: 'boolean', default: false },
  speed: { type: 'string' },
  inject: { type: 'string' },
  event: { type: 'string' },
  fund: { type: 'string' },
  limit: { type: 'string' },
  shortfall: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

type Opts = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * The options parseArgs knows: the hand-wired commands' above, and every flag the one-channel commands take from
 * their channels' schemas (channelCommands.ts). One flag is one type for every command that takes it.
 */
const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = (() => {
  const all: NonNullable<ParseArgsConfig['options']> = { ...OPTIONS };
  for (const c of CHANNEL_COMMANDS) {
    for (const [flag, spec] of Object.entries(parseArgsOptions(c.flags))) {
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

function intOpt(o: Opts, key: keyof Opts, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new InputError(`--${String(key)} must be a whole number`);
  return Number(v);
}

/** A positive whole number given in plain digits (Number() would also take "0x10", "1e3" or " 7"). */
function idOpt(o: Opts): number {
  const v = need(o, 'id', 'the id');
  if (!/^[1-9]\d{0,15}$/.test(v)) throw new InputError(`--id must be an id (a positive whole number), not "${v}"`, { field: 'id' });
  return Number(v);
}

/** A time with its zone (shared/time.ts), refused here so that init never creates a file for a bad one. */
function timeOpt(o: Opts, key: 'at'): string | undefined {
  const v = o[key];
  return v === undefined ? undefined : normaliseTime(v, key);
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
  const out = (value: unknown, human: () => void): void => {
    if (o.json) io.stdout.write(`${escapeUnsafeJson(JSON.stringify(value, null, 2))}\n`);
    else human();
  };
  const [cmd, ...rest] = positionals;
  if (o.help || cmd === undefined || cmd === 'help') {
    // Asked for, the usage is the output; without a command it is the error message (stderr, exit 2).
    if (cmd === undefined && !o.help) {
      io.stderr.write(`${USAGE}\n`);
      return 2;
    }
    // `riskdesk deposit --help` or `riskdesk help deposit`: that command's flags, from its channel's schema.
    const one = commandHelp(cmd === 'help' ? rest : positionals);
    io.stdout.write(`${one ?? USAGE}\n`);
    return 0;
  }
  const found = channelCommand(positionals, given);
  if (found) {
    const { command: one } = found;
    const name = one.words.join(' ');
    const takes = new Set<string>([...COMMON_FLAGS, ...one.flags.map((f) => f.flag)]);
    const stray = [...given].filter((f) => !takes.has(f));
    if (stray.length > 0) {
      const forms = CHANNEL_COMMANDS.filter((c) => c.words.join(' ') === name).map((c) => `riskdesk ${synopsisOf(c)}`);
      throw new InputError(`${name} does not take ${stray.map((f) => `--${f}`).join(', ')}: ${forms.join(' | ')}`);
    }
    if (found.rest.length > 0) throw new InputError(`${name} takes flags only, not "${found.rest.join(' ')}": riskdesk ${synopsisOf(one)}`);
    const input = inputFrom(one.flags, o as Record<string, string | boolean | undefined>, name);
    const r = await run(one.channel, inv, input);
    out(r, () => one.print(io.stdout, r, input));
    return 0;
  }
  if (CHANNEL_COMMANDS.some((c) => c.words[0] === cmd)) {
    const subs = CHANNEL_COMMANDS.filter((c) => c.words[0] === cmd).map((c) => c.words[1]);
    throw new InputError(`unknown ${cmd} subcommand "${rest[0]}": ${subs.join(', ')}`);
  }
  const id = () => idOpt(o);
  switch (cmd) {
    case 'init':
      return initCommand(io, need(o, 'db', 'the ledger file to create'), clock(o)(), {
        demo: o.demo === true,
        ...(o.admin !== undefined ? { admin: o.admin } : {}),
        accounts: intOpt(o, 'accounts', 3000),
        seed: intOpt(o, 'seed', 1),
        json: o.json === true,
        ...(o.at !== undefined ? { at: timeOpt(o, 'at')! } : {}),
      });
    case 'demo':
      return demoCommand(io, o.db ?? 'riskdesk-demo.db', intOpt(o, 'accounts', 3000), o.json === true);
    case 'import': {
      const [kind, file] = rest;
      if (!kind || !file) throw new InputError('usage: riskdesk import --db F KIND FILE.csv');
      if (!fs.existsSync(file)) throw new InputError(`file not found: ${file}`);
      if (!fs.statSync(file).isFile()) throw new InputError(`not a file: ${file}`);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (e) {
        throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const r = await run('import.csv', inv, { kind, file, text: decodeCsv(bytes, file) });
      out(r, () => io.stdout.write(`imported ${(r as { rows: number }).rows} ${kind} rows from ${file}\n`));
      return 0;
    }
    case 'report':
      return reportCli(rest[0], {
        run: (channel, payload) => run(channel, inv, payload),
        opt: (name) => o[name],
        json: o.json === true,
        csv: o.csv === true,
        io,
      });
    case 'users':
    case 'sessions':
    case 'password':
    case 'liquidations':
    case 'automation':
    case 'breakers':
    case 'default':
    case 'stress':
    case 'inbox':
    case 'approvals':
    case 'policies':
    case 'playbook': {
      const door: CliDoor = {
        run: (channel, payload) => run(channel, inv, payload),
        json: o.json === true,
        opt: (key) => o[key as keyof Opts],
        need: (key, what) => need(o, key as keyof Opts, what),
        id,
        io,
      };
      if (cmd === 'users') return usersCli(door, rest);
      if (cmd === 'sessions') return sessionsCli(door, rest);
      if (cmd === 'password') return passwordCli(door, await passwordOf(inv), need(o, 'as', 'the user whose password changes'));
      if (cmd === 'liquidations') return liquidationsCli(door, rest);
      if (cmd === 'inbox') return inboxCli(door);
      if (cmd === 'approvals') return approvalsCli(door, rest);
      if (cmd === 'policies') return policiesCli(door, rest);
      if (cmd === 'playbook') return playbookCli({ ...door, db: need(o, 'db', 'the ledger file'), runAt: (at, channel, payload) => run(channel, inv, payload, at) }, rest);
      if (cmd === 'default' || cmd === 'stress') return cmd === 'default' ? defaultCli(door, rest) : stressCli(door, rest);
      return cmd === 'automation' ? automationCli(door, rest) : breakersCli(door, rest);
    }
    case 'margin':
      return whatIfCommand(io.stdout, need(o, 'input', 'the portfolio JSON file'), o.json === true);
    case 'waterfall':
      return waterfallCommand(io.stdout, need(o, 'input', 'the default case JSON file'), o.json === true);
    case 'adl':
      return adlCommand(io.stdout, need(o, 'input', 'the ADL case JSON file'), o.json === true);
    case 'verify':
      return verifyCli({ db: need(o, 'db', 'the ledger file'), json: o.json === true, run: (channel) => run(channel, inv, {}), open: () => open(o), io }, o.deep === true);
    case 'checkpoints':
      return checkpointsCli({ db: o.db, to: o.to, json: o.json === true, open: () => open(o), io }, rest);
    case 'journal': {
      const db = open(o);
      try {
        if (o.to === undefined) {
          exportJournal(db, (line) => void io.stdout.write(`${line}\n`));
          return 0;
        }
        let fd: number;
        try {
          fd = fs.openSync(o.to, 'wx', 0o600);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new InputError(`${o.to} already exists: journal --to never overwrites a file`);
          throw new InputError(`cannot create ${o.to}: ${(e as Error).message}`);
        }
        let entries: number;
        try {
          ({ entries } = exportJournal(db, (line) => fs.writeSync(fd, `${line}\n`)));
          fs.fsyncSync(fd);
        } catch (e) {
          fs.closeSync(fd);
          fs.rmSync(o.to, { force: true }); // never leave a partial export under the asked-for name
          throw e;
        }
        fs.closeSync(fd);
        io.stderr.write(`exported ${entries} journal entries to ${o.to}\n`);
      } finally {
        db.close();
      }
      return 0;
    }
    case 'backup': {
      const db = open(o);
      try {
        const to = need(o, 'to', 'the backup file');
        if (fs.existsSync(to)) throw new InputError(`backup target already exists: ${to}`);
        const dir = path.dirname(path.resolve(to));
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`backup directory does not exist: ${dir}`);
        const r = await backupLedger(db, to);
        out({ to, ...r }, () => io.stdout.write(`backed up to ${to}\n`));
      } finally {
        db.close();
      }
      return 0;
    }
    case 'serve': {
      const { serveCommand } = await import('./serve.ts');
      return serveCommand({
        db: need(o, 'db', 'the ledger file'),
        ...(o.port !== undefined ? { port: o.port } : {}),
        demoIfMissing: o['demo-if-missing'] === true,
        accounts: intOpt(o, 'accounts', 3000),
        seed: intOpt(o, 'seed', 1),
        ...(o.now !== undefined ? { now: runningClock(clock(o)()) } : {}),
        ...(o.feed !== undefined ? { feed: o.feed } : {}),
        ...(o['feed-socket'] !== undefined ? { feedSocket: o['feed-socket'] } : {}),
      }, io);
    }
    case 'bench': {
      // The bench reports on the process's own stdout (bench/bench.ts): it is run as a process, never in a test's.
      const { benchCommand } = await import('../../bench/bench.ts');
      return benchCommand({ json: o.json === true, accounts: intOpt(o, 'accounts', 100_000), rounds: intOpt(o, 'rounds', 15) });
    }
    default:
      if (isChannel(cmd)) throw new InputError(`"${cmd}" is a console channel, not a command: see riskdesk --help`);
      throw new InputError(`unknown command "${cmd}": see riskdesk --help`);
  }
}

/** A refusal's exit code from the one table (shared/refusals.ts); anything else is a bug (3). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof RuleError || e instanceof InputError) return REFUSALS[e.code].exit;
  if (e instanceof UnitError) return REFUSALS.bad_input.exit;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return REFUSALS.bad_input.exit;
  return REFUSALS.internal.exit;
}
