// The hostile-input campaign (issue 19): generated payloads for every channel of the contract, sent through the door
// core as the console sends them (a signed-in admin, so that the schema and the rules are what refuse, not the role),
// and generated CSV files of every kind, read as the CLI reads them (bytes, strict UTF-8) or as the browser hands them
// over (decoded text). Wrong types, huge and tiny numbers, NaN and Infinity as strings, negative quantities, unknown
// and known ids, objects 2000 deep, unicode that lies (NUL, ANSI escapes, bidi overrides, lone surrogates), missing,
// repeated and unknown columns, duplicate rows, oversized lines, UTF-16, Latin-1 and broken UTF-8.
//
// The oracle is the house rule, not the production code: each input is either refused with a clear error (a console
// code other than "internal", a message that names something, no stack trace, no raw control character) and the
// ledger is unchanged (its journal head always, every table on a sample), or accepted, and then a changing command
// journals exactly one entry. After the campaign the file passes integrity_check and verify --deep replays it all.
// The counts are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { contract, IMPORT_KINDS, DOOR_CHANNELS, type Channel } from '../shared/contract.ts';
import { CSV_COLUMNS } from '../main/csv/parse.ts';
import { decodeCsv } from '../main/csv/encoding.ts';
import { InputError } from '../shared/errors.ts';
import { dumpLedger, PASSWORDS } from './support/cli.ts';

/** At least 10,000 generated inputs a run (issue 19): channel payloads and CSV files. */
const CHANNEL_INPUTS = 8_000;
const CSV_INPUTS = 2_400;
/** Every this many refusals, every table is compared, not only the journal's head. */
const FULL_DUMP_EVERY = 40;
const SEED = Number(process.env.RISKDESK_FUZZ_SEED ?? 0x19_2026);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-hostile-'));
const file = path.join(dir, 'desk.db');
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

let db: Ledger;
let door: Door;
const admin: Binding = { kind: 'window', key: 'fuzz-admin' };
const stranger: Binding = { kind: 'window', key: 'fuzz-stranger' };
let pools: { accounts: string[]; instruments: string[]; members: string[]; rows: number[] };

before(async () => {
  const made = openLedger(file, { create: true });
  initLedger(made, { demo: true, accounts: 40, seed: 19 }, new Date(Date.now() - 3_600_000));
  made.close();
  db = openLedger(file);
  door = new Door({ db, log: () => {}, resident: false });
  await signIn();
  const col = (sql: string) => (db.prepare(sql).raw().all() as unknown[][]).map((r) => r[0]);
  pools = {
    accounts: col('SELECT id FROM accounts LIMIT 8') as string[],
    instruments: col('SELECT id FROM instruments LIMIT 8') as string[],
    members: col('SELECT id FROM members LIMIT 6') as string[],
    rows: [1, 2, 3, 7, 42, 999_999],
  };
});

after(async () => {
  await door.live.stop();
  db.close();
});

async function signIn(): Promise<void> {
  const r = await door.invokeAsync(admin, 'session.login', { name: 'admin', password: PASSWORDS.admin });
  assert.equal(r.result.ok, true, JSON.stringify(r.result));
}

const journalHead = (): number => Number(db.prepare('SELECT coalesce(max(seq), 0) FROM journal').pluck().get());

// ---- what an attacker sends ---------------------------------------------------------------------------------------

