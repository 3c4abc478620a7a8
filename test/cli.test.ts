// The `riskdesk` command line, end to end: every test runs the real CLI (bin/riskdesk.js) as a child process against
// real SQLite ledgers in a fresh temp directory, and checks both what it says (exit code, stdout/stderr, --json) and
// what it left in the ledger (read directly with better-sqlite3). Design: design.md §2, §4, §5 (Command line).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CycleSummary, MarginCall, VerifyResult } from '../shared/contract.ts';
import {
  BIN,
  NODE,
  ROOT,
  childEnv,
  copyLedger,
  count,
  dumpLedger,
  fromMicros,
  journalOf,
  micros,
  riskdesk,
  riskdeskAs,
  riskdeskAsProcess,
  riskdeskProcess,
  sha256File,
  tempDir,
  withLedger,
  type CliResult,
} from './support/cli.ts';

import { OPTIONS_DESK_ACCOUNTS } from '../main/demo/optionsDesk.ts';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cli');
/** The demo book's last mark: cycles run "as of" it are deterministic. */
const DEMO_CLOSE = '2026-03-12T21:00:00Z';
const DEMO_CLOSE_ISO = '2026-03-12T21:00:00.000Z';
const DECIMAL = /^\d+(\.\d+)?$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const T = { timeout: 90_000 };

let templates: string;
/** A fresh 300-account demo book (seed 7), no cycle run yet. */
let DEMO: string;
/** The same book after one cycle as of the demo close (calls issued, deadlines 22:00 that day). */
let CYCLED: string;

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

before(async () => {
  templates = tempDir(undefined, 'riskdesk-cli-templates-');
  DEMO = path.join(templates, 'demo.db');
  // Built on the demo's own clock (--now): the journal keeps time order, and calls count their cure from it.
  ok(await riskdesk(['init', '--db', DEMO, '--demo', '--accounts', '300', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  CYCLED = path.join(templates, 'cycled.db');
  copyLedger(DEMO, CYCLED);
  ok(await riskdeskAs('operator', ['cycle', '--db', CYCLED, '--at', DEMO_CLOSE, '--now', DEMO_CLOSE]));
  // The CLI closes its connection: the WAL is checkpointed and removed, so a copy of the .db alone is the ledger.
  for (const f of [DEMO, CYCLED]) assert.equal(fs.existsSync(`${f}-wal`), false, `${f}-wal left behind`);
}, { timeout: 60_000 });

after(() => fs.rmSync(templates, { recursive: true, force: true }));

/** A private copy of a template ledger in this test's own temp dir. */
function ledgerFor(t: { after(fn: () => void): void }, template: string): { dir: string; db: string } {
  const dir = tempDir(t);
  const db = copyLedger(template, path.join(dir, 'ledger.db'));
  return { dir, db };
}

/**
 * Calls as the desk sees them at the book's close (`--now`): whether a call is overdue is judged by the server's
 * clock, and by the wall clock every deadline of the March demo book has long passed.
 */
const AT_CLOSE = ['--now', DEMO_CLOSE];

async function callsOf(db: string, ...extra: string[]): Promise<MarginCall[]> {
  return ok(await riskdesk(['calls', '--db', db, '--json', ...AT_CLOSE, ...extra])).json<MarginCall[]>();
}

async function callOf(db: string, id: number): Promise<MarginCall> {
  return ok(await riskdesk(['call', '--db', db, '--id', String(id), '--json', ...AT_CLOSE])).json<MarginCall>();
}

async function verifyOf(db: string): Promise<VerifyResult> {
  const r = await riskdesk(['verify', '--db', db, '--json']);
  const v = r.json<VerifyResult>();
  assert.equal(r.code, v.ok ? 0 : 1, r.describe());
  return v;
}

/** Each member's cure period in minutes: its own override, else the policy's cureMinutes (methodology §6). */
function cureByMember(db: string): Map<string, number> {
  return withLedger(db, (d) => {
    const policy = Number(d.prepare("SELECT value FROM policy WHERE key = 'cureMinutes'").pluck().get() ?? 60);
    const rows = d.prepare('SELECT id, cure_minutes FROM members').raw().all() as [string, bigint | null][];
    return new Map(rows.map(([id, m]) => [id, m === null ? policy : Number(m)]));
  });
}

function sumStatuses(s: CycleSummary['statuses']): number {
  return s.healthy + s.warning + s.call + s.liquidation + s.bankrupt;
}

/**
 * The stored status of each account in a cycle's packed result chunks (main/ledger/cycleResults.ts layout), a chunk
 * stored as its changes read through its base (migration step 19: n uint16 indexes, five int64 columns, n statuses).
 */
function cycleStatuses(db: string, cycle: number): Map<string, string> {
  const CODES = ['healthy', 'warning', 'call', 'liquidation', 'bankrupt'];
  return withLedger(db, (d) => {
    const rows = d
      .prepare(
        `SELECT count, accounts, figures, NULL AS changes FROM cycle_result_chunks WHERE cycle_id = @cycle
         UNION ALL
         SELECT b.count, b.accounts, b.figures, c.changes FROM cycle_result_changes c
         JOIN cycle_result_chunks b ON b.cycle_id = c.base_cycle AND b.chunk = c.chunk WHERE c.cycle_id = @cycle`,
      )
      .all({ cycle }) as { count: bigint; accounts: string; figures: Buffer; changes: Buffer | null }[];
    const out = new Map<string, string>();
    for (const r of rows) {
      const ids = JSON.parse(r.accounts) as string[];
      const n = Number(r.count);
      assert.equal(ids.length, n);
      assert.equal(r.figures.length, n * 41);
      const code = ids.map((_, i) => r.figures[40 * n + i]!);
      const m = (r.changes?.length ?? 0) / 43;
      for (let j = 0; j < m; j++) code[r.changes!.readUInt16LE(2 * j)] = r.changes![42 * m + j]!;
      ids.forEach((id, i) => out.set(id, CODES[code[i]!] ?? `code ${code[i]}`));
    }
    return out;
  });
}

// 1 -------------------------------------------------------------------------------------------------------------
test('init --demo creates a verifying ledger of 12 members and 300 accounts (and the options desk: 13 and 304); init over an existing file is refused', T, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'new.db');
  const r = ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '300', '--seed', '7', '--json']));
  const report = r.json<{ demo: boolean; members: number; accounts: number; positions: number; users: string[] }>();
  assert.equal(report.demo, true);
  assert.equal(report.members, 12 + 1);
  assert.equal(report.accounts, 300 + OPTIONS_DESK_ACCOUNTS);

  withLedger(db, (d) => {
    assert.equal(count(d, 'members'), 12 + 1);
    assert.equal(count(d, 'accounts'), 300 + OPTIONS_DESK_ACCOUNTS);
    assert.equal(count(d, 'positions'), report.positions);
    assert.ok(count(d, 'prices') > 0, 'the demo book has a price history');
    assert.deepEqual(
      d.prepare('SELECT name, role FROM users ORDER BY name').raw().all(),
      [
        ['admin', 'admin'],
        ['operator', 'operator'],
        ['supervisor', 'supervisor'],
        ['supervisor2', 'supervisor'],
        ['viewer', 'viewer'],
      ],
    );
    assert.equal(count(d, 'margin_cycles'), 0);
    assert.equal(count(d, 'margin_calls'), 0);
  });
  const entries = journalOf(db);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.command, 'ledger.init');

  const v = await verifyOf(db);
  assert.equal(v.ok, true);
  assert.equal(v.entries, 1);
  assert.equal(v.headHash, entries[0]!.hash);
  assert.match(ok(await riskdesk(['verify', '--db', db])).stdout, /journal verified: 1 entries/);

  // init never overwrites: the file keeps every byte (and no sidecar appears).
  const bytes = sha256File(db);
  const sidecars = ['-wal', '-shm'].map((s) => fs.existsSync(db + s));
  for (const args of [
    ['init', '--db', db, '--demo', '--accounts', '300', '--seed', '7'],
    ['init', '--db', db],
    ['init', '--db', db, '--demo', '--accounts', '50', '--json'],
  ]) {
    const again = ok(await riskdesk(args), 2);
    assert.match(again.stderr, /already exists/);
    assert.ok(again.stderr.includes(db), `the refusal names the file: ${again.stderr}`);
    assert.equal(again.stdout, '');
  }
  assert.equal(sha256File(db), bytes);
  assert.deepEqual(['-wal', '-shm'].map((s) => fs.existsSync(db + s)), sidecars);
  assert.equal((await verifyOf(db)).entries, 1);
});

