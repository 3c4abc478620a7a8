// A proposal stores a decision, not the marks (docs/liquidations.md, "What a proposal stores"): a cycle that only
// moves its figures writes nothing to it. The tests of the ways around that: whatever acts on a proposal (an
// approval's four eyes, a fill at the estimate, automation) takes the figures at the latest cycle's marks, not the
// deciding cycle's, so a stale estimate never slips a control; and verify --deep replays it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { RuleError } from '../shared/errors.ts';
import type { CycleSummary, LiquidationDetail, LiquidationPreview, LiquidationSummary } from '../shared/contract.ts';
import { readInstruments } from '../main/ledger/bookRepo.ts';
import { readOrders } from '../main/ledger/liquidationRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { setPolicy } from './support/policy.ts';
import { parseAmount } from '../shared/units.ts';

const demoLedger = demoLedgers('riskdesk-liq-decisions-', 400);
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
let clock = Date.parse(DEMO_AS_OF);
const run = <T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T => {
  clock += 60_000;
  return dispatch({ db, actor, now: () => new Date(clock) }, channel, payload) as T;
};
const get = (db: Ledger, id: number) => run<LiquidationDetail>(db, operator, 'liquidations.get', { id });
const live = (db: Ledger) => run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true });

/**
 * A bankrupt account closing one position whole: its decision stands whatever a move against it does to its
 * figures. Its mark then moves (8% against the holder: beyond the 5% fill band) and a cycle runs.
 */