function deep(n: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

const numbers = fc.constantFrom(0, -0, 1, -1, 7, 1.5, 0.1, -0.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -(2 ** 63), 2 ** 31, NaN, Infinity, -Infinity);
const numberStrings = fc.constantFrom('', ' ', '0', '1', '-1', '-0', '1250.50', '-0.0000001', '0.0000000000001', 'NaN', 'Infinity', '-Infinity', '1e999', '1e-999', '1e6', '0x10', '1,000', '+5', '.5', '5.', '١٢٣', '９', '99999999999999999999999999999999.99', '9223372036854775808');
const lies = fc.constantFrom('\u0000', 'evil\u0000corp', '\u001b[2J\u001b]0;pwned\u0007', 'ok \u202eexe.txt', '\u2066isolate\u2069', '\ud800', '\udfff\ud800', '😀', 'ß', 'İ', '\ufffd', '\u2028', 'a\r\nb', '\t');
const strings = fc.constantFrom('NOPE', 'UNKNOWN-ID', 'admin', 'viewer', 'operator', '../../etc/passwd', '<script>alert(1)</script>', "'; DROP TABLE journal; --", '%00', '__proto__', 'constructor', 'prototype', 'x'.repeat(70), 'y'.repeat(5000), '2026-02-30T00:00:00Z', '2026-03-12T21:00:00Z', '2099-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'global', 'instrument', 'account', 'house', 'client', 'prices', 'members', 'true', 'null');

function atom(): fc.Arbitrary<unknown> {
  return fc.oneof(
    numbers,
    numberStrings,
    lies,
    strings,
    fc.constantFrom(null, undefined, true, false, [], {}),
    fc.constantFrom(...pools.accounts, ...pools.instruments, ...pools.members),
    fc.constantFrom(...pools.rows),
    fc.constantFrom(10n, -1n, 2n ** 80n),
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.integer(),
    fc.double(),
    fc.constant(deep(2000)),
    fc.constant(Array.from({ length: 20_000 }, (_, i) => i)),
  );
}

function hostileValue(): fc.Arbitrary<unknown> {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, atom(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })),
  }));
  return value;
}

/** The keys a channel's schema names, when it is an object (zod's shape). */
function keysOf(channel: Channel): string[] {
  const schema = contract[channel].input as { shape?: Record<string, unknown>; def?: { shape?: Record<string, unknown> } };
  const shape = schema.shape ?? schema.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** A payload for `channel`: anything at all, or its own keys filled with hostile values (some left out, one extra). */
function payloadFor(channel: Channel): fc.Arbitrary<unknown> {
  const keys = keysOf(channel);
  const shaped = keys.length === 0
    ? fc.constant({})
    : fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue()])), { requiredKeys: [] });
  return fc.oneof(
    { weight: 1, arbitrary: hostileValue() },
    { weight: 4, arbitrary: shaped },
    { weight: 1, arbitrary: fc.tuple(shaped, fc.string({ maxLength: 6 }), hostileValue()).map(([o, k, v]) => ({ ...(o as object), [k]: v })) },
  );
}

// ---- the oracle -------------------------------------------------------------------------------------------------------

interface Tally {
  inputs: number;
  accepted: number;
  refused: number;
  fullDumps: number;
  codes: Map<string, number>;
}

const newTally = (): Tally => ({ inputs: 0, accepted: 0, refused: 0, fullDumps: 0, codes: new Map() });

/** What keeps a refusal from being one a person can act on, or null: an internal error, no message or a huge one, a
 * stack trace, a raw control or bidi character. */
function unclear(error: { code: string; message: string }): string | null {
  if (error.code === 'internal') return `an internal error: ${error.message}`;
  if (typeof error.message !== 'string') return `a message that is not text: ${String(error.message)}`;
  if (!(error.message.length > 0 && error.message.length <= 4000)) return `message of ${error.message.length} characters`;
  if (/\n\s+at /.test(error.message)) return 'a stack trace';
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/u.test(error.message)) return `a raw control or bidi character in "${JSON.stringify(error.message)}"`;
  return null;
}

/** Fails naming the input (`what`, built only then) when the refusal is not clear. */
function assertClear(what: () => string, error: { code: string; message: string }): void {
  const problem = unclear(error);
  if (problem !== null) assert.fail(`${what()}: ${problem}`);
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    return (s ?? String(v)).slice(0, 300);
  } catch {
    return String(v).slice(0, 300);
  }
}