// 2 -------------------------------------------------------------------------------------------------------------
test('cycle --json issues calls; calls --json lists them; a second cycle at the same prices issues and updates none', T, async (t) => {
  const { db } = ledgerFor(t, DEMO);
  const t0 = Date.now();
  const s = ok(await riskdeskAs('operator', ['cycle', '--db', db, '--json'])).json<CycleSummary>();
  const t1 = Date.now();
  assert.equal(s.cycle, 1);
  assert.equal(s.accounts, 300 + OPTIONS_DESK_ACCOUNTS);
  assert.ok(s.calls.issued > 0, `calls issued: ${JSON.stringify(s.calls)}`);
  assert.deepEqual({ ...s.calls, issued: 0 }, { issued: 0, updated: 0, met: 0, overdue: 0, held: 0 });
  assert.equal(sumStatuses(s.statuses), 300 + OPTIONS_DESK_ACCOUNTS);
  // Default trigger "maintenance": a call for every account below MM (methodology §6), and only those.
  assert.equal(s.calls.issued, s.statuses.call + s.statuses.liquidation + s.statuses.bankrupt);
  // Without --at the cycle runs at the current time (and uses the latest prices).
  assert.match(s.asOf, ISO);
  assert.ok(Date.parse(s.asOf) >= t0 - 1000 && Date.parse(s.asOf) <= t1 + 1000, `asOf ${s.asOf} is not now`);
  for (const k of ['equity', 'mm', 'im', 'openCalls'] as const) assert.match(s.totals[k], /^-?\d+(\.\d+)?$/);

  const calls = await callsOf(db);
  assert.equal(calls.length, s.calls.issued);
  assert.equal(new Set(calls.map((c) => c.id)).size, calls.length, 'call ids are unique');
  assert.equal(new Set(calls.map((c) => c.account)).size, calls.length, 'one live call per account');
  const cure = cureByMember(db);
  let total = 0n;
  for (const c of calls) {
    assert.equal(typeof c.id, 'number');
    assert.ok(Number.isInteger(c.id) && c.id > 0);
    assert.match(c.account, /^[A-Z]+-[A-Z]\d+$/);
    assert.ok(c.account.startsWith(`${c.member}-`), `${c.account} belongs to ${c.member}`);
    assert.match(c.amount, DECIMAL);
    assert.ok(micros(c.amount) > 0n);
    assert.equal(c.deposited, '0');
    assert.equal(c.outstanding, c.amount);
    assert.equal(c.status, 'open');
    assert.equal(c.cycle, 1);
    assert.match(c.deadline, ISO);
    assert.equal(Date.parse(c.deadline) - Date.parse(s.asOf), cure.get(c.member)! * 60_000, 'deadline = cycle time + cure period');
    total += micros(c.amount);
  }
  assert.equal(fromMicros(total), s.totals.openCalls, 'the open calls add up to the cycle total');
  withLedger(db, (d) => {
    assert.equal(count(d, 'margin_calls'), calls.length);
    assert.equal(count(d, 'margin_call_events', "kind = 'issued'"), calls.length);
    assert.equal(count(d, 'margin_cycles'), 1);
    assert.equal(Number(d.prepare('SELECT sum(count) FROM cycle_result_chunks WHERE cycle_id = 1').pluck().get()), 300 + OPTIONS_DESK_ACCOUNTS);
  });

  // The same prices again: nothing new, nothing changed.
  const s2 = ok(await riskdeskAs('operator', ['cycle', '--db', db, '--json'])).json<CycleSummary>();
  assert.equal(s2.cycle, 2);
  assert.deepEqual(s2.calls, { issued: 0, updated: 0, met: 0, overdue: 0, held: 0 });
  assert.deepEqual(s2.statuses, s.statuses);
  assert.equal(s2.totals.openCalls, s.totals.openCalls);
  const pick = (c: MarginCall) => [c.id, c.account, c.amount, c.deposited, c.deadline, c.status, c.cycle];
  assert.deepEqual((await callsOf(db)).map(pick), calls.map(pick));
  withLedger(db, (d) => {
    assert.equal(count(d, 'margin_calls'), calls.length);
    assert.equal(count(d, 'margin_call_events'), calls.length, 'no raised/lowered/met events');
    assert.equal(count(d, 'margin_cycles'), 2);
  });
  const j = journalOf(db);
  assert.deepEqual(j.map((e) => [e.seq, e.command, e.actor]), [
    [1, 'ledger.init', 'init'],
    [2, 'cycle.run', 'operator'],
    [3, 'cycle.run', 'operator'],
  ]);
  assert.equal((await verifyOf(db)).entries, 3);
});