function movedProposal(db: Ledger, against = 0.08) {
  const first = run<CycleSummary>(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const byInstrument = new Map<string, number>();
  const details = live(db).map((l) => get(db, l.id));
  for (const d of details) for (const o of d.orders) byInstrument.set(o.instrument, (byInstrument.get(o.instrument) ?? 0) + 1);
  const d = details.find((x) => x.before.status === 'bankrupt' && x.orders.length === 1);
  assert.ok(d, 'the demo book has a bankrupt account closing one position');
  const o = d.orders[0]!;
  const tick = readInstruments(db).find((i) => i.id === o.instrument)!.tick;
  tickOf = tick;
  const mark = new Decimal(o.mark).times(o.side === 'sell' ? 1 - against : 1 + against).dividedBy(tick).floor().times(tick);
  const at = new Date(clock).toISOString();
  run(db, operator, 'prices.tick', { marks: [{ instrument: o.instrument, price: mark.toString(), time: at }] });
  const moved = run<CycleSummary>(db, operator, 'cycle.run', { at });
  return { first, moved, before: d, mark };
}

/** A price as the ledger stores it, in ticks of the moved proposal's instrument. */
let tickOf = '1';
const ticksOf = (price: string) => BigInt(new Decimal(price).dividedBy(tickOf).toFixed(0));
const offBy = (price: string, mark: Decimal) => new Decimal(price).minus(mark).abs().dividedBy(mark);

test('a move that decides nothing new writes nothing: the proposal keeps its deciding cycle and its figures', () => {
  const db = demoLedger();
  const { first, before, mark } = movedProposal(db);
  const after = get(db, before.id);
  assert.equal(after.cycle, first.cycle);
  assert.deepEqual(after.events.map((e) => e.kind), ['proposed']);
  const stored = readOrders(db, before.id);
  assert.equal(stored[0]!.price, ticksOf(before.orders[0]!.estimatedPrice), 'the stored estimate is the deciding cycle\'s');
  assert.equal(live(db).find((l) => l.id === before.id)!.notional, before.notional);
  // Its stored estimate is now off the band of the new mark; its detail, and the preview of the same quantities,
  // estimate again at the latest marks.
  assert.ok(offBy(before.orders[0]!.estimatedPrice, mark).greaterThan(0.05));
  assert.deepEqual(after.orders.map((o) => [o.instrument, o.side, o.quantity]), before.orders.map((o) => [o.instrument, o.side, o.quantity]));
  assert.equal(after.orders[0]!.mark, mark.toString());
  assert.ok(offBy(after.orders[0]!.estimatedPrice, mark).lessThan(0.05));
  const o = before.orders[0]!;
  const p = run<LiquidationPreview>(db, operator, 'liquidations.preview', { id: before.id, orders: [{ instrument: o.instrument, quantity: o.quantity }] });
  assert.equal(p.orders[0]!.mark, mark.toString());
  assert.equal(p.orders[0]!.estimatedPrice, after.orders[0]!.estimatedPrice);
  assert.equal(p.notional, after.notional);
  assert.ok(deepVerify(db).ok, 'the journal replays every cycle as it ran');
  db.close();
});

/** The stored and the current notional of the moved proposal, and a four-eyes threshold between them. */
function thresholdBetween(db: Ledger, before: LiquidationDetail) {
  const stale = parseAmount(before.notional, 'notional');
  const orders = before.orders.map((o) => ({ instrument: o.instrument, quantity: o.quantity }));
  const now = parseAmount(run<LiquidationPreview>(db, operator, 'liquidations.preview', { id: before.id, orders }).notional, 'notional');
  setPolicy(run, db, 'fourEyesNotional', new Decimal(((stale + now) / 2n).toString()).dividedBy(1e6).toFixed(6));
  return { stale, now };
}

test('an approval judges four eyes on the notional at the latest marks: a close grown past the threshold needs a supervisor', () => {
  const db = demoLedger();
  // A long closed by a sale, 1% in its favour: still bankrupt, the same close, a larger notional.
  const { before } = movedProposal(db, -0.01);
  assert.equal(before.orders[0]!.side, 'sell');
  assert.deepEqual(get(db, before.id).events.map((e) => e.kind), ['proposed'], 'the same close after the move');
  const { stale, now } = thresholdBetween(db, before);
  assert.ok(now > stale);
  assert.throws(() => run(db, operator, 'liquidations.approve', { id: before.id }), (e: unknown) => e instanceof RuleError && /four-eyes threshold/.test(e.message));
  assert.deepEqual(readOrders(db, before.id).map((o) => o.price), [ticksOf(before.orders[0]!.estimatedPrice)], 'a refused approval changes nothing');
  // The detail shows the notional the approval is judged on, and the approve action judged on it.
  const shown = get(db, before.id);
  assert.equal(parseAmount(shown.notional, 'notional'), now);
  assert.equal(shown.fourEyes, true);
  assert.equal(shown.actions!.approve.allowed, false, 'the approve action is judged on it too');
  const first = run<LiquidationDetail>(db, supervisor, 'liquidations.approve', { id: before.id });
  assert.equal(first.status, 'pending_second');
  assert.equal(parseAmount(first.notional, 'notional'), now);
  assert.ok(deepVerify(db).ok);
  db.close();
});

test('an approval takes the estimate at the latest marks, and a fill at the estimate fills near the mark; the stale one is off the band', () => {
  const db = demoLedger();
  const { before, mark } = movedProposal(db);
  const o = before.orders[0]!;
  const { stale, now } = thresholdBetween(db, before);
  assert.ok(now < stale, 'a fall shrinks the notional of a long closed by a sale');
  const approved = run<LiquidationDetail>(db, operator, 'liquidations.approve', { id: before.id });
  assert.equal(approved.status, 'approved');
  assert.equal(parseAmount(approved.notional, 'notional'), now);
  assert.equal(approved.orders[0]!.mark, mark.toString());
  assert.equal(approved.orders[0]!.quantity, o.quantity);
  // A hand fill at the stale estimate is off the band of the mark: an operator cannot enter it.
  assert.throws(
    () => run(db, operator, 'liquidations.fill', { id: before.id, instrument: o.instrument, quantity: o.quantity, price: o.estimatedPrice }),
    (e: unknown) => e instanceof RuleError && /supervisor enters a fill outside the band/.test(e.message),
  );
  const filled = run<LiquidationDetail>(db, operator, 'liquidations.fill', { id: before.id, instrument: o.instrument, quantity: o.quantity, simulate: true });
  assert.equal(filled.fills[0]!.price, approved.orders[0]!.estimatedPrice);
  assert.ok(offBy(filled.fills[0]!.price, mark).lessThan(0.05));
  assert.ok(deepVerify(db).ok);
  db.close();
});

test('automation executes at the estimate of the cycle that executes, not at the stored one of the deciding cycle', () => {
  const db = demoLedger();
  setPolicy(run, db, 'fourEyesNotional', '1000000000');
  run(db, supervisor, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' });
  const { moved, before, mark } = movedProposal(db);
  assert.ok(moved.liquidations.executed > 0);
  const done = get(db, before.id);
  assert.equal(done.status, 'executed');
  assert.equal(done.automated, true);
  // The same close, no new step in its history before the approval; its figures are the executing cycle's.
  assert.deepEqual(done.events.map((e) => e.kind), ['proposed', 'approved', 'filled', 'executed']);
  assert.equal(done.cycle, moved.cycle);
  assert.equal(done.orders[0]!.mark, mark.toString());
  assert.equal(done.orders[0]!.quantity, before.orders[0]!.quantity);
  const fill = done.fills[0]!;
  assert.equal(fill.price, done.orders[0]!.estimatedPrice);
  assert.notEqual(fill.price, before.orders[0]!.estimatedPrice);
  assert.ok(offBy(fill.price, mark).lessThan(0.05), 'near the mark it executed at');
  assert.ok(deepVerify(db).ok);
  db.close();
});

test('a cycle journalled when figures followed every mark (payload mark 1) replays as it ran: its proposals rewritten', () => {
  const db = demoLedger();
  // The console of the earlier build: its cycles carried lifecycle mark 1 and wrote every moved proposal.
  const before1 = (channel: string, payload: unknown) => {
    clock += 60_000;
    return dispatch({ db, actor: operator, now: () => new Date(clock), proposalFiguresFollowMarks: true }, channel, payload);
  };
  before1('cycle.run', { at: DEMO_AS_OF });
  const d = live(db).map((l) => get(db, l.id)).find((x) => x.before.status === 'bankrupt' && x.orders.length === 1)!;
  const o = d.orders[0]!;
  const tick = readInstruments(db).find((i) => i.id === o.instrument)!.tick;
  const at = new Date(clock).toISOString();
  run(db, operator, 'prices.tick', { marks: [{ instrument: o.instrument, price: new Decimal(o.mark).times(o.side === 'sell' ? 0.92 : 1.08).dividedBy(tick).floor().times(tick).toString(), time: at }] });
  const moved = before1('cycle.run', { at }) as CycleSummary;
  const after = get(db, d.id);
  assert.equal(after.cycle, moved.cycle, 'the earlier build wrote the moved figures');
  assert.deepEqual(after.events.map((e) => e.kind), ['proposed']);
  assert.notEqual(after.orders[0]!.estimatedPrice, o.estimatedPrice);
  const marks = db.prepare("SELECT json_extract(payload, '$.lifecycle') FROM journal WHERE command = 'cycle.run' ORDER BY seq").pluck().all();
  assert.deepEqual(marks, [1n, 1n]);
  // A cycle of this build after them writes decisions only, and the whole journal replays.
  run(db, operator, 'cycle.run', { at });
  assert.ok(deepVerify(db).ok, 'each cycle replays as its mark says it ran');
  db.close();
});