async function tryChannel(t: Tally, channel: Channel, payload: unknown): Promise<void> {
  t.inputs++;
  // A campaign input that ended the admin's own session (sessions.revoke of a small id) is not the thing under test.
  if (!door.whoIs(admin)) await signIn();
  const full = t.refused % FULL_DUMP_EVERY === 0;
  const before = full ? dumpLedger(file) : null;
  const head = journalHead();
  const binding = channel === 'session.login' ? stranger : admin;
  const outcome = await door.invokeAsync(binding, channel, payload);
  const r = outcome.result;
  // The input as text, for a failure's message only: stringifying every payload (some 2000 deep, some megabytes)
  // took a tenth of the campaign's time, for messages that are printed only when an assertion fails.
  const what = (): string => `${channel} ${show(payload)}`;
  if (r.ok) {
    t.accepted++;
    JSON.stringify(r.value, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    const mutates = (contract[channel] as { mutates: boolean }).mutates && !(DOOR_CHANNELS as readonly string[]).includes(channel);
    if (mutates && journalHead() !== head + 1) assert.equal(journalHead(), head + 1, `${what()}: accepted, but journalled ${journalHead() - head} entries`);
    return;
  }
  t.refused++;
  t.codes.set(r.error.code, (t.codes.get(r.error.code) ?? 0) + 1);
  assertClear(what, r.error);
  // A failed sign-in is recorded (the lockout counts it): that is the refusal doing its job, not a change.
  if (channel === 'session.login') return;
  if (journalHead() !== head) assert.equal(journalHead(), head, `${what()}: refused, but the journal moved`);
  if (before) {
    t.fullDumps++;
    const afterDump = dumpLedger(file);
    if (!isDeepStrictEqual(afterDump, before)) assert.deepEqual(afterDump, before, `${what()}: refused, but the ledger changed`);
  }
}

function report(name: string, t: Tally): void {
  const codes = [...t.codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  process.stdout.write(`hostile ${name}: ${t.inputs} inputs, ${t.accepted} accepted, ${t.refused} refused (${codes}); ${t.fullDumps} whole-ledger comparisons\n`);
}

let totalInputs = 0;

test(`every contract channel, ${CHANNEL_INPUTS} hostile payloads: each refused clearly with the ledger unchanged, or accepted and journalled`, async () => {
  const channels = (Object.keys(contract) as Channel[]).filter((c) => c !== 'session.logout');
  // A deep verify replays the whole journal and a stress run revalues every account under every scenario: each is
  // tried fewer times, and the others make up the count.
  const EXPENSIVE: Record<string, number> = { 'journal.verifyDeep': 12, 'stress.run': 30 };
  const cheap = channels.filter((c) => !(c in EXPENSIVE));
  const perChannel = Math.ceil((CHANNEL_INPUTS - Object.values(EXPENSIVE).reduce((a, b) => a + b, 0)) / cheap.length);
  const t = newTally();
  const slow: [string, number][] = [];
  for (const [i, channel] of channels.entries()) {
    const t0 = performance.now();
    await fc.assert(fc.asyncProperty(payloadFor(channel), (p) => tryChannel(t, channel, p)), { numRuns: EXPENSIVE[channel] ?? perChannel, seed: SEED + i, endOnFailure: true });
    slow.push([channel, performance.now() - t0]);
  }
  process.stdout.write(`slowest channels: ${slow.sort((a, b) => b[1] - a[1]).slice(0, 8).map(([c, ms]) => `${c} ${ms.toFixed(0)} ms`).join(', ')}\n`);
  // And sign-out last: it is the one channel that ends the session the campaign runs in.
  await fc.assert(fc.asyncProperty(payloadFor('session.logout'), (p) => tryChannel(t, 'session.logout', p)), { numRuns: 20, seed: SEED, endOnFailure: true });
  report('channel payloads', t);
  totalInputs += t.inputs;
  assert.ok(t.inputs >= CHANNEL_INPUTS);
  assert.ok(t.refused > 0 && t.accepted > 0, 'both outcomes occur');
});

// ---- CSV files --------------------------------------------------------------------------------------------------------

const cells = fc.oneof(
  fc.constantFrom('', 'M1', 'ACC-1', 'BTC-PERP', 'BTC', 'USD', 'USDT', 'active', 'house', 'client', 'cross', 'isolated', 'future', 'perpetual', 'option', 'call', 'put'),
  numberStrings,
  lies,
  strings,
  fc.string({ maxLength: 12 }),
  fc.constant('"quoted, with comma"'),
  fc.constant('"unterminated'),
  fc.constant('z'.repeat(200_000)),
);

interface CsvCase {
  kind: (typeof IMPORT_KINDS)[number];
  text: string;
  encoding: 'utf8' | 'utf8-bom' | 'latin1' | 'utf16le' | 'utf16le-bom' | 'broken-utf8' | 'decoded-text';
}

const csvCase: fc.Arbitrary<CsvCase> = fc
  .record({
    kind: fc.constantFrom(...IMPORT_KINDS),
    drop: fc.nat(12),
    repeat: fc.boolean(),
    unknown: fc.boolean(),
    shuffle: fc.boolean(),
    rows: fc.array(fc.array(cells, { maxLength: 14 }), { maxLength: 5 }),
    duplicate: fc.boolean(),
    crlf: fc.boolean(),
    encoding: fc.constantFrom('utf8', 'utf8', 'utf8', 'utf8-bom', 'latin1', 'utf16le', 'utf16le-bom', 'broken-utf8', 'decoded-text'),
  })
  .map((c) => {
    const spec = CSV_COLUMNS[c.kind];
    let header = [...spec.required, ...spec.optional];
    if (c.drop < header.length && c.drop % 2 === 0) header.splice(c.drop, 1);
    if (c.repeat && header.length > 0) header.push(header[0]!);
    if (c.unknown) header.push('surprise_column');
    if (c.shuffle) header = header.reverse();
    const rows = c.rows.map((r) => header.map((_, i) => r[i % Math.max(r.length, 1)] ?? ''));
    if (c.duplicate && rows.length > 0) rows.push(rows[0]!);
    const eol = c.crlf ? '\r\n' : '\n';
    const text = [header.join(','), ...rows.map((r) => r.join(','))].join(eol) + eol;
    return { kind: c.kind, text, encoding: c.encoding as CsvCase['encoding'] };
  });

function bytesOf(c: CsvCase): Buffer {
  switch (c.encoding) {
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(c.text, 'utf8')]);
    case 'latin1':
      return Buffer.from(`${c.text}Zürich,é\n`, 'latin1');
    case 'utf16le':
      return Buffer.from(c.text, 'utf16le');
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(c.text, 'utf16le')]);
    case 'broken-utf8':
      return Buffer.concat([Buffer.from(c.text, 'utf8'), Buffer.from([0xc3, 0x28, 0x0a])]);
    default:
      return Buffer.from(c.text, 'utf8');
  }
}