// 3 -------------------------------------------------------------------------------------------------------------
test('a deposit of the outstanding amount meets a call; a partial one leaves it open; a sub-cent one changes nothing', T, async (t) => {
  const { db } = ledgerFor(t, CYCLED);
  const open = await callsOf(db, '--status', 'open');
  assert.ok(open.length >= 3, `need 3 open calls, have ${open.length}`);
  const cashOf = (account: string): bigint =>
    withLedger(db, (d) => (d.prepare("SELECT quantity FROM collateral WHERE account_id = ? AND asset_id = 'USD'").pluck().get(account) as bigint | undefined) ?? 0n);
  const usdScale = withLedger(db, (d) => Number(d.prepare("SELECT quantity_scale FROM assets WHERE id = 'USD'").pluck().get() as bigint));
  const toCash = (micro: bigint) => (micro * 10n ** BigInt(usdScale)) / 1_000_000n;

  // Full: met, with a deposit and a met event by the operator, the cash in the account's collateral.
  const a = open[0]!;
  const cashBefore = cashOf(a.account);
  const met = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(a.id), '--amount', a.outstanding, '--json'])).json<MarginCall>();
  assert.equal(met.status, 'met');
  assert.equal(met.deposited, a.amount);
  assert.equal(met.outstanding, '0');
  const ha = (await callOf(db, a.id)).history!;
  const dep = ha.filter((e) => e.kind === 'deposit');
  assert.equal(dep.length, 1);
  assert.equal(dep[0]!.amount, a.outstanding);
  assert.equal(dep[0]!.actor, 'operator');
  assert.equal(ha.filter((e) => e.kind === 'met' && e.actor === 'operator').length, 1);
  assert.equal(cashOf(a.account) - cashBefore, toCash(micros(a.outstanding)));
  const last = journalOf(db).at(-1)!;
  assert.equal(last.command, 'calls.deposit');
  assert.equal(last.actor, 'operator');
  assert.deepEqual(last.payload, { id: a.id, amount: a.outstanding });
  // A met call takes no more deposits (a rule: exit 1) and nothing changes.
  const afterMet = dumpLedger(db);
  const again = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(a.id), '--amount', '10']), 1);
  assert.match(again.stderr, /met/);
  assert.deepEqual(dumpLedger(db), afterMet);

  // Partial: still open, deposited = the amount, outstanding reduced exactly.
  const b = open.find((c) => c.id !== a.id && micros(c.outstanding) > 2_000_000_000n) ?? open[1]!;
  const part = '1000.5';
  assert.ok(micros(b.outstanding) > micros(part));
  const pr = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(b.id), '--amount', part, '--note', 'wire 42', '--json'])).json<MarginCall>();
  // Not met: open as the desk saw it at the close (by the wall clock its March deadline has passed: overdue).
  assert.equal((await callOf(db, b.id)).status, 'open');
  assert.notEqual(pr.status, 'met');
  assert.equal(pr.deposited, part);
  assert.equal(pr.amount, b.amount);
  assert.equal(pr.outstanding, fromMicros(micros(b.amount) - micros(part)));
  const hb = (await callOf(db, b.id)).history!;
  assert.deepEqual(hb.filter((e) => e.kind === 'deposit').map((e) => [e.amount, e.note]), [[part, 'wire 42']]);
  assert.equal(hb.some((e) => e.kind === 'met'), false);
  // A cycle at the same prices sees the cash: the call keeps its amount and stays open (nothing raised or lowered).
  const s = ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', DEMO_CLOSE, '--json'])).json<CycleSummary>();
  assert.deepEqual(s.calls, { issued: 0, updated: 0, met: 0, overdue: 0, held: 0 });
  const b2 = await callOf(db, b.id);
  assert.deepEqual([b2.status, b2.amount, b2.deposited], ['open', b.amount, part]);

  // Finer than USD cash's cents: bad input, nothing changes.
  const c = open.find((x) => x.id !== a.id && x.id !== b.id)!;
  const before = dumpLedger(db);
  const fine = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c.id), '--amount', '12.345']), 2);
  assert.match(fine.stderr, /amount/);
  assert.match(fine.stderr, /decimal places/);
  assert.deepEqual(dumpLedger(db), before);
  for (const bad of ['0', '-5', '1e3', '12,50', 'abc']) {
    ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c.id), `--amount=${bad}`]), 2);
  }
  assert.deepEqual(dumpLedger(db), before);
  assert.equal((await callOf(db, c.id)).deposited, '0');
});

