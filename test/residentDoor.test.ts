// The resident book in the console's door (Electron and `riskdesk serve` both build theirs on Door): read once by the
// first cycle, kept in step in place by ticks, deposits and cycles, checked by resident.check through the door; a
// price tick by another process (a feed) is followed in place from its journal entry; a write outside the journal
// is noticed, and the book is read again. A door built
// without one says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceOfTicks } from '../main/commands/priceTick.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { openLedger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { MarginCall, ResidentCheck, TickOutput } from '../shared/contract.ts';

const demoLedger = demoLedgers('riskdesk-resident-door-', 250);
const window: Binding = { kind: 'window', key: 'w1' };

test('the door keeps one resident book in step with its commands and with other processes', async () => {
  const db = demoLedger();
  let clock = Date.parse(DEMO_AS_OF);
  const door = new Door({ db, now: () => new Date(clock), log: () => {} });
  assert.equal((await door.invokeAsync(window, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
  const call = <T>(channel: string, payload: unknown): T => {
    clock += 60_000;
    const r = door.invoke(window, channel, payload).result;
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as T;
  };
  assert.equal(door.resident!.loaded, false, 'nothing is read before the book is needed');
  call('cycle.run', {});
  assert.equal(door.resident!.loads, 1);
  const book = readBook(db, new Date(clock).toISOString()).book;
  const inst = book.instruments.find((x) => x.id === 'BTC-PERP') ?? book.instruments[0]!;
  const price = (ticks: bigint) => priceOfTicks(inst.tick, ticks);
  const tick = call<TickOutput>('prices.tick', { marks: [{ instrument: inst.id, price: price((book.marks.get(inst.id)! * 85n) / 100n), time: new Date(clock + 60_000).toISOString() }] });
  assert.ok(tick.calls.length > 0, 'a 15% fall calls someone');
  const open = call<MarginCall[]>('calls.list', { status: 'open' });
  call('calls.deposit', { id: open[0]!.id, amount: '1000.00' });
  call('cycle.run', {});
  let check = call<ResidentCheck>('resident.check', {});
  assert.deepEqual({ ok: check.ok, resident: check.resident, loads: check.loads }, { ok: true, resident: true, loads: 1 }, JSON.stringify(check.differences));

  // A feed in another process sends a mark: its journal entry says what it did, and the book follows it in place.
  const feed = openLedger(db.name);
  clock += 60_000;
  const fed = dispatch({ db: feed, actor: { name: 'batch', role: 'operator', batch: true }, now: () => new Date(clock) }, 'prices.tick', {
    marks: [{ instrument: inst.id, price: price((book.marks.get(inst.id)! * 70n) / 100n), time: new Date(clock).toISOString() }],
  });
  assert.ok(fed.calls.length > 0, 'a further fall calls more accounts');
  check = call<ResidentCheck>('resident.check', {});
  assert.deepEqual({ ok: check.ok, loads: check.loads }, { ok: true, loads: 1 }, JSON.stringify(check.differences));
  // The ticks the other process issued calls for are left to the next cycle by this console's screen too.
  const again = call<TickOutput>('prices.tick', { marks: [{ instrument: inst.id, price: price((book.marks.get(inst.id)! * 69n) / 100n), time: new Date(clock + 60_000).toISOString() }] });
  const calledByFeed = new Set(fed.calls.map((c) => c.account));
  assert.ok(again.calls.every((c) => !calledByFeed.has(c.account)), 'no second call for an account the feed process called');

  // Another process doubles an account's collateral without a journal entry: the book is read again and agrees.
  feed.prepare('UPDATE collateral SET quantity = quantity * 2 WHERE account_id = ?').run(book.accounts[0]!.id);
  feed.close();
  check = call<ResidentCheck>('resident.check', {});
  assert.deepEqual({ ok: check.ok, loads: check.loads }, { ok: true, loads: 2 }, JSON.stringify(check.differences));
  assert.equal(door.resident!.lastLoadReason, 'another process changed the ledger outside the journal');
});

test('a door without a resident book says so, and its cycles read the ledger', async () => {
  const db = demoLedger();
  const door = new Door({ db, now: () => new Date(DEMO_AS_OF), log: () => {}, resident: false });
  await door.invokeAsync(window, 'session.login', { name: 'viewer', password: 'viewer-demo' });
  const r = door.invoke(window, 'resident.check', {}).result;
  assert.ok(r.ok);
  assert.deepEqual(r.value, { resident: false, ok: true, accounts: 0, differences: [], loads: 0, ms: 0 });
  assert.equal(door.resident, null);
});
