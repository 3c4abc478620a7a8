// The CLI's commands that run no one channel (init, demo, import, the standalone calculators, verify, checkpoints,
// journal, backup, bench, serve): each declares its flags in one typed table, a zod object, so that its usage line,
// --help and parsing come from the same place (contractFlags.ts) as the one-channel commands', and what the flags
// hold is checked by that schema before anything runs. `riskdesk feed` keeps its own table (feed.ts): it streams.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../shared/errors.ts';
import { IMPORT_KINDS, type Channel } from '../../shared/contract.ts';
import { normaliseTime } from '../../shared/time.ts';
import type { Ledger } from '../ledger/db.ts';
import { exportJournal } from '../ledger/journal.ts';
import { backupLedger } from '../ledger/backup.ts';
import { decodeCsv } from '../csv/encoding.ts';
import { argsFrom, flagsOfSchema, helpOf, inputFrom, usageOf, type Flag, type FieldOverride } from './contractFlags.ts';
import { findCommand, formsNamed, formWords, refuseStrayFlags, usageLine, type Form } from './oneChannel.ts';
import type { CliIo } from './io.ts';
import { initCommand, demoCommand } from './init.ts';
import { whatIfCommand } from './whatIf.ts';
import { waterfallCommand, adlCommand } from './recovery.ts';
import { verifyCli, checkpointsCli } from './integrity.ts';

/** What a local command may use of its run: the io, the ledger --db names, the command layer, the clock. */
export interface LocalRun {
  io: CliIo;
  /** The ledger file opened (refused when missing): --db's, unless another is named. */
  open(file?: string): Ledger;
  /** Runs a channel against --db, signed in as --as (or the batch actor), anchoring after it as every command does. */
  run(channel: Channel, payload: unknown): Promise<unknown>;
  /** --now's fixed time, or the wall clock. */
  now(): Date;
  /** A clock that starts at --now and runs at the wall clock's pace (a server's), or none without --now. */
  runningClock(): (() => Date) | undefined;
  /** Prints the value as JSON with --json, else as a person reads it. */
  out(json: boolean | undefined, value: unknown, human: () => void): void;
}

export interface LocalCommand extends Form {
  summary: string;
  /** More of what it does, for its --help (and the usage's line when it is short). */
  details?: string;
  flags: Flag[];
  args: Flag[];
  /** Checks the input read from the flags and words, and runs. */
  run(input: Record<string, unknown>, ctx: LocalRun): Promise<number> | number;
}

const file = z.string().min(1);
const switchFlag = z.boolean().optional();
const whole = z.number().int().min(0);
const LEDGER: FieldOverride = { placeholder: 'F', means: 'the ledger file' };
const JSON_FLAG: FieldOverride = { means: 'print JSON' };

/** A command whose flags are the fields of `schema`; `run` gets them checked and typed. */
function local<S extends z.ZodObject>(
  words: string,
  summary: string,
  schema: S,
  run: (o: z.infer<S>, ctx: LocalRun) => Promise<number> | number,
  options: { fields?: Record<string, FieldOverride>; args?: readonly string[]; details?: string; isDefault?: boolean } = {},
): LocalCommand {
  const name = words;
  const all = flagsOfSchema(name, schema, { fields: { db: LEDGER, json: JSON_FLAG, ...options.fields } });
  const args = (options.args ?? []).map((field) => all.find((f) => f.field === field)!);
  return {
    words: words.split(' '),
    summary,
    ...(options.details ? { details: options.details } : {}),
    ...(options.isDefault ? { isDefault: true } : {}),
    flags: all.filter((f) => !args.includes(f)),
    args,
    run: (input, ctx) => {
      const checked = schema.safeParse(input);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const field = String(issue.path[0] ?? '');
        const flag = all.find((f) => f.field === field);
        const named = flag ? (args.includes(flag) ? flag.placeholder : `--${flag.flag}`) : field;
        throw new InputError(`${name}: ${named}: ${issue.message}`, field ? { field } : {});
      }
      return run(checked.data, ctx);
    },
  };
}