// 4 -------------------------------------------------------------------------------------------------------------
test('roles: an operator may not waive; a supervisor waives with a reason, journaled; bad sign-ins are refused', T, async (t) => {
  const { db } = ledgerFor(t, CYCLED);
  const [c, d] = await callsOf(db, '--status', 'open');
  assert.ok(c && d);
  let entries = journalOf(db).length;

  const before = dumpLedger(db);
  const denied = ok(await riskdeskAs('operator', ['waive', '--db', db, '--id', String(c.id), '--reason', 'client relationship']), 1);
  assert.match(denied.stderr, /supervisor/, 'the refusal names the role needed');
  assert.match(denied.stderr, /operator/);
  assert.equal((await callOf(db, c.id)).status, 'open');
  assert.equal(journalOf(db).length, entries);
  assert.deepEqual(dumpLedger(db), before);

  // Wrong password, unknown user: the same refusal (exit 1), nothing changes.
  for (const [user, password] of [
    ['supervisor', 'operator-demo'],
    ['supervisor', ''],
    ['nobody', 'supervisor-demo'],
  ] as const) {
    const r = ok(
      await riskdesk(['waive', '--db', db, '--id', String(c.id), '--reason', 'client relationship', '--as', user], { env: { RISKDESK_PASSWORD: password } }),
      1,
    );
    assert.match(r.stderr, /unknown user or wrong password/);
  }
  // Each failed sign-in is journalled (issue 14), and nothing else changes; the next good sign-in records its
  // success (it resets the failure count). Compared from here on without the sign-in records.
  const failed = journalOf(db).slice(entries);
  assert.deepEqual(failed.map((e) => [e.command, e.actor, e.payload.name, e.result.ok]), [
    ['session.login', 'anonymous', 'supervisor', false],
    ['session.login', 'anonymous', 'supervisor', false],
    ['session.login', 'anonymous', 'nobody', false],
  ]);
  const withoutSignIns = (d: ReturnType<typeof dumpLedger>) => ({ ...d, journalHead: null, tables: { ...d.tables, journal: null, sign_in_attempts: null, sqlite_sequence: null } });
  assert.deepEqual(withoutSignIns(dumpLedger(db)), withoutSignIns(before));
  // No password at all and no terminal to ask on: bad input, not a hang.
  const nopw = ok(await riskdesk(['waive', '--db', db, '--id', String(c.id), '--reason', 'client relationship', '--as', 'supervisor']), 2);
  assert.match(nopw.stderr, /RISKDESK_PASSWORD/);
  // A change without --as is refused (only reads and price imports run as the batch actor).
  ok(await riskdesk(['waive', '--db', db, '--id', String(c.id), '--reason', 'client relationship']), 2);
  // Without a reason: bad input; a reason too short: bad input.
  const noReason = ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(c.id)]), 2);
  assert.match(noReason.stderr, /reason/);
  ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(c.id), '--reason', 'ok']), 2);
  assert.deepEqual(withoutSignIns(dumpLedger(db)), withoutSignIns(before));
  entries = journalOf(db).length;

  const reason = 'credit committee decision 2026-03-12: waive, collateral arriving by wire';
  const w = ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(c.id), '--reason', reason, '--json'])).json<MarginCall>();
  assert.equal(w.status, 'waived');
  assert.equal((await callOf(db, c.id)).status, 'waived');
  const j = journalOf(db);
  assert.equal(j.length, entries + 1);
  const last = j.at(-1)!;
  assert.equal(last.command, 'calls.waive');
  assert.equal(last.actor, 'supervisor');
  assert.deepEqual(last.payload, { id: c.id, reason });
  const hist = (await callOf(db, c.id)).history!;
  assert.deepEqual(hist.filter((e) => e.kind === 'waived').map((e) => [e.actor, e.note, e.amount]), [['supervisor', reason, c.outstanding]]);
  // An admin is stronger than a supervisor; a waived call cannot be waived again (a rule: exit 1).
  ok(await riskdeskAs('admin', ['waive', '--db', db, '--id', String(d.id), '--reason', reason]));
  const twice = ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(c.id), '--reason', reason]), 1);
  assert.match(twice.stderr, /waived/);
  // A viewer may read but not deposit.
  ok(await riskdeskAs('viewer', ['calls', '--db', db, '--json']));
  ok(await riskdeskAs('viewer', ['deposit', '--db', db, '--id', String(d.id), '--amount', '1']), 1);
  assert.equal(journalOf(db).length, entries + 2);
  assert.equal((await verifyOf(db)).ok, true);
});

