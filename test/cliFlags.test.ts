// The one-channel commands' flags, usage and help come from their channels' input schemas in the contract
// (main/cli/contractFlags.ts, channelCommands.ts): every field is a flag typed as the schema says, a required field
// is a required flag, a flag the channel does not take is refused, and a field the command line cannot spell stops
// the flags being built rather than being left out. The commands that run no one channel take theirs from one typed
// table each (main/cli/localCommands.ts), read the same way. Checked against the contract itself and through the real
// CLI (main(argv, io), in this process) on a real ledger.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { contract, type MarginCall } from '../shared/contract.ts';
import { flagsOf, flagsOfSchema, inputFrom } from '../main/cli/contractFlags.ts';
import { CHANNEL_COMMANDS, commandHelp } from '../main/cli/channelCommands.ts';
import { synopsisOf } from '../main/cli/oneChannel.ts';
import { LOCAL_COMMANDS, localSynopsis } from '../main/cli/localCommands.ts';
import { REFUSALS } from '../shared/refusals.ts';
import { copyLedger, dumpLedger, riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 90_000 };
let BOOK: string;

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

before(async () => {
  BOOK = path.join(tempDir(undefined, 'riskdesk-cliflags-'), 'book.db');
  ok(await riskdesk(['init', '--db', BOOK, '--demo', '--accounts', '200', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  ok(await riskdeskAs('operator', ['cycle', '--db', BOOK, '--at', '2026-03-12T21:00:00Z', '--now', '2026-03-12T21:00:00Z']));
}, T);

test('every field of each one-channel command is a flag, required exactly when the schema requires it', () => {
  for (const c of CHANNEL_COMMANDS) {
    const schema = contract[c.channel].input as z.ZodObject;
    // Each field is a flag, a word after the command (policies change KEY VALUE), or filled by the command itself
    // (a fixed value, a password asked at the terminal): none is left out.
    const spelled = [...c.args, ...c.flags].map((f) => f.field).concat(c.filled);
    assert.deepEqual(spelled.toSorted(), Object.keys(schema.shape).toSorted(), `${c.words.join(' ')}: ${c.channel}'s fields`);
    for (const f of [...c.args, ...c.flags]) {
      // Required in the schema (the field's own schema refuses its absence), unless the command gives a default,
      // which the schema must take.
      const field = schema.shape[f.field] as z.ZodType;
      assert.equal(f.required, !field.safeParse(undefined).success && f.default === undefined, `${c.words.join(' ')} --${f.flag}`);
      if (f.default !== undefined) assert.ok(field.safeParse(inputFrom([f], {}, 'x')[f.field]).success, `${c.words.join(' ')} --${f.flag}'s default`);
    }
  }
});

test('usage and --help say what the schema says: the enum choices, the flag names, the least role', () => {
  const calls = CHANNEL_COMMANDS.find((c) => c.channel === 'calls.list')!;
  assert.equal(synopsisOf(calls), 'calls --db F [--status open|met|overdue|escalated|waived] [--account A] [--limit N] [--json]');
  const deposit = CHANNEL_COMMANDS.find((c) => c.channel === 'calls.deposit')!;
  assert.equal(synopsisOf(deposit), 'deposit --db F --id N --amount X [--note T] [--confirm] --as USER [--json]');
  const help = commandHelp(['explain'])!;
  for (const figure of ['mm', 'im', 'liquidationPrice', 'planQuantity']) assert.match(help, new RegExp(`\\b${figure}\\b`));
  assert.match(help, /--position I +optional/);
  assert.match(commandHelp(['extend'])!, /supervisor or above, signed in with --as USER/);
  assert.equal(commandHelp(['playbook']), undefined, 'a hand-wired command has the whole usage');
  assert.match(commandHelp(['report', 'eod'])!, /^riskdesk report eod --db F --day YYYY-MM-DD \[--json\] \[--csv\] \[--export FILE\.html\|\.pdf\|\.csv\|\.json\]\n/);
});

test('a field the command line cannot spell stops the flags being built, unless the command gives it a parser', () => {
  // prices.tick takes a list of marks (objects): no flag can say that without a command's own parser.
  assert.throws(() => flagsOf('prices.tick'), /no spelling of prices\.tick's marks \(a array\)/);
  const marks = flagsOf('prices.tick', { fields: { marks: { parse: (s) => s.split(',').map((m) => ({ instrument: m })) } } });
  assert.deepEqual(inputFrom(marks, { marks: 'A,B' }, 'tick'), { marks: [{ instrument: 'A' }, { instrument: 'B' }] });
  assert.throws(() => flagsOfSchema('x', z.object({ shocks: z.record(z.string(), z.string()) })), /no spelling of x's shocks/);
});

test('flag values become the schema types: numbers in plain digits only, lists split on commas, switches', () => {
  const many = flagsOf('calls.escalateMany');
  assert.deepEqual(inputFrom(many, { ids: '3, 4,5', reason: 'no funds' }, 'escalate'), { ids: [3, 4, 5], reason: 'no funds' });
  for (const bad of ['0x10', '1e3', '', ' ', '7;']) assert.throws(() => inputFrom(flagsOf('calls.get'), { id: bad }, 'call'), /--id must be an id \(a positive whole number\), not "/);
  assert.throws(() => inputFrom(many, { ids: '3,x', reason: 'r' }, 'escalate'), /--ids item 2 must be a number, not "x"/);
  assert.throws(() => inputFrom(many, { ids: '3' }, 'escalate'), /escalate: --reason is required/);
  assert.deepEqual(inputFrom(flagsOf('calls.deposit'), { id: '1', amount: '5', confirm: false }, 'deposit'), { id: 1, amount: '5' });
  assert.deepEqual(inputFrom(flagsOf('calls.deposit'), { id: '1', amount: '5', confirm: true }, 'deposit'), { id: 1, amount: '5', confirm: true });
});

test('through the CLI: schema fields no hand wired (calls --limit, lifecycle deliveries --days) work; a flag the channel does not take changes nothing', T, async (t) => {
  const all = ok(await riskdesk(['calls', '--db', BOOK, '--json'])).json<MarginCall[]>();
  assert.ok(all.length > 2, 'the demo book has calls after its cycle');
  const two = ok(await riskdesk(['calls', '--db', BOOK, '--limit', '2', '--json'])).json<MarginCall[]>();
  assert.equal(two.length, 2);

  const db = copyLedger(BOOK, path.join(tempDir(t), 'l.db'));
  const before = dumpLedger(db);
  const id = String(all[0]!.id);
  // --reason belongs to waive, not deposit: refused before anything runs, naming the flag and the command's form.
  const stray = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', id, '--amount', '10', '--reason', 'typo']), 2);
  assert.match(stray.stderr, /deposit does not take --reason: riskdesk deposit --db F --id N --amount X/);
  const both = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--id', id, '--ids', id, '--reason', 'no funds received']), 2);
  assert.match(both.stderr, /escalate does not take --id/);
  const missing = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', id]), 2);
  assert.match(missing.stderr, /deposit: --amount is required/);
  const word = ok(await riskdesk(['call', '--db', db, '--id', id, 'extra']), 2);
  assert.match(word.stderr, /call takes flags only, not "extra"/);
  const choice = ok(await riskdesk(['calls', '--db', db, '--status', 'closed']), 2);
  assert.match(choice.stderr, /status/);
  assert.deepEqual(dumpLedger(db), before, 'nothing changed');

  // A family's forms are found by their word, the default one without it; a flag only the schema declared is taken.
  assert.ok(Array.isArray(ok(await riskdesk(['lifecycle', 'deliveries', '--db', db, '--days', '30', '--json'])).json<{ due: unknown[] }>().due));
  assert.match(ok(await riskdesk(['lifecycle', 'deliveries', '--db', db, '--days', '91']), 2).stderr, /days/);
  assert.match(ok(await riskdesk(['lifecycle', 'settle', '--db', db]), 2).stderr, /unknown lifecycle subcommand "settle": overview, account, run, deliveries, limits/);
  assert.match(ok(await riskdesk(['fund', '--db', db])).stdout, /^insurance fund /);
  assert.match(ok(await riskdesk(['fund', 'history', '--db', db, '--account', 'X']), 2).stderr, /fund history does not take --account/);
  assert.deepEqual(dumpLedger(db), before, 'nothing changed');

  const help = ok(await riskdesk(['deposit', '--help']));
  assert.match(help.stdout, /^riskdesk deposit --db F --id N --amount X \[--note T\] \[--confirm\] --as USER \[--json\]\n/);
  assert.equal(ok(await riskdesk(['help', 'deposit'])).stdout, help.stdout);
  assert.match(ok(await riskdesk(['--help'])).stdout, /\n {2}deposit {2}--db F --id N --amount X \[--note T\] \[--confirm\] --as USER \[--json\] {3}record a cash deposit/);
});

test('every one-channel command: --help lists its flags from the schema, and a bad number names its flag and exits with bad_input', T, async () => {
  const badInput = REFUSALS.bad_input.exit;
  for (const c of CHANNEL_COMMANDS) {
    const name = c.words.join(' ');
    const help = ok(await riskdesk([...c.words, '--help'])).stdout;
    assert.ok(help.includes(`riskdesk ${synopsisOf(c)}`), `${name} --help shows its synopsis: ${help}`);
    for (const f of [...c.flags, ...c.outputFlags]) assert.match(help, new RegExp(`^ {2}--${f.flag} .*(required|optional): `, 'm'), `${name} --help lists --${f.flag}`);
    for (const a of c.args) assert.match(help, new RegExp(`^ {2}${a.placeholder} .*required: `, 'm'), `${name} --help lists ${a.placeholder}`);

    const number = c.flags.find((f) => f.kind === 'number');
    if (!number) continue;
    // Every flag before it given a well-formed value, so the bad number is the one thing wrong.
    const before = c.flags.slice(0, c.flags.indexOf(number)).filter((f) => f.required);
    const value = (f: (typeof c.flags)[number]) => (f.kind === 'choice' ? f.choices![0]! : f.kind === 'numbers' ? '1' : 'abc');
    const argv = [...c.words, ...c.args.map(() => 'abc'), '--db', BOOK, ...before.flatMap((f) => [`--${f.flag}`, value(f)]), `--${number.flag}`, 'seven'];
    const r = ok(await riskdesk(argv), badInput);
    assert.match(r.stderr, new RegExp(`--${number.flag} must be .*, not "seven"`), `${name}: ${r.stderr}`);
  }
});

test('the schema checks what a flag holds at the command layer: a choice out of its enum, a missing word, a flag of another form', T, async (t) => {
  const db = copyLedger(BOOK, path.join(tempDir(t), 'l.db'));
  const before = dumpLedger(db);
  const bad = REFUSALS.bad_input.exit;
  assert.match(ok(await riskdesk(['liquidations', '--db', db, '--status', 'sold']), bad).stderr, /status/);
  assert.match(ok(await riskdesk(['approvals', '--db', db, '--status', 'maybe']), bad).stderr, /status/);
  assert.match(ok(await riskdeskAs('supervisor', ['automation', 'on', '--db', db, '--scope', 'planet', '--reason', 'desk staffed']), bad).stderr, /scope/);
  assert.match(ok(await riskdeskAs('admin', ['users', 'role', '--db', db, '--name', 'operator', '--role', 'king', '--reason', 'why not']), bad).stderr, /role/);
  assert.match(ok(await riskdesk(['policies', 'history', '--db', db]), bad).stderr, /policies history needs KEY/);
  assert.match(ok(await riskdesk(['policies', 'history', 'a', 'b', '--db', db]), bad).stderr, /policies history takes KEY then flags, not also "b"/);
  assert.match(ok(await riskdeskAs('supervisor2', ['approvals', 'confirm', '--db', db, '--id', '1', '--reason', 'typo']), bad).stderr, /approvals confirm does not take --reason/);
  assert.match(ok(await riskdeskAs('supervisor', ['default', 'compare', '--db', db, '--case', '1', '--tools', 'adl', '--vs', 'magic']), bad).stderr, /\bb\b|magic/);
  assert.match(ok(await riskdesk(['breakers', '--db', db]), bad).stderr, /breakers needs a subcommand: reset/);
  assert.deepEqual(dumpLedger(db), before, 'nothing changed');
});

test('every local command (no one channel) declares its flags in one table: --help lists them, a bad value names its flag and exits with bad_input', T, async (t) => {
  const badInput = REFUSALS.bad_input.exit;
  for (const c of LOCAL_COMMANDS) {
    const name = c.words.join(' ');
    const help = ok(await riskdesk([...c.words, '--help'])).stdout;
    assert.ok(help.startsWith(`riskdesk ${localSynopsis(c)}\n`), `${name} --help: ${help}`);
    for (const f of c.flags) assert.match(help, new RegExp(`^ {2}--${f.flag} .*(required|optional): `, 'm'), `${name} --help lists --${f.flag}`);
    const number = c.flags.find((f) => f.kind === 'number');
    if (!number) continue;
    const before = c.flags.slice(0, c.flags.indexOf(number)).filter((f) => f.required);
    const argv = [...c.words, ...c.args.map(() => 'abc'), ...before.flatMap((f) => [`--${f.flag}`, path.join(tempDir(t), 'never.db')]), `--${number.flag}`, 'seven'];
    const r = ok(await riskdesk(argv), badInput);
    assert.match(r.stderr, new RegExp(`--${number.flag} must be .*, not "seven"`), `${name}: ${r.stderr}`);
  }
  const dir = tempDir(t);
  // The table's schema checks what a value holds; a flag of no table of the command is refused, naming it.
  const negative = ok(await riskdesk(['init', '--db', path.join(dir, 'n.db'), '--demo', '--accounts=-5']), badInput);
  assert.match(negative.stderr, /init: --accounts: /);
  assert.match(ok(await riskdesk(['journal', '--db', BOOK, '--deep']), badInput).stderr, /journal does not take --deep: riskdesk journal --db F \[--to FILE\]/);
  assert.match(ok(await riskdesk(['import', '--db', BOOK, 'prices']), badInput).stderr, /import needs FILE\.csv/);
  assert.match(ok(await riskdesk(['checkpoints', 'burn', '--db', BOOK]), badInput).stderr, /unknown checkpoints subcommand "burn": list, export/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing was created');
});
