// The console's live side on a real ledger, on a fake clock (no sleeps): a followed file's marks become prices.tick
// calls announced as events, a stopped feed raises the stale alert, the replay controls are channels with roles,
// and scheduled cycles run as the system actor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Door, type Binding } from './invoke.ts';
import { SCHEDULER } from './liveConsole.ts';
import { FakeTimers } from '../feed/timers.ts';
import { DEMO_AS_OF } from '../commands/initLedger.ts';
import { writePolicySetting } from '../ledger/bookRepo.ts';
import { dispatch } from '../commands/dispatch.ts';
import type { AccountsTable, ConsoleEvent, MarginCall, JournalEntry } from '../../shared/contract.ts';
import type { FeedStatus } from '../../shared/contractFeed.ts';
import { demoLedgers } from '../../test/support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-live-', 300);
const FEED = { name: 'system:feed', role: 'operator', batch: true } as const;
/** An hour after the demo book's last mark. */
const T0 = Date.parse(DEMO_AS_OF) + 3_600_000;

async function console_() {
  const db = demoLedger();
  const timers = new FakeTimers();
  const logs: string[] = [];
  const d = new Door({ db, now: () => new Date(T0 + timers.now()), live: { timers }, log: (l) => logs.push(l) });
  const events: ConsoleEvent[] = [];
  d.events.subscribe((e) => events.push(e));
  const op: Binding = { kind: 'window', key: 'op' };
  const viewer: Binding = { kind: 'window', key: 'viewer' };
  assert.equal((await d.invokeAsync(op, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
  assert.equal((await d.invokeAsync(viewer, 'session.login', { name: 'viewer', password: 'viewer-demo' })).result.ok, true);
  const call = <T>(b: Binding, channel: string, payload: unknown = {}): T => {
    const r = d.invoke(b, channel, payload).result;
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-live-feed-'));
  return { db, d, timers, events, logs, op, viewer, call, file: path.join(dir, 'marks.ndjson') };
}

const line = (instrument: string, price: string, at: number) => `${JSON.stringify({ instrument, price, time: new Date(at).toISOString() })}\n`;

test('a mark appended to a followed file calls the accounts it pushes under, and says so in events', async () => {
  const c = await console_();
  c.call(c.op, 'cycle.run');
  const before = c.call<MarginCall[]>(c.op, 'calls.list', { status: 'open' }).length;
  fs.writeFileSync(c.file, '');
  c.d.live.followFile(c.file, FEED);
  c.timers.advance(100);
  c.events.length = 0;
  fs.appendFileSync(c.file, line('BTC-PERP', '45000', T0 + 100) + 'oops\n' + line('NOPE', '1', T0 + 100));
  c.timers.advance(100); // one poll and one batch window
  const open = c.call<MarginCall[]>(c.op, 'calls.list', { status: 'open' });
  assert.ok(open.length > before, `calls ${before} -> ${open.length}`);
  const changed = c.events.find((e) => e.type === 'accounts.changed');
  assert.ok(changed && changed.type === 'accounts.changed');
  const fresh = open.filter((x) => x.createdAt === new Date(T0 + 200).toISOString() || x.createdAt > new Date(T0).toISOString());
  assert.deepEqual([...changed.accounts].sort(), fresh.map((x) => x.account).sort());
  assert.ok(c.events.some((e) => e.type === 'calls.changed'));
  const journal = c.call<JournalEntry[]>(c.op, 'journal.list', { limit: 5, beforeSeq: 1e9 });
  assert.equal(journal[0]!.command, 'prices.tick');
  assert.equal(journal[0]!.actor, 'system:feed');
  const st = c.call<FeedStatus>(c.viewer, 'feed.status');
  assert.equal(st.state, 'live');
  assert.equal(st.accepted, 1);
  assert.equal(st.refused, 2);
  assert.match(st.lastError!.message, /marks\.ndjson line 3: .*no instrument NOPE/);
  assert.match(c.logs.join('\n'), /refused marks\.ndjson line 2: not valid JSON/);
  assert.deepEqual(st.instruments.map((i) => [i.instrument, i.price]), [['BTC-PERP', '45000']]);
  assert.deepEqual(st.sources, [{ kind: 'file', name: 'marks.ndjson', by: 'system:feed' }]);
  await c.d.live.stop();
  c.db.close();
});

test('a feed that stops raises the stale alert once, after the policy age, and the live one when it comes back', async () => {
  const c = await console_();
  writePolicySetting(c.db, 'feedStaleSeconds', '5');
  c.call(c.op, 'cycle.run');
  fs.writeFileSync(c.file, '');
  c.d.live.followFile(c.file, FEED);
  c.d.live.start();
  fs.appendFileSync(c.file, line('ETH-PERP', '3000', T0));
  c.timers.advance(1_000);
  const statuses = () => c.events.filter((e) => e.type === 'feed.status').map((e) => (e as { status: FeedStatus }).status);
  const alerts = () => c.events.filter((e) => e.type === 'alert').map((e) => (e as { alert: { text: string; level: string } }).alert);
  assert.equal(statuses().at(-1)!.state, 'live');
  c.timers.advance(3_500);
  assert.equal(alerts().length, 0, 'not stale before 5 s');
  c.timers.advance(1_500);
  assert.equal(statuses().at(-1)!.state, 'stale');
  assert.equal(alerts().length, 1);
  assert.match(alerts()[0]!.text, /Market data feed stale: no mark for 5 s \(stale after 5 s\)/);
  assert.equal(alerts()[0]!.level, 'warning');
  c.timers.advance(10_000);
  assert.equal(alerts().length, 1, 'once, not every second');
  fs.appendFileSync(c.file, line('ETH-PERP', '3001', T0 + c.timers.now()));
  c.timers.advance(1_000);
  assert.equal(alerts().length, 2);
  assert.match(alerts()[1]!.text, /feed live: marks are coming in/);
  assert.ok(statuses().every((s) => s.schedule !== null && s.schedule.everySeconds === 0));
  await c.d.live.stop();
  c.db.close();
});

test('replay controls are channels with roles: a viewer watches, an operator starts, steps, pauses and stops', async () => {
  const c = await console_();
  c.call(c.op, 'cycle.run');
  const csv = `instrument,at,mark\nETH-PERP,2020-03-12T00:00:00Z,3000\nETH-PERP,2020-03-12T00:01:00Z,2990\nBTC-PERP,2020-03-12T00:02:00Z,56000\n`;
  assert.throws(() => c.call(c.viewer, 'feed.replay.start', { source: 'csv', file: 'p.csv', text: csv, speed: 60 }), /viewer \(viewer\) may not run feed\.replay\.start: it needs the operator role/);
  assert.throws(() => c.call(c.op, 'feed.replay.start', { source: 'csv', file: 'p.csv', text: csv, speed: 4000 }), /speed must be at most 3600x/);
  assert.throws(() => c.call(c.op, 'feed.replay.pause'), /no replay has been started/);
  let st = c.call<FeedStatus>(c.op, 'feed.replay.start', { source: 'csv', file: 'p.csv', text: csv, speed: 60 });
  assert.deepEqual([st.replay!.state, st.replay!.done, st.replay!.total, st.replay!.by], ['playing', 1, 3, 'operator']);
  assert.throws(() => c.call(c.op, 'feed.replay.start', { source: 'csv', file: 'p.csv', text: csv, speed: 60 }), /a replay started by operator is running/);
  st = c.call<FeedStatus>(c.op, 'feed.replay.pause');
  assert.equal(st.replay!.state, 'paused');
  c.timers.advance(60_000);
  st = c.call<FeedStatus>(c.op, 'feed.replay.step');
  assert.deepEqual([st.replay!.state, st.replay!.done], ['paused', 2]);
  // Replayed marks carry the console's clock, not the path's 2020 times.
  c.timers.advance(100);
  st = c.call<FeedStatus>(c.viewer, 'feed.status');
  assert.deepEqual(st.instruments.map((i) => [i.instrument, i.price, i.markTime]), [['ETH-PERP', '2990', new Date(T0 + 60_000).toISOString()]]);
  st = c.call<FeedStatus>(c.op, 'feed.replay.speed', { speed: 3600 });
  st = c.call<FeedStatus>(c.op, 'feed.replay.resume');
  c.timers.advance(100);
  st = c.call<FeedStatus>(c.viewer, 'feed.status');
  assert.equal(st.replay!.state, 'done');
  assert.equal(st.accepted, 3);
  const ticks = c.call<JournalEntry[]>(c.op, 'journal.list', { limit: 10, beforeSeq: 1e9, command: 'prices.tick' });
  assert.ok(ticks.length === 3 && ticks.every((e) => e.actor === 'operator'));
  await c.d.live.stop();
  c.db.close();
});

test('scheduled cycles run every N seconds as the system actor, journalled by that name, announced like any cycle', async () => {
  const c = await console_();
  writePolicySetting(c.db, 'cycleEverySeconds', '60');
  c.d.live.start();
  c.timers.advance(59_000);
  assert.equal(c.events.filter((e) => e.type === 'cycle.done').length, 0);
  c.timers.advance(1_000);
  c.timers.advance(60_000);
  assert.equal(c.events.filter((e) => e.type === 'cycle.done').length, 2);
  const cycles = c.call<JournalEntry[]>(c.op, 'journal.list', { limit: 10, beforeSeq: 1e9, command: 'cycle.run' });
  assert.deepEqual(cycles.map((e) => [e.actor, e.at]), [
    [SCHEDULER.name, new Date(T0 + 120_000).toISOString()],
    [SCHEDULER.name, new Date(T0 + 60_000).toISOString()],
  ]);
  await c.d.live.stop();
  c.db.close();
});

test('an end-of-day cycle runs as of HH:MM UTC, by the system actor', async () => {
  const c = await console_();
  // T0 is 22:00 UTC: the end of day at 22:05, as of that instant.
  writePolicySetting(c.db, 'eodCycleAt', '22:05');
  c.d.live.start();
  c.timers.advance(4 * 60_000);
  assert.equal(c.call<JournalEntry[]>(c.op, 'journal.list', { limit: 10, beforeSeq: 1e9, command: 'cycle.run' }).length, 0);
  c.timers.advance(60_000);
  const cycles = c.call<JournalEntry[]>(c.op, 'journal.list', { limit: 10, beforeSeq: 1e9, command: 'cycle.run' });
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0]!.actor, SCHEDULER.name);
  assert.equal((cycles[0]!.result as { asOf: string }).asOf, new Date(T0 + 5 * 60_000).toISOString());
  assert.equal(c.d.live.scheduler!.next.eod, T0 + 5 * 60_000 + 86_400_000, 'tomorrow next');
  await c.d.live.stop();
  c.db.close();
});

test('a refused scheduled cycle reaches the desk as an alert, and the schedule goes on', async () => {
  const c = await console_();
  writePolicySetting(c.db, 'cycleEverySeconds', '30');
  // A command journalled an hour ahead of the console's clock: the journal refuses a clock that goes back.
  dispatch({ db: c.db, actor: { name: 'operator', role: 'operator' }, now: () => new Date(T0 + 3_600_000) }, 'cycle.run', {});
  c.d.live.start();
  c.timers.advance(30_000);
  const alerts = () => c.events.filter((e) => e.type === 'alert').map((e) => (e as { alert: { text: string } }).alert.text);
  assert.equal(alerts().length, 1);
  assert.match(alerts()[0]!, /^Scheduled interval margin cycle refused: /);
  c.timers.advance(30_000);
  assert.equal(alerts().length, 2, 'tried again at the next interval');
  assert.equal(c.d.live.scheduler!.counts.failed, 2);
  assert.match(c.logs.join('\n'), /scheduled interval cycle failed/);
  await c.d.live.stop();
  c.db.close();
});

test('accounts.rows answers the rows an event names exactly as accounts.list has them, and names an unknown id', async () => {
  const c = await console_();
  c.call(c.op, 'cycle.run');
  const all = c.call<AccountsTable>(c.viewer, 'accounts.list');
  const ids = [all.columns.id[250]!, all.columns.id[3]!, all.columns.id[3]!];
  const rows = c.call<AccountsTable>(c.viewer, 'accounts.rows', { ids });
  assert.equal(rows.cycle, all.cycle);
  assert.deepEqual(rows.columns.id, [all.columns.id[3], all.columns.id[250]], 'in table order, once each');
  for (const k of Object.keys(all.columns) as (keyof AccountsTable['columns'])[]) {
    assert.deepEqual(rows.columns[k], [all.columns[k][3], all.columns[k][250]], k);
  }
  assert.throws(() => c.call(c.viewer, 'accounts.rows', { ids: [all.columns.id[0]!, 'NOPE-1'] }), /no account "NOPE-1" in cycle \d+/);
  c.db.close();
});
