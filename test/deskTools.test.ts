// The desk's bulk and guard tools on a real ledger file, through the dispatcher with an injected clock: bulk
// escalation (one transaction, one event per call, all or none), the audit search, sanity confirmations, case status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { journalHead, verifyJournal } from '../main/ledger/journal.ts';
import type { MarginCall } from '../shared/contract.ts';

const demoLedger = demoLedgers('riskdesk-desktools-', 300);
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const run = <T>(db: Ledger, actor: Actor, at: string, channel: string, payload: unknown) =>
  dispatch({ db, actor, now: () => new Date(at) }, channel, payload) as T;

const LATE = '2026-03-12T23:00:00.000Z';

/** A ledger after a cycle at the demo close and one past every deadline: its calls are all overdue. */
function overdueLedger(): { db: Ledger; calls: MarginCall[] } {
  const db = demoLedger();
  run(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  run(db, operator, LATE, 'cycle.run', { at: LATE });
  const calls = run<MarginCall[]>(db, operator, LATE, 'calls.list', { status: 'overdue' });
  assert.ok(calls.length >= 4, `overdue calls: ${calls.length}`);
  return { db, calls };
}

test('bulk escalation: one reason, one journal entry, an escalated event on each call', () => {
  const { db, calls } = overdueLedger();
  const ids = calls.slice(0, 3).map((c) => c.id);
  const head = journalHead(db);
  const out = run<MarginCall[]>(db, operator, LATE, 'calls.escalateMany', { ids, reason: 'no funds by the deadline' });
  assert.deepEqual(out.map((c) => [c.id, c.status]), ids.map((id) => [id, 'escalated']));
  for (const id of ids) {
    const h = run<MarginCall>(db, operator, LATE, 'calls.get', { id }).history!.at(-1)!;
    assert.deepEqual([h.kind, h.actor, h.note], ['escalated', 'operator', 'no funds by the deadline']);
  }
  const entry = db.prepare('SELECT command, payload FROM journal WHERE seq = ?').get(head.seq + 1) as { command: string; payload: string };
  assert.equal(entry.command, 'calls.escalateMany');
  assert.deepEqual(JSON.parse(entry.payload), { ids, reason: 'no funds by the deadline' });
  assert.equal(journalHead(db).seq, head.seq + 1);
  assert.equal(verifyJournal(db).ok, true);
  db.close();
});

test('bulk escalation refuses the whole batch, naming the first call that cannot be escalated', () => {
  const { db, calls } = overdueLedger();
  const [a, b, c] = calls as [MarginCall, MarginCall, MarginCall];
  run(db, supervisor, LATE, 'calls.waive', { id: b.id, reason: 'fee dispute settled' });
  const head = journalHead(db);
  assert.throws(
    () => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, b.id, c.id], reason: 'no funds' }),
    (e: unknown) => e instanceof RuleError && e.code === 'call_closed' && e.message.includes(`refused at call ${b.id}`) && /nothing escalated/.test(e.message),
  );
  assert.throws(
    () => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, 99_999], reason: 'no funds' }),
    (e: unknown) => e instanceof InputError && /field ids\[1\]/.test(e.message) && /no margin call 99999/.test(e.message),
  );
  assert.throws(() => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, a.id], reason: 'no funds' }), /field ids\[1\].*twice/);
  assert.throws(() => run(db, operator, LATE, 'calls.escalateMany', { ids: [], reason: 'no funds' }), /field ids/);
  assert.throws(() => run(db, { name: 'viewer', role: 'viewer' }, LATE, 'calls.escalateMany', { ids: [a.id], reason: 'no funds' }), /operator role/);
  // Nothing of any refused batch landed: a and c are still overdue, and the journal did not move.
  for (const x of [a, c]) assert.equal(run<MarginCall>(db, operator, LATE, 'calls.get', { id: x.id }).status, 'overdue');
  assert.deepEqual(journalHead(db), head);
  db.close();
});