// 5 -------------------------------------------------------------------------------------------------------------
test('import: a good prices CSV imports every row; one bad row refuses the whole file and changes nothing', T, async (t) => {
  const { db } = ledgerFor(t, DEMO);
  const good = path.join(FIXTURES, 'prices-good.csv');
  const pricesBefore = withLedger(db, (d) => count(d, 'prices'));
  const r = ok(await riskdesk(['import', '--db', db, 'prices', good, '--json'])).json<{ kind: string; file: string; rows: number }>();
  assert.deepEqual(r, { kind: 'prices', file: good, rows: 5 });
  withLedger(db, (d) => {
    assert.equal(count(d, 'prices'), pricesBefore + 5);
    assert.deepEqual(
      d.prepare("SELECT instrument_id, at, mark, implied_vol, source FROM prices WHERE at > ? ORDER BY instrument_id").raw().all(DEMO_CLOSE_ISO),
      [
        ['BTC-26JUN26', '2026-03-13T16:00:00.000Z', 117601n, null, 'import'], // 58800.5 / tick 0.5
        ['BTC-PERP', '2026-03-13T16:00:00.000Z', 580001n, null, 'exchange'], // 58000.1 / 0.1
        ['ETH-PERP', '2026-03-13T16:00:00.000Z', 185037n, null, 'exchange'], // 1850.37 / 0.01
        ['NDX-PERP', '2026-03-13T16:00:00.250Z', 184803n, null, 'index'], // 18480.3 / 0.1
        ['NQM26', '2026-03-13T16:00:00.000Z', 74003n, null, 'cme'], // 18500.75 / 0.25
      ],
    );
  });
  const last = journalOf(db).at(-1)!;
  assert.equal(last.command, 'import.csv');
  assert.equal(last.actor, 'batch');
  assert.deepEqual(last.payload, { kind: 'prices', file: good, rows: 5, sha256: sha256File(good), text: fs.readFileSync(good, 'utf8') });
  assert.match(ok(await riskdesk(['import', '--db', db, 'prices', good])).stdout, /imported 5 prices rows/);

  const before = dumpLedger(db);
  for (const [name, why] of [
    ['prices-bad-off-tick-row3.csv', /not a multiple of instrument NQM26's tick 0\.25/],
    ['prices-bad-decimal-row3.csv', /not a decimal number/],
  ] as const) {
    const file = path.join(FIXTURES, name);
    const bad = ok(await riskdesk(['import', '--db', db, 'prices', file]), 2);
    assert.ok(bad.stderr.includes(file), `names the file: ${bad.stderr}`);
    assert.match(bad.stderr, /row 3\b/);
    assert.match(bad.stderr, /column mark\b/);
    assert.match(bad.stderr, why);
    assert.equal(bad.stdout, '');
    // Rows 1-2 were fine, yet none of the file is in the ledger: every table is as it was.
    assert.deepEqual(dumpLedger(db), before);
    withLedger(db, (d) => assert.equal(count(d, 'prices', 'at >= ?', '2026-03-14T00:00:00.000Z'), 0));
  }
  // Other bad inputs of the import door: an unknown kind, a missing file, a directory, a file of another kind.
  ok(await riskdesk(['import', '--db', db, 'quotes', good]), 2);
  const missing = ok(await riskdesk(['import', '--db', db, 'prices', path.join(FIXTURES, 'no-such.csv')]), 2);
  assert.match(missing.stderr, /no-such\.csv/);
  ok(await riskdesk(['import', '--db', db, 'prices', FIXTURES]), 2);
  // Reference data needs a signed-in supervisor: the batch actor is refused, and so is an operator ...
  assert.match(ok(await riskdesk(['import', '--db', db, 'accounts', good]), 2).stderr, /needs a signed-in user/);
  assert.match(ok(await riskdeskAs('operator', ['import', '--db', db, 'accounts', good]), 1).stderr, /needs the supervisor role/);
  // ... and a supervisor's file of the wrong kind is refused at its header.
  const wrongKind = ok(await riskdeskAs('supervisor', ['import', '--db', db, 'accounts', good]), 2);
  assert.match(wrongKind.stderr, /row 0/);
  assert.deepEqual(dumpLedger(db), before);
  assert.equal((await verifyOf(db)).ok, true);
});

// 6 -------------------------------------------------------------------------------------------------------------
test('journal tamper: an edited entry (triggers dropped) fails verify, which names it as the first broken entry', T, async (t) => {
  const { db } = ledgerFor(t, CYCLED);
  const [c] = await callsOf(db, '--status', 'open');
  ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c!.id), '--amount', '100']));
  const v = await verifyOf(db);
  assert.deepEqual([v.ok, v.entries], [true, 3]);
  const j = journalOf(db);
  assert.equal(v.headHash, j[2]!.hash);
  assert.equal(j[1]!.command, 'cycle.run');

  const rw = new Database(db);
  try {
    // The triggers refuse the edit while they are there.
    assert.throws(() => rw.prepare('UPDATE journal SET payload = ? WHERE seq = 2').run('{"at":"2026-03-13T21:00:00Z"}'), /append-only/);
    assert.throws(() => rw.prepare('DELETE FROM journal WHERE seq = 3').run(), /append-only/);
    rw.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER journal_append_only_chain;');
    const changed = rw.prepare('UPDATE journal SET payload = ? WHERE seq = 2').run('{"at":"2026-03-13T21:00:00Z"}').changes;
    assert.equal(changed, 1);
  } finally {
    rw.close();
  }

  const human = ok(await riskdesk(['verify', '--db', db]), 1);
  assert.match(human.stdout, /BROKEN at entry 2\b/);
  assert.match(human.stdout, /hash mismatch/);
  const r = ok(await riskdesk(['verify', '--db', db, '--json']), 1);
  const broken = r.json<VerifyResult>();
  assert.equal(broken.ok, false);
  assert.equal(broken.broken?.seq, 2);
  assert.equal(broken.entries, 1);
  assert.equal(broken.headHash, j[0]!.hash);
});

