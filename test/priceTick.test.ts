// prices.tick through dispatch on a real ledger, with a resident book as the console holds one: after each batch,
// the accounts with a live call are exactly those that had one plus those a full exact evaluation at the new marks
// says need one (the oracle is the engine's BigInt evaluation of the whole book, not the tick's screen); the marks and
// a journal entry are stored; the journal replays to the same calls; and every refusal names the mark and changes
// nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { priceOfTicks } from '../main/commands/priceTick.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { accountsWithCalls, callEvents } from '../main/ledger/callRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { verifyJournal } from '../main/ledger/journal.ts';
import { formatAmount } from '../shared/units.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { CommandContext } from '../main/commands/context.ts';

/** A price just off the tick grid: a millionth of a unit more. */
const offTick = (price: string) => (price.includes('.') ? `${price}000001` : `${price}.000001`);

function ledger(accounts: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-tick-'));
  const db = openLedger(path.join(dir, 't.db'), { create: true });
  initLedger(db, { demo: true, accounts, seed: 3 }, new Date(DEMO_AS_OF));
  return { db, dispose: () => (db.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

/** A ledger after its first cycle, with the console's resident book and a clock the test moves (`clock.ms`). */
function consoleLedger(accounts: number) {
  const l = ledger(accounts);
  const clock = { ms: Date.parse(DEMO_AS_OF) };
  const resident = new ResidentBook(l.db);
  const ctx = (): CommandContext => ({ db: l.db, actor: { name: 'operator', role: 'operator' }, now: () => new Date(clock.ms), resident });
  dispatch(ctx(), 'cycle.run', { at: DEMO_AS_OF });
  const book = readBook(l.db, DEMO_AS_OF).book;
  return { ...l, clock, ctx, book, marks: new Map(book.marks) };
}

test('ticks issue exactly the calls a full evaluation at the new marks asks for, and the journal replays them', () => {
  const { db, dispose } = ledger(800);
  try {
    let clock = Date.parse(DEMO_AS_OF);
    const resident = new ResidentBook(db);
    const ctx = (): CommandContext => ({ db, actor: { name: 'operator', role: 'operator' }, now: () => new Date(clock), resident });
    dispatch(ctx(), 'cycle.run', { at: DEMO_AS_OF });
    const book = readBook(db, DEMO_AS_OF).book;
    const marks = new Map(book.marks);
    let issued = 0;
    for (let step = 0; step < 12; step++) {
      const inst = book.instruments[step % book.instruments.length]!;
      const next = (marks.get(inst.id)! * 97n) / 100n; // 3% down each tick
      marks.set(inst.id, next);
      const before = new Set(accountsWithCalls(db));
      clock += 60_000;
      const at = new Date(clock).toISOString();
      const r = dispatch(ctx(), 'prices.tick', { marks: [{ instrument: inst.id, price: priceOfTicks(inst.tick, next), time: at }] });
      assert.equal(r.stored, 1);
      issued += r.calls.length;
      const want = new Set(before);
      const needs = new Map<string, bigint>();
      for (const res of evaluateAccounts({ ...book, marks })) {
        if (res.callAmount === null) continue;
        want.add(res.id);
        needs.set(res.id, res.callAmount);
      }
      // Each call is for the amount the exact evaluation asks for, to the unit.
      for (const c of r.calls) assert.equal(c.amount, formatAmount(needs.get(c.account)!), `call for ${c.account} after tick ${step}`);
      // ... and its history opens with one 'issued' event for that amount, by the tick's actor, at the tick.
      for (const c of r.calls) {
        const events = callEvents(db, c.callId).map((e) => ({ ...e, amount: e.amount === null ? null : formatAmount(e.amount) }));
        assert.deepEqual(events, [{ at, actor: 'operator', kind: 'issued', amount: c.amount, note: `price tick ${inst.id} at ${at}` }]);
      }
      const have = new Set(accountsWithCalls(db));
      // Every account that needs a call now has one, and nobody got a call it does not need.
      assert.deepEqual([...have].sort(), [...want].sort(), `after tick ${step} on ${inst.id}`);
      assert.equal(db.prepare('SELECT mark FROM prices WHERE instrument_id = ? AND at = ?').safeIntegers(true).pluck().get(inst.id, at), next);
      const last = db.prepare('SELECT command FROM journal ORDER BY seq DESC LIMIT 1').pluck().get();
      assert.equal(last, 'prices.tick');
    }
    assert.ok(issued > 0, 'the falling marks issued calls, so the comparison above was tested');
    assert.equal(resident.loads, 1, 'the resident book was read once and kept in step by the ticks');
    assert.equal(verifyJournal(db).ok, true);
    const deep = dispatch(ctx(), 'journal.verifyDeep', {});
    assert.equal(deep.ok, true, deep.message);
    const check = dispatch(ctx(), 'resident.check', {});
    assert.equal(check.ok, true, JSON.stringify(check.differences));
  } finally {
    dispose();
  }
});

test('a cold tick (no resident book: the CLI) issues the same calls as the console would', () => {
  const a = ledger(300);
  const b = ledger(300);
  try {
    const at = new Date(Date.parse(DEMO_AS_OF) + 60_000).toISOString();
    const now = () => new Date(at);
    const book = readBook(a.db, DEMO_AS_OF).book;
    const marks = book.instruments.map((x) => ({ instrument: x.id, price: priceOfTicks(x.tick, (book.marks.get(x.id)! * 9n) / 10n), time: at }));
    const run = (db: typeof a.db, resident?: ResidentBook) => {
      const ctx: CommandContext = { db, actor: { name: 'operator', role: 'operator' }, now, ...(resident ? { resident } : {}) };
      dispatch(ctx, 'cycle.run', { at: DEMO_AS_OF });
      return dispatch(ctx, 'prices.tick', { marks });
    };
    const warm = run(a.db, new ResidentBook(a.db));
    const cold = run(b.db);
    assert.ok(warm.calls.length > 0, 'a 10% fall of every mark calls someone');
    assert.deepEqual(cold, warm);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('a mark is refused, naming it and why, and the batch changes nothing', () => {
  const { db, dispose } = ledger(100);
  try {
    const later = new Date(Date.parse(DEMO_AS_OF) + 3_600_000);
    const resident = new ResidentBook(db);
    const ctx = (role: 'viewer' | 'operator' = 'operator', batch = false): CommandContext => ({
      db,
      actor: { name: batch ? 'batch' : role, role, ...(batch ? { batch: true as const } : {}) },
      now: () => later,
      resident,
    });
    dispatch(ctx(), 'cycle.run', { at: DEMO_AS_OF });
    const inst = readBook(db, DEMO_AS_OF).book.instruments.find((x) => x.kind !== 'option')!;
    const mark = (price: string, time: string, instrument = inst.id) => ({ instrument, price, time });
    const good = mark(priceOfTicks(inst.tick, 1000n), new Date(Date.parse(DEMO_AS_OF) + 60_000).toISOString());
    const journalLength = () => db.prepare('SELECT count(*) FROM journal').pluck().get();
    const priceRows = () => db.prepare('SELECT count(*) FROM prices').pluck().get();
    const before = { j: journalLength(), p: priceRows() };
    const refused: [unknown, RegExp][] = [
      [{ marks: [good, mark(priceOfTicks(inst.tick, 1000n), new Date(later.getTime() + 1000).toISOString())] }, /mark 2 \(.*\): its time .* is after now/],
      [{ marks: [good, mark(priceOfTicks(inst.tick, 1000n), '2020-01-01T00:00:00Z')] }, /mark 2 \(.*\): its time 2020-01-01T00:00:00.000Z is before .*'s latest mark/],
      [{ marks: [good, mark('1', good.time, 'NO-SUCH')] }, /mark 2 \(NO-SUCH\): no instrument NO-SUCH/],
      [{ marks: [mark('0', good.time)] }, /mark 1 .*must be greater than zero/],
      [{ marks: [mark(offTick(priceOfTicks(inst.tick, 1000n)), good.time)] }, /is not a multiple of .*'s tick/],
      [{ marks: [] }, /send at least one mark/],
      [{ marks: [{ ...good, extra: 1 }] }, /unknown field "extra"/],
    ];
    for (const [payload, why] of refused) assert.throws(() => dispatch(ctx(), 'prices.tick', payload), why, String(why));
    assert.throws(() => dispatch(ctx('viewer'), 'prices.tick', { marks: [good] }), /needs the operator role/);
    assert.deepEqual({ j: journalLength(), p: priceRows() }, before, 'nothing of a refused batch was stored');
    // The way around the refusals: the same mark, in order, by the unattended batch actor (a feed), is taken.
    assert.equal(dispatch(ctx('operator', true), 'prices.tick', { marks: [good] }).stored, 1);
    assert.equal(dispatch(ctx(), 'resident.check', {}).ok, true);
  } finally {
    dispose();
  }
});

// Marks of one instant are one state of the market: a batch that moves every instrument at the same time must call
// exactly the accounts that need a call at all the new marks together. Deciding each mark as it comes called hedged
// accounts on the first leg of a move that the second leg offsets.
test('marks of the same instant are decided together: calls exactly for the accounts that need one at all the new marks', () => {
  const { db, dispose, clock, ctx, book, marks } = consoleLedger(800);
  try {
    for (let step = 0; step < 6; step++) {
      clock.ms += 60_000;
      const at = new Date(clock.ms).toISOString();
      // Every instrument at once, alternately down 4% and up 3%, the order of the batch shifted each step.
      const moves = book.instruments.map((inst, k) => {
        const next = (marks.get(inst.id)! * ((k + step) % 2 === 0 ? 96n : 103n)) / 100n;
        marks.set(inst.id, next);
        return { instrument: inst.id, price: priceOfTicks(inst.tick, next), time: at };
      });
      const batch = [...moves.slice(step % moves.length), ...moves.slice(0, step % moves.length)];
      const before = new Set(accountsWithCalls(db));
      const r = dispatch(ctx(), 'prices.tick', { marks: batch });
      assert.equal(r.stored, batch.length);
      const needs = new Map<string, bigint>();
      for (const res of evaluateAccounts({ ...book, marks })) if (res.callAmount !== null) needs.set(res.id, res.callAmount);
      for (const c of r.calls) {
        assert.ok(needs.has(c.account), `step ${step}: ${c.account} was called but needs no call at the instant's marks`);
        assert.equal(c.amount, formatAmount(needs.get(c.account)!), `step ${step}: call for ${c.account}`);
      }
      const want = new Set([...before, ...needs.keys()]);
      assert.deepEqual([...new Set(accountsWithCalls(db))].sort(), [...want].sort(), `after step ${step}`);
    }
    const check = dispatch(ctx(), 'resident.check', {});
    assert.equal(check.ok, true, JSON.stringify(check.differences));
  } finally {
    dispose();
  }
});