/** Reads a CSV file to import, refused naming it when it is missing, not a file or unreadable. */
function readCsv(name: string): string {
  if (!fs.existsSync(name)) throw new InputError(`file not found: ${name}`);
  if (!fs.statSync(name).isFile()) throw new InputError(`not a file: ${name}`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(name);
  } catch (e) {
    throw new InputError(`cannot read ${name}: ${(e as Error).message}`);
  }
  return decodeCsv(bytes, name);
}

/** The journal as NDJSON to a new file (never over one), fsynced, removed again when the export fails midway. */
function journalTo(db: Ledger, to: string, io: CliIo): void {
  let fd: number;
  try {
    fd = fs.openSync(to, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError(`${to} already exists: journal --to never overwrites a file`);
    throw new InputError(`cannot create ${to}: ${(e as Error).message}`);
  }
  let entries: number;
  try {
    ({ entries } = exportJournal(db, (line) => fs.writeSync(fd, `${line}\n`)));
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(to, { force: true }); // never leave a partial export under the asked-for name
    throw e;
  }
  fs.closeSync(fd);
  io.stderr.write(`exported ${entries} journal entries to ${to}\n`);
}

/** Runs `body` on the ledger --db names, closing it after. */
async function onLedger<T>(ctx: LocalRun, body: (db: Ledger) => T | Promise<T>): Promise<T> {
  const db = ctx.open();
  try {
    return await body(db);
  } finally {
    db.close();
  }
}

const STANDALONE = { input: { placeholder: 'FILE.json', means: 'the case, as JSON (docs/examples)' } };

export const LOCAL_COMMANDS: readonly LocalCommand[] = [
  local(
    'init',
    'create a ledger',
    z.object({ db: file, demo: switchFlag, accounts: whole.optional(), seed: whole.optional(), at: z.string().optional(), admin: z.string().min(1).optional(), json: switchFlag }),
    (o, ctx) =>
      initCommand(ctx.io, o.db, ctx.now(), {
        demo: o.demo === true,
        ...(o.admin !== undefined ? { admin: o.admin } : {}),
        accounts: o.accounts ?? 3000,
        seed: o.seed ?? 1,
        json: o.json === true,
        // A time with its zone, refused here so that init never creates a file for a bad one.
        ...(o.at !== undefined ? { at: normaliseTime(o.at, 'at') } : {}),
      }),
    {
      fields: {
        db: { placeholder: 'F', means: 'the ledger file to create' },
        demo: { means: 'the demo book with its demo users' },
        accounts: { means: 'the demo book\'s accounts (default 3000)' },
        seed: { placeholder: 'S', means: 'the demo book\'s random seed (default 1)' },
        at: { placeholder: 'ISO', means: 'the demo book\'s time, with its zone' },
        admin: { placeholder: 'NAME', means: 'the first admin of an empty ledger (default "admin")' },
      },
      details:
        'the demo book with its demo users, or an empty one whose first admin gets the password in RISKDESK_ADMIN_PASSWORD, or asked twice at the terminal',
    },
  ),
  local(
    'demo',
    'create the demo book if missing, run a cycle, print it',
    z.object({ db: file.optional(), accounts: whole.optional(), json: switchFlag }),
    (o, ctx) => demoCommand(ctx.io, o.db ?? 'riskdesk-demo.db', o.accounts ?? 3000, o.json === true),
    { fields: { db: { placeholder: 'F', means: 'the ledger file (default riskdesk-demo.db)' }, accounts: { means: 'the demo book\'s accounts (default 3000)' } } },
  ),
  local(
    'import',
    'import a CSV file of KIND (riskdesk import --help lists them)',
    z.object({ kind: z.string().min(1), file, db: file, as: z.string().min(1).optional(), json: switchFlag }),
    async (o, ctx) => {
      const r = (await ctx.run('import.csv', { kind: o.kind, file: o.file, text: readCsv(o.file) })) as { rows: number };
      ctx.out(o.json, r, () => ctx.io.stdout.write(`imported ${r.rows} ${o.kind} rows from ${o.file}\n`));
      return 0;
    },
    { args: ['kind', 'file'], fields: { kind: { placeholder: 'KIND', means: `one of ${IMPORT_KINDS.join(', ')}` }, file: { placeholder: 'FILE.csv', means: 'the CSV file' }, as: { placeholder: 'USER', means: 'the desk user (a price import may run as the batch actor)' } } },
  ),
  local('margin', 'what-if margin of a standalone portfolio', z.object({ input: file, json: switchFlag }), (o, ctx) => whatIfCommand(ctx.io.stdout, o.input, o.json === true), {
    fields: { input: { placeholder: 'FILE.json', means: 'the portfolio, as JSON (docs/examples/margin-input.json)' } },
  }),
  local('waterfall', 'default waterfall of a standalone case', z.object({ input: file, json: switchFlag }), (o, ctx) => waterfallCommand(ctx.io.stdout, o.input, o.json === true), { fields: STANDALONE }),
  local('adl', 'auto-deleveraging queue of a bankrupt position', z.object({ input: file, json: switchFlag }), (o, ctx) => adlCommand(ctx.io.stdout, o.input, o.json === true), { fields: STANDALONE }),
  local(
    'verify',
    "verify the journal's hash chain and its checkpoints",
    z.object({ db: file, deep: switchFlag, as: z.string().min(1).optional(), json: switchFlag }),
    (o, ctx) => verifyCli({ db: o.db, json: o.json === true, run: (channel) => ctx.run(channel, {}), open: () => ctx.open(), io: ctx.io }, o.deep === true),
    {
      fields: { deep: { means: 'also rebuild the ledger from the journal and compare every table' }, as: { placeholder: 'USER', means: 'the desk user (default: the batch reader)' } },
      details: '--deep also rebuilds the ledger by replaying the journal into a fresh one and names the first table, key and column where the file differs (exit 1)',
    },
  ),
  local(
    'checkpoints list',
    "the ledger's signed checkpoints and whether its chain matches them",
    z.object({ db: file, json: switchFlag }),
    (o, ctx) => checkpointsCli({ db: o.db, to: undefined, json: o.json === true, open: () => ctx.open(), io: ctx.io }, ['list']),
    { isDefault: true },
  ),
  local(
    'checkpoints export',
    'copy the checkpoints (of one ledger, or all) to keep elsewhere',
    z.object({ to: file, db: file.optional(), json: switchFlag }),
    (o, ctx) => checkpointsCli({ db: o.db, to: o.to, json: o.json === true, open: () => ctx.open(), io: ctx.io }, ['export']),
    { fields: { to: { placeholder: 'F', means: 'the file to write the checkpoints to' }, db: { placeholder: 'F', means: 'only this ledger\'s checkpoints' } } },
  ),
  local(
    'journal',
    'export the journal as NDJSON',
    z.object({ db: file, to: file.optional() }),
    (o, ctx) =>
      onLedger(ctx, (db) => {
        if (o.to === undefined) exportJournal(db, (line) => void ctx.io.stdout.write(`${line}\n`));
        else journalTo(db, o.to, ctx.io);
        return 0;
      }),
    { fields: { to: { placeholder: 'FILE', means: 'a new file to write (default: stdout)' } } },
  ),
  local(
    'backup',
    'online backup of the ledger',
    z.object({ db: file, to: file, json: switchFlag }),
    (o, ctx) =>
      onLedger(ctx, async (db) => {
        if (fs.existsSync(o.to)) throw new InputError(`backup target already exists: ${o.to}`);
        const dir = path.dirname(path.resolve(o.to));
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`backup directory does not exist: ${dir}`);
        const r = await backupLedger(db, o.to);
        ctx.out(o.json, { to: o.to, ...r }, () => ctx.io.stdout.write(`backed up to ${o.to}\n`));
        return 0;
      }),
    { fields: { to: { placeholder: 'F2', means: 'the backup file (a new one)' } } },
  ),
  local(
    'bench',
    'engine and ledger benchmarks',
    z.object({ json: switchFlag, accounts: whole.optional(), rounds: whole.optional() }),
    async (o) => {
      // The bench reports on the process's own stdout (bench/bench.ts): it is run as a process, never in a test's.
      const { benchCommand } = await import('../../bench/bench.ts');
      return benchCommand({ json: o.json === true, accounts: o.accounts ?? 100_000, rounds: o.rounds ?? 15 });
    },
    { fields: { accounts: { means: 'accounts in the book (default 100000)' }, rounds: { placeholder: 'R', means: 'rounds per measure (default 15)' } } },
  ),
  local(
    'serve',
    'browser mode: the console on 127.0.0.1 with a token URL',
    z.object({ db: file, port: z.string().optional(), 'demo-if-missing': switchFlag, accounts: whole.optional(), seed: whole.optional(), feed: file.optional(), 'feed-socket': file.optional() }),
    async (o, ctx) => {
      const { serveCommand } = await import('./serve.ts');
      const now = ctx.runningClock();
      return serveCommand(
        {
          db: o.db,
          ...(o.port !== undefined ? { port: o.port } : {}),
          demoIfMissing: o['demo-if-missing'] === true,
          accounts: o.accounts ?? 3000,
          seed: o.seed ?? 1,
          ...(now ? { now } : {}),
          ...(o.feed !== undefined ? { feed: o.feed } : {}),
          ...(o['feed-socket'] !== undefined ? { feedSocket: o['feed-socket'] } : {}),
        },
        ctx.io,
      );
    },
    {
      fields: {
        port: { placeholder: 'P', means: 'the port on 127.0.0.1 (default: a free one)' },
        'demo-if-missing': { flag: 'demo-if-missing', means: 'make the demo book first when the file is missing' },
        accounts: { means: 'the demo book\'s accounts (default 3000)' },
        seed: { placeholder: 'S', means: 'the demo book\'s random seed (default 1)' },
        feed: { placeholder: 'FILE', means: 'follow a file of NDJSON marks' },
        'feed-socket': { flag: 'feed-socket', placeholder: 'PATH|PORT', means: 'take marks on a local socket, or a port on 127.0.0.1' },
      },
      details: '--feed follows a file of NDJSON marks, --feed-socket takes them on a local socket',
    },
  ),
];