// 7 -------------------------------------------------------------------------------------------------------------
test('backup makes a ledger with the same journal head and tables; it never overwrites', T, async (t) => {
  const { dir, db } = ledgerFor(t, CYCLED);
  const v = await verifyOf(db);
  const copy = path.join(dir, 'copy.db');
  const r = ok(await riskdesk(['backup', '--db', db, '--to', copy, '--json'])).json<{ to: string; pages: number }>();
  assert.equal(r.to, copy);
  assert.ok(r.pages > 0);
  const vc = await verifyOf(copy);
  assert.equal(vc.ok, true);
  assert.equal(vc.headHash, v.headHash);
  assert.equal(vc.entries, v.entries);
  assert.deepEqual(dumpLedger(copy), dumpLedger(db));
  // The copy is a working ledger on its own.
  assert.deepEqual(await callsOf(copy), await callsOf(db));

  const bytes = sha256File(copy);
  const again = ok(await riskdesk(['backup', '--db', db, '--to', copy]), 2);
  assert.match(again.stderr, /already exists/);
  assert.equal(sha256File(copy), bytes);
  ok(await riskdesk(['backup', '--db', db, '--to', db]), 2);
  const noDir = ok(await riskdesk(['backup', '--db', db, '--to', path.join(dir, 'no', 'such', 'dir', 'b.db')]), 2);
  assert.match(noDir.stderr, /does not exist/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('partial')), [], 'no partial backup left behind');
  assert.equal((await verifyOf(db)).headHash, v.headHash);
});

