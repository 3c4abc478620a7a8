// dashboard.attention (issue 21 item 8) on a real demo ledger: calls due within the hour against the server's clock,
// a decision held for a second supervisor, stale marks, and a member on watch, each appearing when it should and
// not before; the view changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import type { MarginCall } from '../shared/contract.ts';
import type { AttentionView } from '../shared/contractAttention.ts';
import { journalHead } from '../main/ledger/journal.ts';

const viewer: Actor = { name: 'viewer', role: 'viewer' };
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const admin: Actor = { name: 'admin', role: 'admin' };
const plus = (m: number) => new Date(Date.parse(DEMO_AS_OF) + m * 60_000).toISOString();
const run = <T>(db: Ledger, channel: string, payload: unknown, at: string = DEMO_AS_OF, actor: Actor = viewer) => dispatch({ db, actor, now: () => new Date(at) }, channel, payload) as T;
const view = (db: Ledger, at: string) => run<AttentionView>(db, 'dashboard.attention', {}, at);

const db = demoLedgers('riskdesk-attention-', 300)();
run(db, 'cycle.run', { at: DEMO_AS_OF }, DEMO_AS_OF, operator);

test('calls due within the hour: every open call of the cycle 10 minutes on, soonest first; none once past their deadline', () => {
  const open = run<MarginCall[]>(db, 'calls.list', { status: 'open' });
  assert.ok(open.length > 0);
  const v = view(db, plus(10));
  assert.equal(v.at, plus(10));
  assert.equal(v.callsDue.total, open.length);
  assert.ok(v.callsDue.items.length <= 8 && v.callsDue.items.length > 0);
  for (let k = 1; k < v.callsDue.items.length; k++) assert.ok(v.callsDue.items[k - 1]!.deadline <= v.callsDue.items[k]!.deadline);
  const first = v.callsDue.items[0]!;
  const call = open.find((c) => c.id === first.id)!;
  assert.equal(first.outstanding, call.outstanding);
  assert.equal(first.account, call.account);
  // Two hours before: not yet within the hour (deadline = cycle + 60 min). After the deadline: not "due" any more.
  assert.equal(view(db, plus(-90)).callsDue.total, 0);
  assert.equal(view(db, plus(61)).callsDue.total, 0);
});

test('a decision held for a second supervisor is listed until it is decided', () => {
  assert.equal(view(db, DEMO_AS_OF).awaitingSecond.total, 0);
  run(db, 'policies.change', { key: 'fourEyesNotional', value: '2500000', reason: 'committee minute 14' }, DEMO_AS_OF, supervisor);
  const v = view(db, DEMO_AS_OF);
  assert.equal(v.awaitingSecond.total, 1);
  assert.equal(v.awaitingSecond.items[0]!.requestedBy, 'supervisor');
  assert.match(v.awaitingSecond.items[0]!.summary + v.awaitingSecond.items[0]!.subject, /fourEyesNotional/);
});

test('stale prices: none at the cycle\'s time, every held instrument two days on; members on watch', () => {
  assert.equal(view(db, DEMO_AS_OF).stalePrices.total, 0);
  // An instrument nobody holds is never stale to the desk, however old (or missing) its marks.
  run(db, 'import.csv', { kind: 'instruments', file: 'new.csv', text: 'id,kind,underlying,multiplier,lot,tick\nSOL-PERP,perpetual,SOL,1,0.1,0.01\n' }, DEMO_AS_OF, supervisor);
  const later = view(db, plus(48 * 60));
  // Every held instrument, and only those: counted here from every position row (quantity not 0), independently
  // of the view's query.
  const held = new Set<string>();
  for (const r of db.prepare('SELECT instrument_id AS i, quantity AS q FROM positions').all() as { i: string; q: string | number | bigint }[]) {
    if (BigInt(r.q) !== 0n) held.add(r.i);
  }
  assert.ok(held.size > 0);
  assert.equal(later.stalePrices.total, held.size);
  assert.ok(!held.has('SOL-PERP'));
  assert.equal(later.stalePrices.staleAfter, '24 hours');
  for (const s of later.stalePrices.items) assert.ok(s.at === null || s.at < plus(24 * 60));
  const before = view(db, DEMO_AS_OF).watch.total;
  run(db, 'import.csv', { kind: 'members', file: 'm.csv', text: 'id,name,status,default_fund,assessment_multiple\nWCH,Watchful Clearing,watch,1000000,2\n' }, DEMO_AS_OF, admin);
  const w = view(db, DEMO_AS_OF).watch;
  assert.equal(w.total, before + 1);
  assert.ok(w.items.some((m) => m.member === 'WCH') || w.total > 8);
});

test('the view journals nothing', () => {
  const head = journalHead(db);
  view(db, plus(30));
  assert.equal(journalHead(db).hash, head.hash);
});