/** The local command the words name, and the words left after it. */
export const localCommand = (words: readonly string[]) => findCommand(LOCAL_COMMANDS, words, new Set());

/** `init --db F [--demo] ...`: the words, the words it takes, then its flags. */
export function localSynopsis(c: LocalCommand): string {
  return [...formWords(c), ...c.args.map((a) => a.placeholder), usageOf(c.flags)].filter(Boolean).join(' ');
}

export function localUsageLines(name: string): string {
  const lines = LOCAL_COMMANDS.filter((c) => c.words[0] === name).map((c) => usageLine(localSynopsis(c), c.summary));
  if (lines.length === 0) throw new Error(`no local command ${name}`);
  return lines.join('\n');
}

export function localHelp(words: readonly string[]): string | undefined {
  const forms = formsNamed(LOCAL_COMMANDS, words);
  if (forms.length === 0) return undefined;
  return forms
    .map((c) => `riskdesk ${localSynopsis(c)}\n  ${c.summary}${c.details ? `: ${c.details}` : ''}\n${c.flags.length + c.args.length ? `${helpOf(c.flags, c.args)}\n` : ''}`)
    .concat('  --now ISO runs on a fixed clock (riskdesk --help)')
    .join('\n');
}

/** Reads a local command's input from its words and parsed flags (refused naming a stray flag or a missing one). */
export function localInput(c: LocalCommand, words: readonly string[], values: Readonly<Record<string, string | boolean | undefined>>, given: ReadonlySet<string>): Record<string, unknown> {
  const name = c.words.join(' ');
  refuseStrayFlags(name, new Set(['help', 'now', ...c.flags.map((f) => f.flag)]), given, [localSynopsis(c)]);
  return { ...argsFrom(c.args, words, name, localSynopsis(c)), ...inputFrom(c.flags, values, name) };
}
