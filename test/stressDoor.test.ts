// A stress run through a console door on a real ledger: on a thread of its own, progress events step by step, one
// run at a time, a cancel that takes effect at once (even while the book is being read), refusals as the command
// layer words them, and the same report as the command layer's synchronous run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { runLedgerStress } from '../main/commands/recovery/stress.ts';
import type { ConsoleEvent } from '../shared/contract.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-stress-door-', 600);

async function door() {
  const db = demoLedger();
  const d = new Door({ db, now: () => new Date(DEMO_AS_OF) });
  const events: ConsoleEvent[] = [];
  d.events.subscribe((e) => events.push(e));
  const viewer: Binding = { kind: 'window', key: 'w1' };
  const other: Binding = { kind: 'window', key: 'w2' };
  assert.equal((await d.invokeAsync(viewer, 'session.login', { name: 'viewer', password: 'viewer-demo' })).result.ok, true);
  assert.equal((await d.invokeAsync(other, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
  return { d, db, events, viewer, other };
}

test('a stress run through the door reports progress step by step and answers what the command layer answers', async () => {
  const { d, db, events, viewer } = await door();
  const out = await d.invokeAsync(viewer, 'stress.run', {});
  assert.equal(out.result.ok, true, JSON.stringify(out.result));
  const progress = events.filter((e) => e.type === 'progress');
  const total = progress[0]!.type === 'progress' ? progress[0]!.total : 0;
  assert.ok(total >= 2);
  assert.deepEqual(
    progress.map((e) => (e.type === 'progress' ? e.done : -1)),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  assert.ok(progress.every((e) => e.type === 'progress' && e.by === 'viewer' && e.task === 'stress.run'));
  const sync = runLedgerStress(db, DEMO_AS_OF, undefined);
  const value = (out.result as { ok: true; value: typeof sync }).value;
  assert.deepEqual({ ...value, ms: 0 }, { ...sync, ms: 0 });
  db.close();
});

test('one stress run at a time; a cancel ends it at once and nothing else is touched', async () => {
  const { d, db, events, viewer, other } = await door();
  const running = d.invokeAsync(viewer, 'stress.run', {});
  // The run is on its thread (reading the book): a second run is refused meanwhile.
  const second = await d.invokeAsync(other, 'stress.run', {});
  assert.equal(second.result.ok, false);
  assert.match((second.result as { ok: false; error: { message: string } }).error.message, /in progress/);
  // Other channels are answered while it runs.
  assert.equal(d.invoke(other, 'dashboard.summary', {}).result.ok, true);
  assert.deepEqual(d.invoke(other, 'stress.cancel', {}).result, { ok: true, value: { cancelled: true } });
  const out = await running;
  assert.equal(out.result.ok, false);
  assert.equal((out.result as { ok: false; error: { code: string } }).error.code, 'cancelled');
  // Cancelled before its thread reported anything, and its thread is gone: no step comes after the answer.
  assert.equal(events.filter((e) => e.type === 'progress').length, 0);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(events.filter((e) => e.type === 'progress').length, 0, 'no step of the cancelled run is reported later');
  // Nothing is running now: a cancel says so, and a new run goes through.
  assert.deepEqual(d.invoke(other, 'stress.cancel', {}).result, { ok: true, value: { cancelled: false } });
  assert.equal((await d.invokeAsync(other, 'stress.run', { scenarios: ['demo-violent-day'] })).result.ok, true);
  // Signed out, neither a run nor a cancel is taken.
  d.invoke(other, 'session.logout', {});
  assert.equal(d.invoke(other, 'stress.cancel', {}).result.ok, false);
  assert.equal((await d.invokeAsync(other, 'stress.run', {})).result.ok, false);
  db.close();
});

test("a cancel after some steps ends the run there; a refusal from the run's thread is worded as the command layer words it", async () => {
  const { d, db, events, viewer, other } = await door();
  const running = d.invokeAsync(viewer, 'stress.run', {});
  // Cancel on the first step reported (the base valuation): the scenarios after it are never reported.
  await new Promise<void>((resolve) => {
    const off = d.events.subscribe((e) => {
      if (e.type !== 'progress') return;
      off();
      assert.deepEqual(d.invoke(other, 'stress.cancel', {}).result, { ok: true, value: { cancelled: true } });
      resolve();
    });
  });
  const out = await running;
  assert.equal((out.result as { ok: false; error: { code: string; message: string } }).error.code, 'cancelled');
  assert.match((out.result as { ok: false; error: { message: string } }).error.message, /cancelled; nothing was changed/);
  const steps = events.filter((e) => e.type === 'progress').length;
  assert.ok(steps >= 1 && steps < 11, `${steps} steps reported`);

  const unknown = await d.invokeAsync(viewer, 'stress.run', { scenarios: ['demo-violent-day', 'no-such-scenario'] });
  assert.deepEqual(unknown.result, {
    ok: false,
    error: { code: 'bad_input', message: 'field scenarios[1]: no scenario "no-such-scenario"', where: { field: 'scenarios[1]' } },
  });
  db.close();
});