// 8 -------------------------------------------------------------------------------------------------------------
test('bad input exits 2 with a clear message and changes nothing', T, async (t) => {
  const { dir, db } = ledgerFor(t, DEMO);
  const before = dumpLedger(db);

  const unknown = ok(await riskdesk(['frobnicate', '--db', db]), 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  ok(await riskdesk(['cycle.run', '--db', db]), 2); // a console channel is not a command
  const none = ok(await riskdesk([]), 2);
  assert.match(none.stderr, /riskdesk <command>/, 'the usage is the error, on stderr');
  assert.match(ok(await riskdesk(['--help'])).stdout, /riskdesk <command>/);
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--no-such-option']), 2);

  for (const at of ['yesterday', '2026-03-12', '2026-02-30T21:00:00Z', '2026-03-12T21:00:00', '2026-03-12T25:00:00Z', '']) {
    const r = ok(await riskdeskAs('operator', ['cycle', '--db', db, `--at=${at}`]), 2);
    assert.match(r.stderr, /\bat\b/, `--at "${at}" is named: ${r.stderr}`);
  }
  const early = ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', '2020-01-01T00:00:00Z']), 2);
  assert.match(early.stderr, /no price/);

  const missing = path.join(dir, 'missing.db');
  const m = ok(await riskdeskAs('operator', ['cycle', '--db', missing]), 2);
  assert.ok(m.stderr.includes(missing), `names the missing file: ${m.stderr}`);
  assert.equal(fs.existsSync(missing), false, 'a missing ledger is not created');
  ok(await riskdesk(['calls', '--db', missing]), 2);
  ok(await riskdesk(['verify', '--db', missing]), 2);
  ok(await riskdesk(['cycle']), 2); // no --db at all

  const notLedger = path.join(dir, 'other.db');
  const o = new Database(notLedger);
  o.exec('CREATE TABLE t (x)');
  o.close();
  const nl = ok(await riskdesk(['verify', '--db', notLedger]), 2);
  assert.match(nl.stderr, /not a Riskdesk ledger/);
  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'hello\n'.repeat(1000));
  ok(await riskdesk(['verify', '--db', text]), 2);

  for (const id of ['abc', '0', '-1', '1.5', '0x1', '1e0', ' 1', '']) {
    const r = ok(await riskdesk(['call', '--db', db, `--id=${id}`]), 2);
    assert.match(r.stderr, /\bid\b/);
  }
  ok(await riskdesk(['call', '--db', db, '--id', '999999']), 2);
  ok(await riskdesk(['calls', '--db', db, '--status', 'pending']), 2);
  ok(await riskdesk(['calls', '--db', db, '--status=']), 2);
  ok(await riskdesk(['init', '--db', path.join(dir, 'no', 'dir', 'x.db'), '--demo', '--accounts', '5']), 2);
  ok(await riskdesk(['init', '--db', path.join(dir, 'x.db'), '--demo', '--accounts', 'many']), 2);
  ok(await riskdesk(['init', '--db', path.join(dir, 'x.db'), '--demo', '--accounts', '0']), 2);
  ok(await riskdesk(['init', '--db', path.join(dir, 'x.db'), '--demo', '--accounts', '5', '--at', '2026-03-12T21:00:00']), 2); // no zone
  assert.equal(fs.existsSync(path.join(dir, 'x.db')), false, 'a refused init leaves no file');
  const exported = path.join(dir, 'journal.ndjson');
  fs.writeFileSync(exported, 'keep me\n');
  ok(await riskdesk(['journal', '--db', db, '--to', exported]), 2);
  assert.equal(fs.readFileSync(exported, 'utf8'), 'keep me\n');

  assert.deepEqual(dumpLedger(db), before);
});

test('journal exports every entry as NDJSON; output to a reader that went away is not a crash', T, async (t) => {
  const { dir, db } = ledgerFor(t, CYCLED);
  const lines = ok(await riskdesk(['journal', '--db', db])).stdout.trim().split('\n');
  const j = journalOf(db);
  assert.equal(lines.length, j.length);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { hash: string }).hash), j.map((e) => e.hash));
  const to = path.join(dir, 'j.ndjson');
  ok(await riskdesk(['journal', '--db', db, '--to', to]));
  assert.equal(fs.readFileSync(to, 'utf8').trim(), lines.join('\n'));

  // `riskdesk calls | true`: the reader is gone before the CLI writes (EPIPE). It must exit as the command did.
  const r = spawnSync('bash', ['-c', `"$NODE_BIN" "$RISKDESK_BIN" calls --db "$LEDGER" | true; echo "exit=\${PIPESTATUS[0]}"`], {
    env: childEnv({ NODE_BIN: NODE, RISKDESK_BIN: BIN, LEDGER: db }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.error, undefined);
  assert.match(r.stdout, /exit=0/, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|internal error/, r.stderr);
});

test('as a process, the shell sees the exit codes: 0 ok, 1 refused by a rule, 2 bad input, with the message on stderr', T, async (t) => {
  // The other CLI tests run main() in this process; this one runs bin/riskdesk.js, whose exit code is main()'s.
  const { db } = ledgerFor(t, CYCLED);
  const [c] = await callsOf(db);
  assert.match(ok(riskdeskProcess(['calls', '--db', db])).stdout, /outstanding/);
  const refused = ok(riskdeskAsProcess('viewer', ['deposit', '--db', db, '--id', String(c!.id), '--amount', '1']), 1);
  assert.match(refused.stderr, /^riskdesk: /);
  assert.equal(refused.stdout, '');
  const bad = ok(riskdeskProcess(['frobnicate', '--db', db]), 2);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
});

