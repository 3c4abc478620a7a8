// Live price ticks on a real ledger: after each tick, the accounts with a live call are exactly those that had one
// plus those a full exact evaluation at the new marks says need one; the price and a journal entry are stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { compileBook } from '../main/engine/columns.ts';
import { LiveBook } from '../main/engine/incremental.ts';
import { PriceTicker } from '../main/commands/priceTick.ts';
import { activeCallsByAccount, accountsWithCalls, callEvents } from '../main/ledger/callRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { verifyJournal } from '../main/ledger/journal.ts';
import { formatAmount } from '../shared/units.ts';

test('ticks issue exactly the calls a full evaluation at the new marks asks for', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-tick-'));
  const db = openLedger(path.join(dir, 't.db'), { create: true });
  try {
    initLedger(db, { demo: true, accounts: 800, seed: 3 }, new Date(DEMO_AS_OF));
    const actor = { name: 'operator', role: 'operator' as const };
    const now = () => new Date(DEMO_AS_OF);
    dispatch({ db, actor, now }, 'cycle.run', { at: DEMO_AS_OF });
    const book = readBook(db, DEMO_AS_OF).book;
    const ticker = new PriceTicker(new LiveBook(compileBook(book)), accountsWithCalls(db));
    const marks = new Map(book.marks);
    let clock = Date.parse(DEMO_AS_OF);
    let issued = 0;
    for (let step = 0; step < 12; step++) {
      const inst = book.instruments[step % book.instruments.length]!;
      const next = (marks.get(inst.id)! * 97n) / 100n; // 3% down each tick
      marks.set(inst.id, next);
      const before = new Set(accountsWithCalls(db));
      clock += 60_000;
      const at = new Date(clock).toISOString();
      const r = ticker.tick({ db, actor, now }, inst.id, next, at);
      issued += r.issued.length;
      const want = new Set(before);
      const needs = new Map<string, bigint>();
      for (const res of evaluateAccounts({ ...book, marks })) {
        if (res.callAmount === null) continue;
        want.add(res.id);
        needs.set(res.id, res.callAmount);
      }
      // Each call is for the amount the exact evaluation asks for, to the unit.
      for (const c of r.issued) assert.equal(c.amount, formatAmount(needs.get(c.account)!), `call for ${c.account} after tick ${step}`);
      // ... and its history opens with one 'issued' event for that amount, by the tick's actor, at the tick.
      for (const c of r.issued) {
        const events = callEvents(db, c.call).map((e) => ({ ...e, amount: e.amount === null ? null : formatAmount(e.amount) }));
        assert.deepEqual(events, [{ at: DEMO_AS_OF, actor: 'operator', kind: 'issued', amount: c.amount, note: `price tick ${inst.id} at ${at}` }]);
      }
      const have = new Set(accountsWithCalls(db));
      // Every account that needs a call now has one, and nobody got a call it does not need.
      assert.deepEqual([...have].sort(), [...want].sort(), `after tick ${step} on ${inst.id}`);
      assert.equal(db.prepare('SELECT mark FROM prices WHERE instrument_id = ? AND at = ?').pluck().get(inst.id, at), next);
      const last = db.prepare('SELECT command FROM journal ORDER BY seq DESC LIMIT 1').pluck().get();
      assert.equal(last, 'prices.tick');
    }
    assert.ok(issued > 0, 'the falling marks issued calls, so the comparison above was tested');
    ticker.release();
    assert.equal(Number(db.pragma('wal_autocheckpoint', { simple: true })), 1000, 'the connection gets its checkpointing back');
    assert.equal(verifyJournal(db).ok, true);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