test(`every CSV kind, ${CSV_INPUTS} hostile files: each refused naming the file (and its row where there is one) with the ledger unchanged, or imported`, async () => {
  const t = newTally();
  await fc.assert(
    fc.asyncProperty(csvCase, async (c) => {
      const name = `hostile-${c.kind}.csv`;
      let text: string;
      if (c.encoding === 'decoded-text') text = c.text;
      else {
        try {
          text = decodeCsv(bytesOf(c), name);
        } catch (e) {
          // Refused before the command: by the CLI, on the file's bytes.
          t.inputs++;
          t.refused++;
          assert.ok(e instanceof InputError, `${name} (${c.encoding}): ${String(e)}`);
          assert.ok(e.where.file === name, `${name}: the refusal names the file`);
          assertClear(() => name, { code: e.code, message: e.message });
          t.codes.set(`bytes:${c.encoding}`, (t.codes.get(`bytes:${c.encoding}`) ?? 0) + 1);
          return;
        }
      }
      await tryChannel(t, 'import.csv', { kind: c.kind, file: name, text });
    }),
    { numRuns: CSV_INPUTS, seed: SEED, endOnFailure: true },
  );
  report('CSV files', t);
  totalInputs += t.inputs;
  assert.ok(t.inputs >= CSV_INPUTS);
});

test('after the campaign: the ledger passes integrity_check and verify --deep replays every accepted input', async () => {
  if (!door.whoIs(admin)) await signIn();
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const deepVerify = await door.invokeAsync(admin, 'journal.verifyDeep', {});
  assert.equal(deepVerify.result.ok, true, JSON.stringify(deepVerify.result));
  const v = (deepVerify.result as { value: { ok: boolean; message: string } }).value;
  assert.equal(v.ok, true, v.message);
  process.stdout.write(`hostile inputs in all: ${totalInputs}\n`);
  assert.ok(totalInputs >= 10_000, `only ${totalInputs} inputs`);
});
