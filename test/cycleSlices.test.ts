// A margin cycle from the console runs a slice at a time inside its one transaction (doors/invoke.ts, dispatch.ts
// dispatchSliced): it stores exactly what the same cycle run at once stores, the desk's reads are answered between
// its slices from the committed ledger, changes wait for it, and a cancel rolls it back whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeTimers } from '../main/feed/timers.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import { openLedger } from '../main/ledger/db.ts';
import { forgetCycleResults } from '../main/commands/console/dashboard.ts';
import type { Ledger } from '../main/ledger/db.ts';
import type { CycleSummary, DashboardSummary, MarginCall, ResidentCheck } from '../shared/contract.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-cycle-slices-', 400);
const op: Binding = { kind: 'window', key: 'op' };
const viewer: Binding = { kind: 'window', key: 'viewer' };
const OPERATOR = { name: 'operator', role: 'operator' as const };

/** A clock on the book's day that moves a minute at each reading's request. */
function clockFrom(iso: string) {
  let t = Date.parse(iso) + 3_600_000;
  return { now: () => new Date(t), step: () => (t += 60_000) };
}

async function console_(sliceMs = 0) {
  const db = demoLedger();
  const clock = clockFrom(DEMO_AS_OF);
  const d = new Door({ db, now: clock.now, log: () => {}, sliceMs });
  for (const [b, name] of [
    [op, 'operator'],
    [viewer, 'viewer'],
  ] as const) {
    assert.equal((await d.invokeAsync(b, 'session.login', { name, password: `${name}-demo` })).result.ok, true);
  }
  return { db, d, clock };
}

const value = <T>(r: { result: { ok: boolean } }): T => {
  if (!r.result.ok) throw new Error(JSON.stringify(r.result));
  return (r.result as { ok: true; value: T }).value;
};

/** What a cycle leaves in the ledger, to compare two ledgers row for row (the journal's hash chain covers the rest). */
function stored(db: Ledger) {
  const rows = (sql: string) => db.prepare(sql).raw().all() as unknown[][];
  return {
    journal: rows('SELECT seq, at, actor, command, payload, result FROM journal ORDER BY seq'),
    cycles: rows('SELECT id, as_of, run_at, summary FROM margin_cycles ORDER BY id'),
    results: rows('SELECT * FROM cycle_result_chunks ORDER BY cycle_id, chunk'),
    calls: rows('SELECT * FROM margin_calls ORDER BY id'),
    liquidations: rows('SELECT id, account_id, status, cycle_id, reasons, before_figures, after_figures, notional FROM liquidations ORDER BY id'),
    orders: rows('SELECT * FROM liquidation_orders ORDER BY liquidation_id, seq'),
  };
}

test('a cycle run in slices stores what the same cycle run at once stores, to the byte of the journal', async () => {
  const sliced = await console_(0);
  const once = demoLedger();
  const onceClock = clockFrom(DEMO_AS_OF);
  const resident = new ResidentBook(once);
  for (let k = 0; k < 3; k++) {
    const a: CycleSummary = value<CycleSummary>(await sliced.d.invokeAsync(op, 'cycle.run', {}));
    const b: CycleSummary = dispatch({ db: once, actor: OPERATOR, now: onceClock.now, resident }, 'cycle.run', {});
    assert.deepEqual({ ...a, ms: 0 }, { ...b, ms: 0 }, `cycle ${k}`);
    sliced.clock.step();
    onceClock.step();
  }
  const [x, y] = [stored(sliced.db), stored(once)];
  assert.deepEqual(x.cycles, y.cycles);
  assert.deepEqual(x.results, y.results);
  assert.deepEqual(x.calls, y.calls);
  assert.deepEqual(x.liquidations, y.liquidations);
  assert.deepEqual(x.orders, y.orders);
  // The cycles' journal entries are the same entries (the door's sign-ins come before them in one journal only).
  const cyclesOf = (j: unknown[][]) => j.filter((r) => r[3] === 'cycle.run').map((r) => r.slice(1));
  assert.deepEqual(cyclesOf(x.journal), cyclesOf(y.journal));
  assert.ok(x.liquidations.length > 0 && x.calls.length > 0, 'the book gives the cycle calls and proposals to write');
  sliced.d.close();
  sliced.db.close();
  once.close();
});

