// The command layer on a real ledger file, with an injected clock: validation, roles, the journal, determinism,
// and the margin-call lifecycle of methodology §6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { journalHead, verifyJournal } from '../main/ledger/journal.ts';
import type { CycleSummary, MarginCall } from '../shared/contract.ts';
import { readCycleResults, accountHistory } from '../main/ledger/cycleResults.ts';
import { readInstruments, readAssets } from '../main/ledger/bookRepo.ts';
import { setPolicy } from './support/policy.ts';
import { formatUnits, decimalPlaces, parseUnits } from '../shared/units.ts';
import { normaliseTime } from '../shared/time.ts';
import { OPTIONS_DESK_ACCOUNTS } from '../main/demo/optionsDesk.ts';

const demoLedger = demoLedgers('riskdesk-commands-', 300);
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const clockAt = (iso: string) => () => new Date(iso);
const run = <T>(db: Ledger, actor: Actor, at: string, channel: string, payload: unknown) =>
  dispatch({ db, actor, now: clockAt(at) }, channel, payload) as T;


/** Re-imports the marks and asset prices of an earlier day at a later time (prices recover), through import.csv. */
function pricesRecover(db: Ledger, fromAt: string, toAt: string): void {
  const insts = new Map(readInstruments(db).map((x) => [x.id, x]));
  const marks = db.prepare('SELECT instrument_id, mark FROM prices WHERE at = ?').all(fromAt) as { instrument_id: string; mark: bigint }[];
  const price = (id: string, ticks: bigint) => {
    const tick = insts.get(id)!.tick;
    const d = decimalPlaces(tick);
    return formatUnits(ticks * parseUnits(tick, d, 'tick'), d); // a mark in ticks, as a decimal price
  };
  const rows = marks.map((m) => `${m.instrument_id},${toAt},${price(m.instrument_id, m.mark)}`);
  run(db, operator, toAt, 'import.csv', { kind: 'prices', file: 'recovery.csv', text: `instrument,at,mark\n${rows.join('\n')}\n` });
  const assets = new Map(readAssets(db).map((a) => [a.id, a]));
  const ap = db.prepare('SELECT asset_id, price FROM asset_prices WHERE at = ?').all(fromAt) as { asset_id: string; price: bigint }[];
  const arows = ap.map((p) => `${p.asset_id},${toAt},${formatUnits(p.price, assets.get(p.asset_id)!.priceScale)}`);
  run(db, operator, toAt, 'import.csv', { kind: 'asset-prices', file: 'recovery-assets.csv', text: `asset,at,price\n${arows.join('\n')}\n` });
}

test('a payload that fails its schema is refused with the field named, and nothing is journalled', () => {
  const db = demoLedger(50);
  const head = journalHead(db);
  assert.throws(() => run(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: 'seven', reason: 'because' }), (e: unknown) => e instanceof InputError && /field id/.test(e.message));
  assert.throws(() => run(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: 1, reason: 'because', extra: true }), /unknown field "extra"/);
  assert.throws(() => run(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: 1, reason: 'x' }), /field reason: calls.waive: a reason of at least 3 characters/);
  assert.throws(() => run(db, operator, DEMO_AS_OF, 'no.such', {}), /unknown command "no.such"/);
  assert.throws(() => run(db, operator, DEMO_AS_OF, 'cycle.run', { at: 'yesterday' }), /field at/);
  assert.deepEqual(journalHead(db), head);
  db.close();
});

test('a role that may not run a command is refused before anything happens', () => {
  const db = demoLedger(50);
  const head = journalHead(db);
  const viewer: Actor = { name: 'viewer', role: 'viewer' };
  assert.throws(() => run(db, viewer, DEMO_AS_OF, 'cycle.run', {}), (e: unknown) => e instanceof RuleError && /needs the operator role/.test(e.message));
  assert.equal(db.prepare('SELECT count(*) FROM margin_cycles').pluck().get(), 0n);
  assert.deepEqual(journalHead(db), head);
  db.close();
});

