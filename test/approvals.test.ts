// Issue 22: porting, an auction award, assessments and recovery tools wait for a second supervisor, and the
// "waiting for me" inbox lists every decision that waits for a second person, with the steps this user may take.
// On a real ledger file through the command layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import type { Actor } from '../main/commands/context.ts';
import { operator, supervisor, supervisor2, viewer, minuteClock } from './support/actors.ts';
import { RuleError } from '../shared/errors.ts';
import { journalHead, listJournal } from '../main/ledger/journal.ts';
import type { InboxItem, LiquidationSummary } from '../shared/contract.ts';
import type { ApprovalView, DefaultCaseDetail } from '../shared/contractRecovery.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { setPolicy } from './support/policy.ts';

const demoLedger = demoLedgers('riskdesk-approvals-', 300);
const { run } = minuteClock();
const refusedWith = (code: string, f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof RuleError && e.code === code, code);

/** A confirmed default of TWC and two of its healthy client accounts. */
function caseWithPortable(db: Ledger): { id: number; healthy: string[] } {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  const healthy = r.ids.filter((id, i) => id.startsWith('TWC-C') && r.status[i] === 0).slice(0, 2);
  const c = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: 'TWC', reason: 'failed to meet a settlement obligation' });
  run(db, supervisor2, 'default.confirm', { case: c.id });
  return { id: c.id, healthy };
}

test('a port waits for a second supervisor: held as asked, nothing moved; its requester and an operator cannot confirm it; a second supervisor runs it', () => {
  const db = demoLedger();
  const c = caseWithPortable(db);
  const asked = run<DefaultCaseDetail>(db, supervisor, 'default.port', { case: c.id, accounts: c.healthy, to: 'KCM' });
  assert.deepEqual(asked.ports, [], 'nothing is ported yet');
  assert.equal(db.prepare('SELECT member_id FROM accounts WHERE id = ?').pluck().get(c.healthy[0]), 'TWC');
  const held = asked.approvals[0]!;
  assert.deepEqual([held.channel, held.status, held.requestedBy, held.subject], ['default.port', 'pending', 'supervisor', `case:${c.id}`]);
  assert.match(held.summary, new RegExp(`port 2 accounts of default case ${c.id} to member KCM: ${c.healthy[0]}, ${c.healthy[1]}`));
  const asking = listJournal(db, { limit: 1, newestFirst: true })[0]!;
  assert.equal(asking.command, 'default.port');
  assert.match(asking.result, /"status":"pending"/);
  // The same port asked again while it waits: refused, naming the waiting one.
  refusedWith('approval_pending', () => run(db, supervisor2, 'default.port', { case: c.id, accounts: c.healthy, to: 'KCM' }));
  const head = journalHead(db);
  refusedWith('four_eyes', () => run(db, supervisor, 'approvals.confirm', { id: held.id }));
  refusedWith('forbidden', () => run(db, operator, 'approvals.confirm', { id: held.id }));
  assert.deepEqual(journalHead(db), head);
  const done = run<ApprovalView>(db, supervisor2, 'approvals.confirm', { id: held.id, note: 'receiver checked' });
  assert.deepEqual([done.status, done.decidedBy], ['confirmed', 'supervisor2']);
  assert.equal(db.prepare('SELECT member_id FROM accounts WHERE id = ?').pluck().get(c.healthy[0]), 'KCM');
  const entry = listJournal(db, { limit: 1, newestFirst: true })[0]!;
  assert.deepEqual([entry.command, entry.actor], ['approvals.confirm', 'supervisor2']);
  assert.match(entry.result, /"requestedBy":"supervisor"/);
  refusedWith('not_pending', () => run(db, supervisor2, 'approvals.decline', { id: held.id, reason: 'too late' }));
  db.close();
});

test('a held command that would be refused now is refused now, and nothing is held; a withdrawn one never runs', () => {
  const db = demoLedger();
  const c = caseWithPortable(db);
  refusedWith('not_portable', () => run(db, supervisor, 'default.port', { case: c.id, accounts: ['TWC-H01'], to: 'KCM' }));
  assert.deepEqual(run<ApprovalView[]>(db, viewer, 'approvals.list', { status: 'pending' }), []);
  // An award before the close-out is refused by the award itself, at once.
  assert.throws(() => run(db, supervisor, 'default.award', { case: c.id }), RuleError);
  const asked = run<DefaultCaseDetail>(db, supervisor, 'default.port', { case: c.id, accounts: c.healthy.slice(0, 1), to: 'KCM' });
  const withdrawn = run<ApprovalView>(db, supervisor, 'approvals.decline', { id: asked.approvals[0]!.id, reason: 'wrong receiver' });
  assert.deepEqual([withdrawn.status, withdrawn.note], ['declined', 'wrong receiver']);
  assert.equal(db.prepare('SELECT member_id FROM accounts WHERE id = ?').pluck().get(c.healthy[0]), 'TWC');
  db.close();
});

test('the inbox: a second supervisor may confirm what another asked for; its requester sees it waiting; an operator may not decide', () => {
  const db = demoLedger();
  const c = caseWithPortable(db);
  run(db, supervisor, 'default.port', { case: c.id, accounts: c.healthy, to: 'KCM' });
  // A liquidation awaiting its second approval, too.
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const l = run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true }).find((x) => x.status === 'proposed')!;
  setPolicy(run, db, 'fourEyesNotional', '0.01');
  run(db, supervisor, 'liquidations.approve', { id: l.id });
  const inboxOf = (a: Actor) => run<InboxItem[]>(db, a, 'inbox.list', {});
  const second = inboxOf(supervisor2);
  const port = second.find((i) => i.kind === 'approval')!;
  assert.deepEqual(port.confirm, { channel: 'approvals.confirm', payload: { id: port.id }, needsReason: false });
  assert.equal(port.mine, false);
  const liq = second.find((i) => i.kind === 'liquidation' && i.id === l.id)!;
  assert.deepEqual(liq.confirm, { channel: 'liquidations.approve', payload: { id: l.id }, needsReason: false });
  const mine = inboxOf(supervisor).find((i) => i.kind === 'approval')!;
  assert.deepEqual([mine.mine, mine.confirm], [true, null]);
  assert.match(mine.why!, /a second, different supervisor/);
  assert.ok(mine.decline, 'its requester may withdraw it');
  const op = inboxOf(operator).find((i) => i.kind === 'approval')!;
  assert.deepEqual([op.confirm, op.decline], [null, null]);
  assert.match(op.why!, /needs the supervisor role/);
  // The step the inbox gives runs as given.
  run(db, supervisor2, port.confirm!.channel, port.confirm!.payload);
  run(db, supervisor2, liq.confirm!.channel, liq.confirm!.payload);
  assert.deepEqual(inboxOf(supervisor2).filter((i) => i.kind === 'approval' || i.kind === 'liquidation'), []);
  db.close();
});