test("between a cycle's slices the desk's reads are answered from the committed ledger, and changes wait for the cycle", async () => {
  const { db, d } = await console_(0);
  value(await d.invokeAsync(op, 'cycle.run', {}));
  const before = value<DashboardSummary>(d.invoke(viewer, 'dashboard.summary', {}));
  const open = value<MarginCall[]>(d.invoke(op, 'calls.list', { status: 'open' }));
  assert.ok(open.length > 0);
  const order: string[] = [];
  const running = d.invokeAsync(op, 'cycle.run', {}).then((r) => (order.push('cycle'), r));
  // The cycle has run its first slice and paused: it holds the write transaction now. Let it run slices until its
  // own connection shows its cycle row (written, not committed).
  assert.equal(d.cycling, true);
  const written = () => Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get());
  while (d.cycling && written() === before.cycle) await new Promise((r) => setImmediate(r));
  assert.equal(d.cycling, true, 'the cycle is still running once its row is written');
  assert.equal(written(), before.cycle! + 1);
  const during = value<DashboardSummary>(d.invoke(viewer, 'dashboard.summary', {}));
  assert.equal(during.cycle, before.cycle, 'a read sees the ledger as committed, not the cycle half-written');
  // A change asked meanwhile waits for the cycle (it would otherwise join the cycle's transaction) ...
  const deposit = d.invokeAsync(op, 'calls.deposit', { id: open[0]!.id, amount: '1.00' }).then((r) => (order.push('deposit'), r));
  // ... and the synchronous door refuses one outright rather than run it inside the cycle.
  const refused = d.invoke(op, 'calls.deposit', { id: open[0]!.id, amount: '1.00' }).result;
  assert.equal(refused.ok, false);
  assert.equal((refused as { ok: false; error: { code: string } }).error.code, 'busy');
  const cycle = value<CycleSummary>(await running);
  value(await deposit);
  assert.deepEqual(order, ['cycle', 'deposit']);
  assert.equal(d.cycling, false);
  const after = value<DashboardSummary>(d.invoke(viewer, 'dashboard.summary', {}));
  assert.equal(after.cycle, cycle.cycle);
  // Its alerts name the accounts the cycle remembered from memory; a connection that reads the stored results names
  // the same ones, once the process has forgotten what cycles remembered.
  const copy = openLedger(db.name, { readonly: true });
  const named = (alerts: DashboardSummary['alerts']) => alerts.filter((a) => /bankrupt|in liquidation/.test(a.text)).map((a) => a.text);
  assert.ok(named(after.alerts).length > 0);
  forgetCycleResults();
  assert.deepEqual(named(dispatch({ db: copy, actor: OPERATOR, now: () => new Date() }, 'dashboard.summary', {}).alerts), named(after.alerts));
  copy.close();
  d.close();
  db.close();
});

test('a cancelled cycle is rolled back whole: no row, no journal entry, the resident book still in step; the next cycle runs', async () => {
  const { db, d } = await console_(0);
  value(await d.invokeAsync(op, 'cycle.run', {}));
  const before = stored(db);
  const running = d.invokeAsync(op, 'cycle.run', {});
  assert.equal(d.cycling, true);
  // A viewer may not stop the desk's cycle; the operator may.
  const denied = d.invoke(viewer, 'cycle.cancel', {}).result;
  assert.equal(denied.ok, false);
  assert.deepEqual(d.invoke(op, 'cycle.cancel', {}).result, { ok: true, value: { cancelled: true } });
  const out = (await running).result;
  assert.equal(out.ok, false);
  const error = (out as { ok: false; error: { code: string; message: string } }).error;
  assert.equal(error.code, 'cancelled');
  assert.match(error.message, /cancelled by operator/);
  assert.deepEqual(stored(db), before, 'nothing of the cancelled cycle is stored');
  assert.deepEqual(d.invoke(op, 'cycle.cancel', {}).result, { ok: true, value: { cancelled: false } }, 'nothing runs now');
  const check = value<ResidentCheck>(d.invoke(op, 'resident.check', {}));
  assert.equal(check.ok, true, JSON.stringify(check));
  const next = value<CycleSummary>(await d.invokeAsync(op, 'cycle.run', {}));
  assert.equal(BigInt(next.cycle), (before.cycles.at(-1)![0] as bigint) + 1n);
  d.close();
  db.close();
});

test("marks from the feed that arrive during a console cycle are applied, in order, once it has committed", async () => {
  const db = demoLedger();
  const timers = new FakeTimers();
  const t0 = Date.parse(DEMO_AS_OF) + 3_600_000;
  const d = new Door({ db, now: () => new Date(t0 + timers.now()), log: () => {}, sliceMs: 0, live: { timers } });
  assert.equal((await d.invokeAsync(op, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-slices-feed-')), 'marks.ndjson');
  fs.writeFileSync(file, '');
  d.live.followFile(file, { name: 'system:feed', role: 'operator', batch: true });
  timers.advance(100);
  const running = d.invokeAsync(op, 'cycle.run', {});
  assert.equal(d.cycling, true);
  fs.appendFileSync(file, `${JSON.stringify({ instrument: 'BTC-PERP', price: '45000', time: new Date(t0 + 100).toISOString() })}\n`);
  timers.advance(100); // a poll and a batch window: the feed hands its marks over while the cycle holds the ledger
  const commands = () => db.prepare("SELECT command FROM journal WHERE command IN ('cycle.run', 'prices.tick') ORDER BY seq").pluck().all();
  assert.deepEqual(commands(), [], 'nothing joins the running cycle');
  value(await running);
  assert.deepEqual(commands(), ['cycle.run', 'prices.tick']);
  await d.live.stop();
  d.close();
  db.close();
});