test('the same ledger and prices give the same cycle, byte for byte', () => {
  const a = demoLedger(400);
  const b = demoLedger(400);
  const sa = run<CycleSummary>(a, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  run<CycleSummary>(b, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  assert.ok(sa.calls.issued > 0);
  const dump = (db: Ledger) => ({
    summary: db.prepare('SELECT summary FROM margin_cycles').pluck().get(),
    chunks: (db.prepare('SELECT figures FROM cycle_result_chunks ORDER BY chunk').pluck().all() as Buffer[]).map((x) => x.toString('hex')),
    calls: db.prepare('SELECT account_id, amount, deadline, status FROM margin_calls ORDER BY id').all(),
    head: journalHead(db).hash,
  });
  assert.deepEqual(dump(a), dump(b));
  // The stored results read back to what the cycle reported.
  const r = readCycleResults(a, sa.cycle);
  assert.equal(r.ids.length, 400 + OPTIONS_DESK_ACCOUNTS);
  assert.equal(r.status.filter((s) => s >= 2).length, sa.statuses.call + sa.statuses.liquidation + sa.statuses.bankrupt);
  a.close();
  b.close();
});

test('margin-call lifecycle: issue, partial deposit, re-size, overdue, extend, met', () => {
  const db = demoLedger(300);
  const T0 = DEMO_AS_OF;
  const c1 = run<CycleSummary>(db, operator, T0, 'cycle.run', { at: T0 });
  assert.ok(c1.calls.issued > 0);
  const open = run<MarginCall[]>(db, operator, T0, 'calls.list', { status: 'open' });
  assert.equal(open.length, c1.calls.issued);
  // Choose a call on an account with cross positions only, so a deposit moves its equity one for one.
  const call = open[0]!;
  assert.equal(call.deadline, '2026-03-12T22:00:00.000Z'); // cycle time + 60 cure minutes

  // A partial deposit: outstanding falls, the call stays open, and the next cycle at the same prices keeps the
  // call's amount (deposited + what is still needed), updating nothing.
  const part = (Number(call.amount) / 4).toFixed(2);
  const d1 = run<MarginCall>(db, operator, T0, 'calls.deposit', { id: call.id, amount: part });
  assert.equal(d1.status, 'open');
  assert.equal(d1.deposited, String(Number(part)));
  const c2 = run<CycleSummary>(db, operator, '2026-03-12T21:10:00.000Z', 'cycle.run', { at: '2026-03-12T21:10:00.000Z' });
  assert.equal(c2.calls.issued, 0);
  const after = run<MarginCall>(db, operator, T0, 'calls.get', { id: call.id });
  assert.equal(after.amount, call.amount);

  // Past the deadline the call is overdue and the account counts as in liquidation.
  const c3 = run<CycleSummary>(db, operator, '2026-03-12T22:30:00.000Z', 'cycle.run', { at: '2026-03-12T22:30:00.000Z' });
  assert.ok(c3.calls.overdue >= 1);
  assert.equal(run<MarginCall>(db, operator, T0, 'calls.get', { id: call.id }).status, 'overdue');
  const hist = accountHistory(db, call.account, 10);
  assert.equal(hist[0]!.status === 'liquidation' || hist[0]!.status === 'bankrupt', true);

  // An operator may not extend; a supervisor may, and the overdue call is open again.
  assert.throws(() => run(db, operator, '2026-03-12T22:31:00.000Z', 'calls.extend', { id: call.id, deadline: '2026-03-13T02:00:00Z', reason: 'member wiring funds' }), RuleError);
  const ext = run<MarginCall>(db, supervisor, '2026-03-12T22:31:00.000Z', 'calls.extend', { id: call.id, deadline: '2026-03-13T02:00:00Z', reason: 'member wiring funds' });
  assert.equal(ext.status, 'open');
  assert.equal(ext.deadline, '2026-03-13T02:00:00.000Z');

  // Depositing the rest meets the call; its history tells the whole story with actors.
  const rest = (Number(ext.amount) - Number(ext.deposited)).toFixed(2);
  const met = run<MarginCall>(db, operator, '2026-03-12T22:40:00.000Z', 'calls.deposit', { id: call.id, amount: rest });
  assert.equal(met.status, 'met');
  const kinds = met.history!.map((e) => `${e.kind}:${e.actor}`);
  assert.deepEqual(kinds, ['issued:operator', 'deposit:operator', 'overdue:operator', 'extended:supervisor', 'deposit:operator', 'met:operator']);
  // A closed call takes no more deposits, and says why.
  assert.throws(() => run(db, operator, '2026-03-12T22:41:00.000Z', 'calls.deposit', { id: call.id, amount: '1' }), /it is met/);
  assert.equal(verifyJournal(db).ok, true);
  db.close();
});

test('a call settles by itself when a later cycle shows the account back at initial margin', () => {
  const db = demoLedger(300);
  run<CycleSummary>(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  // The prices of an earlier day come back (imported at a later time): accounts are back above IM.
  pricesRecover(db, '2026-03-01T21:00:00.000Z', '2026-03-12T21:20:00.000Z');
  const c = run<CycleSummary>(db, operator, '2026-03-12T21:30:00.000Z', 'cycle.run', { at: '2026-03-12T21:30:00.000Z' });
  assert.ok(c.calls.met > 0, `met ${c.calls.met}`);
  const stillOpen = run<MarginCall[]>(db, operator, '2026-03-12T21:30:00.000Z', 'calls.list', { status: 'open' });
  for (const k of stillOpen) assert.ok(Number(k.amount) > 0);
  db.close();
});

test('a waived call holds off new calls until the need outgrows it; an escalated one until the account recovers', () => {
  const db = demoLedger(300);
  const T0 = DEMO_AS_OF;
  run<CycleSummary>(db, operator, T0, 'cycle.run', { at: T0 });
  const [first, second] = run<MarginCall[]>(db, operator, T0, 'calls.list', { status: 'open' });
  run(db, supervisor, T0, 'calls.waive', { id: first!.id, reason: 'relationship: member tops up tomorrow' });
  const c2 = run<CycleSummary>(db, operator, '2026-03-12T21:05:00.000Z', 'cycle.run', { at: T0 });
  assert.equal(c2.calls.issued, 0, 'the same prices issue no call over the waiver');
  assert.equal(c2.calls.held, 1);

  // Overdue, then escalated: no fresh call with a fresh cure period, and the account counts as in liquidation.
  run<CycleSummary>(db, operator, '2026-03-12T22:30:00.000Z', 'cycle.run', { at: '2026-03-12T22:30:00.000Z' });
  run(db, operator, '2026-03-12T22:31:00.000Z', 'calls.escalate', { id: second!.id, reason: 'no funds received' });
  const c4 = run<CycleSummary>(db, operator, '2026-03-12T22:40:00.000Z', 'cycle.run', { at: '2026-03-12T22:40:00.000Z' });
  assert.equal(run<MarginCall[]>(db, operator, T0, 'calls.list', { account: second!.account }).length, 1, 'no new call after escalation');
  assert.ok(c4.calls.held >= 2);
  const h = accountHistory(db, second!.account, 1)[0]!;
  assert.ok(h.status === 'liquidation' || h.status === 'bankrupt', h.status);

  // Prices recover: the held calls are cleared, with an event saying why.
  pricesRecover(db, '2026-03-01T21:00:00.000Z', '2026-03-12T22:45:00.000Z');
  run<CycleSummary>(db, operator, '2026-03-12T22:50:00.000Z', 'cycle.run', { at: '2026-03-12T22:50:00.000Z' });
  const waived = run<MarginCall>(db, operator, T0, 'calls.get', { id: first!.id });
  assert.equal(waived.history!.at(-1)!.kind, 'cleared');
  db.close();
});

test('a waiver above the four-eyes amount needs a second, different supervisor', () => {
  const db = demoLedger(300);
  setPolicy(<T,>(l: Ledger, a: Actor, ch: string, p: unknown) => run<T>(l, a, DEMO_AS_OF, ch, p), db, 'fourEyesWaiver', '100');
  run<CycleSummary>(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  const big = run<MarginCall[]>(db, operator, DEMO_AS_OF, 'calls.list', { status: 'open' }).find((c) => Number(c.outstanding) > 100)!;
  const asked = run<MarginCall>(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: big.id, reason: 'disputed fee' });
  assert.equal(asked.status, 'open');
  assert.equal(asked.pendingWaiver?.by, 'supervisor');
  assert.throws(() => run(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: big.id, reason: 'again' }), (e: unknown) => e instanceof RuleError && e.code === 'four_eyes');
  const done = run<MarginCall>(db, { name: 'supervisor2', role: 'supervisor' }, DEMO_AS_OF, 'calls.waive', { id: big.id, reason: 'agreed' });
  assert.equal(done.status, 'waived');
  assert.equal(done.outstanding, '0', 'nothing is owed on a waived call');
  assert.equal(done.pendingWaiver, null, 'a confirmed waiver is no longer pending');
  assert.deepEqual(done.history!.slice(-2).map((e) => `${e.kind}:${e.actor}`), ['waiver_requested:supervisor', 'waived:supervisor2']);
  db.close();
});

test('a second supervisor cannot confirm a waiver for more than was asked: a re-sized call needs a new request', () => {
  const db = demoLedger(300);
  setPolicy(<T,>(l: Ledger, a: Actor, ch: string, p: unknown) => run<T>(l, a, DEMO_AS_OF, ch, p), db, 'fourEyesWaiver', '100');
  run<CycleSummary>(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  const c = run<MarginCall[]>(db, operator, DEMO_AS_OF, 'calls.list', { status: 'open' }).find((x) => Number(x.outstanding) > 1000)!;
  const asked = run<MarginCall>(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: c.id, reason: 'disputed fee' });
  assert.equal(asked.pendingWaiver?.amount, c.outstanding);
  // A part deposit re-sizes what is outstanding after the request.
  run(db, operator, DEMO_AS_OF, 'calls.deposit', { id: c.id, amount: '100' });
  const sup2 = { name: 'supervisor2', role: 'supervisor' as const };
  assert.throws(() => run(db, sup2, DEMO_AS_OF, 'calls.waive', { id: c.id, reason: 'agreed' }), (e: unknown) => e instanceof RuleError && e.code === 'waiver_stale');
  // The first supervisor asks again for the new amount; now the second may confirm it.
  const again = run<MarginCall>(db, supervisor, DEMO_AS_OF, 'calls.waive', { id: c.id, reason: 'disputed fee, after the part payment' });
  assert.equal(again.pendingWaiver?.amount, again.outstanding);
  assert.equal(run<MarginCall>(db, sup2, DEMO_AS_OF, 'calls.waive', { id: c.id, reason: 'agreed' }).status, 'waived');
  db.close();
});

test('times carry their zone and are real, or refused; they are stored in UTC', () => {
  assert.equal(normaliseTime('2026-03-12T21:00:00Z'), '2026-03-12T21:00:00.000Z');
  assert.equal(normaliseTime('2026-03-12T21:00Z'), '2026-03-12T21:00:00.000Z');
  assert.equal(normaliseTime('2026-03-12T21:00:00.5+00:00'), '2026-03-12T21:00:00.500Z');
  assert.equal(normaliseTime('2026-03-12T22:00:00+01:00'), '2026-03-12T21:00:00.000Z');
  for (const bad of ['2026-02-30T21:00:00Z', '2026-03-12T24:00:00Z', '2026-03-12T21:00:00', '2026-03-12T21:00:00+0100', '12/03/2026', 'now']) {
    assert.throws(() => normaliseTime(bad), InputError, bad);
  }
});

test('a cycle cannot run as of the future, nor before the latest cycle, and the journal refuses a clock set back', () => {
  const db = demoLedger(60);
  const T0 = DEMO_AS_OF;
  const head0 = journalHead(db);
  // As of after now: calls would go overdue early.
  assert.throws(() => run(db, operator, T0, 'cycle.run', { at: '2026-03-13T21:00:00Z' }), (e: unknown) => e instanceof RuleError && e.code === 'cycle_in_future');
  run<CycleSummary>(db, operator, '2026-03-12T22:00:00.000Z', 'cycle.run', { at: '2026-03-12T22:00:00Z' });
  const open = run<MarginCall[]>(db, operator, '2026-03-12T22:00:00.000Z', 'calls.list', { status: 'open' }).length;
  // As of before the latest cycle, at the pre-crash prices: would settle calls nobody paid. Refused, nothing changes.
  assert.throws(() => run(db, operator, '2026-03-12T22:05:00.000Z', 'cycle.run', { at: '2026-03-01T21:00:00Z' }), (e: unknown) => e instanceof RuleError && e.code === 'cycle_before_latest');
  assert.equal(run<MarginCall[]>(db, operator, '2026-03-12T22:05:00.000Z', 'calls.list', { status: 'open' }).length, open);
  // A clock set back before the journal's last entry: refused, nothing written.
  const head = journalHead(db);
  assert.notDeepEqual(head, head0);
  const someCall = run<MarginCall[]>(db, operator, '2026-03-12T22:05:00.000Z', 'calls.list', { status: 'open' })[0]!;
  assert.throws(() => run(db, operator, '2026-03-12T21:59:00.000Z', 'calls.deposit', { id: someCall.id, amount: '1' }), (e: unknown) => e instanceof RuleError && e.code === 'clock_backwards');
  assert.equal(run<MarginCall>(db, operator, '2026-03-12T22:05:00.000Z', 'calls.get', { id: someCall.id }).deposited, '0');
  assert.deepEqual(journalHead(db), head);
  db.close();
});

test('imports cannot silently revalue stored data, change a member status, or be made by an operator for reference data', () => {
  const db = demoLedger(60);
  const sup = supervisor;
  const T = DEMO_AS_OF;
  const head = journalHead(db);
  // An operator may import prices and positions, but not reference data.
  assert.throws(() => run(db, operator, T, 'import.csv', { kind: 'instruments', file: 'i.csv', text: 'id,kind,underlying,multiplier,lot,tick\nBTC-PERP,perpetual,BTC,1,0.001,1\n' }), (e: unknown) => e instanceof RuleError && /supervisor/.test(e.message));
  // BTC-PERP's tick 0.1 -> 1 would make every stored mark worth ten times as much.
  assert.throws(() => run(db, sup, T, 'import.csv', { kind: 'instruments', file: 'i.csv', text: 'id,kind,underlying,multiplier,lot,tick\nBTC-PERP,perpetual,BTC,1,0.001,1\n' }), (e: unknown) => e instanceof InputError && /i\.csv, row 1, column tick: instrument BTC-PERP already has \d+ positions/.test(e.message));
  assert.throws(() => run(db, sup, T, 'import.csv', { kind: 'assets', file: 'a.csv', text: 'id,quantity_scale,price_scale,liquidity_class\nUSDT,2,6,stablecoin\n' }), /column quantity_scale: asset USDT already has/);
  const m = db.prepare("SELECT id, name, default_fund FROM members WHERE status = 'active' LIMIT 1").get() as { id: string; name: string; default_fund: bigint };
  assert.throws(() => run(db, sup, T, 'import.csv', { kind: 'members', file: 'm.csv', text: `id,name,status,default_fund,assessment_multiple\n${m.id},${m.name},defaulted,${formatUnits(m.default_fund, 6)},2\n` }), /column status: member .* is active/);
  assert.deepEqual(journalHead(db), head, 'nothing was imported');
  db.close();
});

test('a new instrument without tiers or prices yet does not stop the margin cycle', () => {
  const db = demoLedger(40);
  run(db, supervisor, DEMO_AS_OF, 'import.csv', { kind: 'instruments', file: 'new.csv', text: 'id,kind,underlying,multiplier,lot,tick\nSOL-PERP,perpetual,SOL,1,0.1,0.01\n' });
  const c = run<CycleSummary>(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  assert.equal(c.accounts, 40 + OPTIONS_DESK_ACCOUNTS);
  db.close();
});