// 9 -------------------------------------------------------------------------------------------------------------
test('overdue calls: the account counts as liquidation; extend reopens; escalate needs an overdue call', T, async (t) => {
  const { db } = ledgerFor(t, CYCLED);
  const calls = await callsOf(db);
  assert.ok(calls.length >= 2);
  const cure = cureByMember(db);
  for (const c of calls) {
    assert.equal(c.status, 'open');
    assert.equal(c.deadline, new Date(Date.parse(DEMO_CLOSE) + cure.get(c.member)! * 60_000).toISOString());
  }
  assert.ok(calls.some((c) => c.deadline === '2026-03-12T22:00:00.000Z'));
  const s1 = withLedger(db, (d) => JSON.parse(d.prepare('SELECT summary FROM margin_cycles WHERE id = 1').pluck().get() as string) as CycleSummary);

  // A cycle after the deadlines: every call overdue, and its account counted as liquidation (or worse).
  const s2 = ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', '2026-03-12T23:00:00Z', '--json'])).json<CycleSummary>();
  assert.deepEqual(s2.calls, { issued: 0, updated: 0, met: 0, overdue: calls.length, held: 0 });
  assert.equal(s2.statuses.call, 0);
  assert.equal(s2.statuses.liquidation, s1.statuses.liquidation + s1.statuses.call);
  assert.equal(s2.statuses.bankrupt, s1.statuses.bankrupt);
  assert.equal(sumStatuses(s2.statuses), 300 + OPTIONS_DESK_ACCOUNTS);
  const overdue = await callsOf(db);
  assert.deepEqual(overdue.map((c) => c.status), calls.map(() => 'overdue'));
  assert.deepEqual((await callsOf(db, '--status', 'overdue')).map((c) => c.id), calls.map((c) => c.id));
  assert.deepEqual(await callsOf(db, '--status', 'open'), []);
  const stored = cycleStatuses(db, s2.cycle);
  assert.equal(stored.size, 300 + OPTIONS_DESK_ACCOUNTS);
  for (const c of calls) assert.ok(['liquidation', 'bankrupt'].includes(stored.get(c.account)!), `${c.account}: ${stored.get(c.account)}`);
  assert.ok((await callOf(db, calls[0]!.id)).history!.some((e) => e.kind === 'overdue'));

  // extend (supervisor): the overdue call is open again with the new deadline.
  const [x, y] = overdue as [MarginCall, MarginCall];
  const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const denied = ok(await riskdeskAs('operator', ['extend', '--db', db, '--id', String(x.id), '--deadline', deadline, '--reason', 'wire in flight']), 1);
  assert.match(denied.stderr, /supervisor/);
  ok(await riskdeskAs('supervisor', ['extend', '--db', db, '--id', String(x.id), '--deadline', '2026-03-12T23:30:00Z', '--reason', 'wire in flight']), 2); // already past
  ok(await riskdeskAs('supervisor', ['extend', '--db', db, '--id', String(x.id), '--deadline', 'tomorrow', '--reason', 'wire in flight']), 2);
  ok(await riskdeskAs('supervisor', ['extend', '--db', db, '--id', String(x.id), '--deadline', deadline]), 2); // no reason
  assert.equal((await callOf(db, x.id)).status, 'overdue');
  const ex = ok(await riskdeskAs('supervisor', ['extend', '--db', db, '--id', String(x.id), '--deadline', deadline, '--reason', 'wire in flight', '--json'])).json<MarginCall>();
  assert.equal(ex.status, 'open');
  assert.equal(ex.deadline, deadline);
  const ext = ex.history!.at(-1)!;
  assert.deepEqual([ext.kind, ext.actor], ['extended', 'supervisor']);
  assert.match(ext.note, /wire in flight/);
  assert.equal(journalOf(db).at(-1)!.command, 'calls.extend');

  // escalate: refused for the call that is not overdue any more, done for one that is.
  const entries = journalOf(db).length;
  const notDue = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--id', String(x.id), '--reason', 'no funds received']), 1);
  assert.match(notDue.stderr, /not overdue/);
  assert.equal((await callOf(db, x.id)).status, 'open');
  assert.equal(journalOf(db).length, entries);
  const es = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--id', String(y.id), '--reason', 'no funds received', '--json'])).json<MarginCall>();
  assert.equal(es.status, 'escalated');
  assert.deepEqual(es.history!.at(-1)!.kind, 'escalated');
  const last = journalOf(db).at(-1)!;
  assert.deepEqual([last.command, last.actor, last.payload.reason], ['calls.escalate', 'operator', 'no funds received']);
  ok(await riskdeskAs('operator', ['escalate', '--db', db, '--id', String(y.id), '--reason', 'no funds received']), 1); // already escalated
  assert.equal((await verifyOf(db)).ok, true);
});

test('--now runs a command on a fixed clock: a replayed cycle creates its calls at that time, not the wall clock', T, async (t) => {
  const { db } = ledgerFor(t, DEMO);
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', DEMO_CLOSE, '--now', DEMO_CLOSE]));
  const calls = await callsOf(db);
  assert.ok(calls.length > 0);
  for (const c of calls) {
    assert.equal(c.createdAt, DEMO_CLOSE_ISO);
    assert.ok(c.createdAt < c.deadline, 'a call is created before its deadline');
  }
  const bad = await riskdeskAs('operator', ['cycle', '--db', db, '--now', '2026-02-30T00:00:00Z']);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /now.*not a real time/);
});
