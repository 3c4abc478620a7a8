// Liquidations on a real ledger file through the command layer (methodology §7, design.md §2.3): proposals made by
// the cycle, the desk's review with four eyes, edits beside the engine's proposal, fills into the funds, automation
// switches and circuit breakers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { journalHead, listJournal } from '../main/ledger/journal.ts';
import type { AutomationStatus, CycleSummary, DashboardSummary, LiquidationDetail, LiquidationPreview, LiquidationSummary } from '../shared/contract.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { readPositions, readInstruments } from '../main/ledger/bookRepo.ts';
import { setPolicy } from './support/policy.ts';
import { Decimal } from 'decimal.js';
import { addMinutes } from '../main/engine/calls.ts';
import { decimalPlaces, divRound, formatUnits, parseUnits, parseAmount } from '../shared/units.ts';

const demoLedger = demoLedgers('riskdesk-liquidations-', 400);
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const supervisor2: Actor = { name: 'supervisor2', role: 'supervisor' };
let clock = Date.parse(DEMO_AS_OF);
/** Every command a minute after the last: the journal refuses a clock that goes back. */
const run = <T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T => {
  clock += 60_000;
  return dispatch({ db, actor, now: () => new Date(clock) }, channel, payload) as T;
};
const cycle = (db: Ledger) => run<CycleSummary>(db, operator, 'cycle.run', { at: DEMO_AS_OF });
const live = (db: Ledger) => run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true });
const get = (db: Ledger, id: number) => run<LiquidationDetail>(db, operator, 'liquidations.get', { id });

test('a cycle proposes a liquidation for every account in status liquidation or bankrupt, with orders and figures', () => {
  const db = demoLedger();
  const s = cycle(db);
  const troubled = s.statuses.liquidation + s.statuses.bankrupt;
  assert.ok(troubled > 0, 'the demo book has accounts in trouble');
  assert.equal(s.liquidations.proposed, troubled);
  const list = live(db);
  assert.equal(list.length, troubled);
  const results = readCycleResults(db, s.cycle);
  const byId = new Map(results.ids.map((id, i) => [id, i]));
  for (const l of list) {
    assert.equal(l.status, 'proposed');
    const i = byId.get(l.account)!;
    assert.ok(results.status[i]! >= 3, `${l.account} is in liquidation or bankrupt`);
    assert.equal(parseAmount(l.before.equity, 'equity'), results.equity[i]);
    assert.equal(parseAmount(l.before.mm, 'mm'), results.mm[i]);
    assert.ok(l.reasons.length > 0);
    assert.equal(l.automation.allowed, false);
    assert.match(l.automation.why, /automation is off/);
  }
  const d = get(db, list[0]!.id);
  assert.ok(d.orders.length > 0);
  for (const o of d.orders) {
    assert.equal(o.quantity, o.proposedQuantity);
    assert.ok(Number(o.quantity) > 0);
    assert.notEqual(o.bankruptcyPrice, undefined);
  }
  assert.deepEqual(d.events.map((e) => e.kind), ['proposed']);
  db.close();
});

test('the desk edits quantities: the preview re-evaluates without a journal entry; the approval keeps the engine\'s proposal beside the desk\'s', () => {
  const db = demoLedger();
  cycle(db);
  const l = live(db).find((x) => x.status === 'proposed' && x.before.status === 'liquidation')!;
  const d = get(db, l.id);
  const o = d.orders[0]!;
  const inst = readInstruments(db).find((i) => i.id === o.instrument)!;
  const lotDp = decimalPlaces(inst.lot);
  const lots = parseUnits(o.quantity, lotDp, 'q') / parseUnits(inst.lot, lotDp, 'lot');
  assert.ok(lots >= 2n, 'an order of at least two lots to halve');
  const half = formatUnits((lots / 2n) * parseUnits(inst.lot, lotDp, 'lot'), lotDp);
  const head = journalHead(db);
  const p = run<LiquidationPreview>(db, operator, 'liquidations.preview', { id: l.id, orders: [{ instrument: o.instrument, quantity: half }] });
  assert.deepEqual(journalHead(db), head, 'a preview changes nothing');
  assert.equal(p.orders.find((x) => x.instrument === o.instrument)!.quantity, half);
  assert.notEqual(p.after.mm, d.proposedAfter.mm, 'closing less leaves more maintenance margin');
  // Not a lot multiple, more than the position, or an instrument the account does not hold: refused, field named.
  const offLot = formatUnits(parseUnits(inst.lot, lotDp + 1, 'lot') / 2n, lotDp + 1);
  assert.throws(() => run(db, operator, 'liquidations.preview', { id: l.id, orders: [{ instrument: o.instrument, quantity: offLot }] }), (e: unknown) => e instanceof InputError && /orders\[0\]\.quantity/.test(e.message) && /not a multiple/.test(e.message));
  assert.throws(() => run(db, operator, 'liquidations.preview', { id: l.id, orders: [{ instrument: o.instrument, quantity: '99999999' }] }), /cannot close 99999999/);
  assert.throws(() => run(db, operator, 'liquidations.preview', { id: l.id, orders: [{ instrument: 'NOPE', quantity: '1' }] }), /no position in NOPE/);

  const approved = run<LiquidationDetail>(db, operator, 'liquidations.approve', { id: l.id, orders: [{ instrument: o.instrument, quantity: half }], note: 'thin book' });
  assert.equal(approved.status, 'approved');
  assert.equal(approved.edited, true);
  assert.equal(approved.approvedBy, 'operator');
  const edited = approved.orders.find((x) => x.instrument === o.instrument)!;
  assert.deepEqual([edited.proposedQuantity, edited.quantity], [o.quantity, half]);
  assert.deepEqual(approved.after, p.after);
  assert.deepEqual(approved.proposedAfter, d.proposedAfter);
  assert.deepEqual(approved.events.map((e) => e.kind), ['proposed', 'edited', 'approved']);
  // The audit trail says what the desk saw: quantities in the instrument's units, not lots.
  assert.ok(approved.events[1]!.note.includes(`${o.instrument} ${o.quantity} -> `), approved.events[1]!.note);
  assert.ok(approved.events[1]!.note.includes(`-> ${o.instrument} ${half}`), approved.events[1]!.note);
  const entry = listJournal(db, { afterSeq: journalHead(db).seq - 1, limit: 1 })[0]!;
  assert.equal(entry.command, 'liquidations.approve');
  const result = JSON.parse(entry.result) as { proposed: { instrument: string; lots: string }[]; desk: { instrument: string; lots: string }[] };
  assert.equal(result.proposed.find((x) => x.instrument === o.instrument)!.lots, String(lots));
  assert.equal(result.desk.find((x) => x.instrument === o.instrument)!.lots, String(lots / 2n));
  // An approved proposal is no longer editable.
  assert.throws(() => run(db, operator, 'liquidations.approve', { id: l.id }), (e: unknown) => e instanceof RuleError && /cannot be approved/.test(e.message));
  db.close();
});

test('four eyes above fourEyesNotional: an operator is refused, the same supervisor twice is refused, a second supervisor confirms', () => {
  const db = demoLedger();
  setPolicy(run, db, 'fourEyesNotional', '1000');
  cycle(db);
  const l = live(db).find((x) => parseAmount(x.notional, 'n') > 1_000_000_000n)!;
  assert.equal(l.fourEyes, true);
  assert.throws(() => run(db, operator, 'liquidations.approve', { id: l.id }), (e: unknown) => e instanceof RuleError && /four-eyes threshold/.test(e.message));
  const first = run<LiquidationDetail>(db, supervisor, 'liquidations.approve', { id: l.id });
  assert.equal(first.status, 'pending_second');
  assert.throws(() => run(db, supervisor, 'liquidations.approve', { id: l.id }), (e: unknown) => e instanceof RuleError && /second, different supervisor/.test(e.message));
  assert.throws(() => run(db, operator, 'liquidations.approve', { id: l.id }), /needs a supervisor/);
  assert.throws(() => run(db, supervisor2, 'liquidations.approve', { id: l.id, orders: [{ instrument: first.orders[0]!.instrument, quantity: '0' }] }), /reject it to change them/);
  const second = run<LiquidationDetail>(db, supervisor2, 'liquidations.approve', { id: l.id });
  assert.equal(second.status, 'approved');
  assert.deepEqual([second.approvedBy, second.confirmedBy], ['supervisor', 'supervisor2']);
  db.close();
});

test('fills shrink the positions, pay fees into liquidation revenue and the insurance fund, and finish the liquidation', () => {
  const db = demoLedger();
  setPolicy(run, db, 'insuranceFeeRate', '0.001');
  cycle(db);
  const l = live(db).find((x) => x.before.status === 'liquidation')!;
  const d = run<LiquidationDetail>(db, operator, 'liquidations.approve', { id: l.id });
  assert.throws(() => run(db, operator, 'liquidations.fill', { id: l.id, instrument: d.orders[0]!.instrument, quantity: d.orders[0]!.quantity }), /either a fill price or simulate/);
  const before = new Map(readPositions(db, l.account).map((p) => [p.instrument, p.quantity]));
  let fees = 0n;
  let insurance = 0n;
  for (const [k, o] of d.orders.entries()) {
    const inst = readInstruments(db).find((i) => i.id === o.instrument)!;
    // The first order by hand at its mark, the rest simulated at the estimated price.
    const filled =
      k === 0
        ? run<LiquidationDetail>(db, operator, 'liquidations.fill', { id: l.id, instrument: o.instrument, quantity: o.quantity, price: o.mark })
        : run<LiquidationDetail>(db, operator, 'liquidations.fill', { id: l.id, instrument: o.instrument, quantity: o.quantity, simulate: true });
    const f = filled.fills.at(-1)!;
    assert.equal(f.price, k === 0 ? o.mark : o.estimatedPrice);
    assert.equal(f.simulated, k !== 0);
    fees += parseAmount(f.fees, 'fees');
    const lotDp = decimalPlaces(inst.lot);
    const lots = parseUnits(o.quantity, lotDp, 'q') / parseUnits(inst.lot, lotDp, 'lot');
    const was = before.get(o.instrument)!;
    const now = readPositions(db, l.account).find((p) => p.instrument === o.instrument)?.quantity ?? 0n;
    assert.equal(now, was > 0n ? was - lots : was + lots, `${o.instrument} reduced by the fill`);
    insurance += BigInt(db.prepare("SELECT coalesce(sum(amount), 0) FROM fund_entries WHERE fund = 'insurance' AND fill_id = ?").pluck().safeIntegers(true).get(Number(filled.fills.at(-1)!.id)) as bigint);
    assert.equal(filled.status, k === d.orders.length - 1 ? 'executed' : 'executing');
  }
  const st = run<AutomationStatus>(db, operator, 'automation.status', {});
  assert.equal(parseAmount(st.funds.liquidationRevenue, 'r') + parseAmount(st.funds.insurance, 'i'), fees, 'fees add up to revenue plus insurance fund');
  assert.equal(parseAmount(st.funds.insurance, 'i'), insurance);
  assert.ok(insurance > 0n);
  const done = get(db, l.id);
  assert.equal(done.events.at(-1)!.kind, 'executed');
  // Nothing more to fill; a fill on a finished liquidation is refused.
  assert.throws(() => run(db, operator, 'liquidations.fill', { id: l.id, instrument: d.orders[0]!.instrument, quantity: d.orders[0]!.quantity, simulate: true }), RuleError);
  // The fund's history is append-only.
  assert.throws(() => db.exec('DELETE FROM fund_entries'), /append-only/);
  db.close();
});

test('automation: off, nothing executes; on, a proposal left untouched for a cycle executes at the next; held and paused ones wait', () => {
  const db = demoLedger();
  cycle(db);
  const first = live(db);
  const heldOne = first[0]!;
  run(db, operator, 'liquidations.hold', { id: heldOne.id, reason: 'member is wiring funds' });
  const positionsBefore = db.prepare('SELECT count(*) FROM positions').pluck().get();
  const off = cycle(db);
  assert.equal(off.liquidations.executed, 0);
  assert.equal(db.prepare('SELECT count(*) FROM positions').pluck().get(), positionsBefore, 'with automation off nothing executes');
  assert.equal(db.prepare('SELECT count(*) FROM liquidation_fills').pluck().get(), 0n);
  // The held proposal is replaced by a fresh one that stays held.
  const heldNow = live(db).find((x) => x.account === heldOne.account)!;
  assert.equal(heldNow.status, 'held');

  assert.throws(() => run(db, operator, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' }), /needs the supervisor role/);
  run(db, supervisor, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' });
  const paused = live(db).find((x) => x.status === 'proposed' && x.account !== heldOne.account)!;
  run(db, supervisor, 'automation.set', { scope: 'account', target: paused.account, enabled: false, reason: 'legal hold' });
  const proposed = live(db).filter((x) => x.status === 'proposed');
  const allowed = proposed.filter((x) => x.automation.allowed);
  assert.ok(allowed.length > 0);
  assert.match(proposed.find((x) => x.account === paused.account)!.automation.why, /off for account/);
  const on = cycle(db);
  assert.equal(on.liquidations.executed, allowed.length);
  const fills = db.prepare('SELECT count(*) FROM liquidation_fills').pluck().get() as bigint;
  assert.ok(fills > 0n);
  const after = live(db);
  assert.equal(after.find((x) => x.account === heldOne.account)!.status, 'held');
  assert.equal(after.find((x) => x.account === paused.account)!.status, 'proposed');
  const executed = run<LiquidationSummary[]>(db, operator, 'liquidations.list', { status: 'executed' });
  assert.equal(executed.length, allowed.length);
  assert.ok(executed.every((x) => x.automated));
  db.close();
});

test('liquidations.count states how many proposals a filter matches, whatever a list\'s limit', () => {
  const db = demoLedger();
  const s = cycle(db);
  const proposed = s.statuses.liquidation + s.statuses.bankrupt;
  assert.ok(proposed > 3, `${proposed} proposals`);
  const count = (f: object) => run<{ total: number }>(db, operator, 'liquidations.count', f).total;
  assert.equal(count({ live: true }), live(db).length);
  assert.equal(count({ live: true }), proposed);
  // A page of 2 still knows the total.
  assert.equal(run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true, limit: 2 }).length, 2);
  assert.equal(count({ status: 'executed' }), run<LiquidationSummary[]>(db, operator, 'liquidations.list', { status: 'executed' }).length);
  const one = live(db)[0]!;
  assert.equal(count({ account: one.account }), 1);
  assert.throws(() => run(db, operator, 'liquidations.count', { limit: 5 }), InputError);
  db.close();
});

test('a price move beyond the band within the window trips the breaker: automation pauses for the instrument until a supervisor resets it', () => {
  const db = demoLedger();
  const inst = readInstruments(db).find((i) => i.priceBand !== null && i.id.startsWith('BTC'))!;
  const mark = db.prepare('SELECT mark FROM prices WHERE instrument_id = ? ORDER BY at DESC LIMIT 1').pluck().safeIntegers(true).get(inst.id) as bigint;
  const tickDp = decimalPlaces(inst.tick);
  const tick = parseUnits(inst.tick, tickDp, 'tick');
  const price = (ticks: bigint) => formatUnits(ticks * tick, tickDp);
  const low = (mark * 7n) / 10n;
  // Two marks five minutes apart, the second 30% below the first: beyond any demo band.
  const t1 = addMinutes(DEMO_AS_OF, 10);
  const t2 = addMinutes(DEMO_AS_OF, 15);
  clock = Math.max(clock, Date.parse(t2));
  run(db, operator, 'import.csv', { kind: 'prices', file: 'crash.csv', text: `instrument,at,mark\n${inst.id},${t1},${price(mark)}\n${inst.id},${t2},${price(low)}\n` });
  run(db, supervisor, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' });
  const s = run<CycleSummary>(db, operator, 'cycle.run', { at: t2 });
  assert.ok(s.breakersTripped.includes(inst.id), `the ${inst.id} breaker trips`);
  const st = run<AutomationStatus>(db, operator, 'automation.status', {});
  const b = st.tripped.find((x) => x.instrument === inst.id)!;
  // A fall, in time order, measured from the mark it fell from: (1 - 0.7) / 1, not (1 - 0.7) / 0.7.
  assert.deepEqual([b.direction, b.from, b.to], ['fall', price(mark), price(low)]);
  assert.equal(b.move, formatUnits(divRound((mark - low) * 1_000_000n, mark, 'halfEven'), 6));
  assert.equal(b.move.slice(0, 4), '0.30');
  assert.equal(b.reset, null);
  const dash = run<DashboardSummary>(db, operator, 'dashboard.summary', {});
  assert.ok(dash.alerts.some((a) => a.level === 'critical' && a.text.startsWith(`${inst.id} circuit breaker tripped`)), 'the dashboard raises the trip');
  assert.ok(dash.alerts.some((a) => /liquidation proposals? open/.test(a.text)));
  const touching = live(db).filter((l) => l.status === 'proposed' && get(db, l.id).orders.some((o) => o.instrument === inst.id));
  assert.ok(touching.length > 0, 'a proposal closes the instrument');
  for (const l of touching) assert.match(l.automation.why, new RegExp(`${inst.id} circuit breaker is tripped`));
  // The next cycle executes nothing on it; a second cycle in the window does not trip it again.
  const next = run<CycleSummary>(db, operator, 'cycle.run', { at: t2 });
  assert.deepEqual(next.breakersTripped, []);
  for (const l of touching) assert.notEqual(run<LiquidationSummary[]>(db, operator, 'liquidations.list', { account: l.account })[0]!.status, 'executed');
  assert.throws(() => run(db, operator, 'breakers.reset', { instrument: inst.id, reason: 'checked' }), /needs the supervisor role/);
  const reset = run<AutomationStatus>(db, supervisor, 'breakers.reset', { instrument: inst.id, reason: 'feed checked, move is real' });
  assert.equal(reset.tripped.length, 0);
  assert.equal(reset.recentBreakers[0]!.reset!.by, 'supervisor');
  assert.throws(() => run(db, supervisor, 'breakers.reset', { instrument: inst.id, reason: 'again' }), /not tripped/);
  // Measured only since the reset: the same move does not trip it again.
  assert.deepEqual(run<CycleSummary>(db, operator, 'cycle.run', { at: t2 }).breakersTripped, []);
  db.close();
});

test('hold, release and reject follow their rules; a rejection needs a reason', () => {
  const db = demoLedger();
  cycle(db);
  const l = live(db)[0]!;
  assert.throws(() => run(db, operator, 'liquidations.reject', { id: l.id, reason: '' }), /reason/);
  assert.equal(run<LiquidationDetail>(db, operator, 'liquidations.hold', { id: l.id, reason: 'member call' }).status, 'held');
  assert.throws(() => run(db, operator, 'liquidations.hold', { id: l.id, reason: 'again' }), /cannot be held/);
  assert.equal(run<LiquidationDetail>(db, operator, 'liquidations.release', { id: l.id }).status, 'proposed');
  const r = run<LiquidationDetail>(db, operator, 'liquidations.reject', { id: l.id, reason: 'position transferred off-book' });
  assert.equal(r.status, 'rejected');
  assert.deepEqual(r.events.map((e) => e.kind), ['proposed', 'held', 'released', 'rejected']);
  assert.throws(() => run(db, operator, 'liquidations.approve', { id: l.id }), /cannot be approved/);
  assert.throws(() => run(db, operator, 'liquidations.get', { id: 999999 }), (e: unknown) => e instanceof InputError && /no liquidation 999999/.test(e.message));
  // The next cycle proposes again for an account still in trouble.
  cycle(db);
  assert.equal(live(db).find((x) => x.account === l.account)?.status, 'proposed');
  db.close();
});

test('a proposal stays the same proposal across cycles while its account is in trouble: its number, hold and history kept', () => {
  const db = demoLedger();
  const first = cycle(db);
  const before = live(db);
  const held = before.find((l) => l.status === 'proposed')!;
  run(db, operator, 'liquidations.hold', { id: held.id, reason: 'member is wiring funds' });
  const s = cycle(db);
  const after = live(db);
  assert.equal(s.liquidations.superseded, before.length - after.length, 'only proposals no longer needed are superseded');
  const ids = new Map(after.map((l) => [l.account, l.id]));
  for (const l of before) if (ids.has(l.account)) assert.equal(ids.get(l.account), l.id, `${l.account} keeps proposal ${l.id}`);
  // The same prices plan the same close: nothing is written, and the proposal still names the cycle of its plan.
  let d = get(db, held.id);
  assert.equal(d.status, 'held');
  assert.equal(d.cycle, first.cycle);
  assert.deepEqual(d.events.map((e) => e.kind), ['proposed', 'held']);
  // A mark that moves against the account (one tick): the same proposal, still held, its figures (as its detail
  // shows them) the latest marks'. It is written, as the plan of the new cycle with an entry in its history, only
  // if what it would close (or the kind of reason) changed; a move that changes only its figures leaves the stored
  // proposal (as the queue lists it) with those of the cycle that decided it (docs/liquidations.md).
  const stored = (id: number) => live(db).find((l) => l.id === id)!;
  const o = d.orders[0]!;
  const tick = readInstruments(db).find((i) => i.id === o.instrument)!.tick;
  const closes = (x: LiquidationDetail) => JSON.stringify([x.reasons.map((r) => [r.code, r.unit]), x.orders.map((y) => [y.instrument, y.side, y.proposedQuantity, y.quantity])]);
  const moveTo = (price: Decimal) => {
    const at = new Date(clock).toISOString();
    run(db, operator, 'prices.tick', { marks: [{ instrument: o.instrument, price: price.toString(), time: at }] });
    return run<CycleSummary>(db, operator, 'cycle.run', { at });
  };
  const prior = d;
  const priorStored = stored(held.id);
  const moved = moveTo(o.side === 'sell' ? new Decimal(o.mark).minus(tick) : new Decimal(o.mark).plus(tick));
  d = get(db, held.id);
  assert.equal(d.status, 'held');
  assert.notDeepEqual(d.before, prior.before, 'the figures shown followed the mark');
  if (closes(d) === closes(prior)) {
    assert.equal(d.cycle, first.cycle);
    assert.deepEqual(d.events, prior.events);
    assert.deepEqual(stored(held.id), priorStored, 'a move that decides nothing new writes nothing');
  } else {
    assert.equal(d.cycle, moved.cycle);
    assert.deepEqual(d.events.map((e) => e.kind), ['proposed', 'held', 'proposed']);
  }
  // A tenth of the mark against its holders: every live proposal gains a history entry exactly when what it would
  // close (or why) changed, and some did.
  const liveNow = () => new Map(live(db).map((l) => [l.id, { ...get(db, l.id), stored: l }]));
  const was = liveNow();
  const far = (o.side === 'sell' ? new Decimal(o.mark).times(0.9) : new Decimal(o.mark).times(1.1)).dividedBy(tick).floor().times(tick);
  const farCycle = moveTo(far);
  let changed = 0;
  for (const [id, now] of liveNow()) {
    const then = was.get(id);
    if (!then || now.status !== then.status || !['proposed', 'held'].includes(now.status)) continue;
    const added = now.events.length - then.events.length;
    if (closes(now) === closes(then)) {
      assert.equal(added, 0, `proposal ${id} closes the same: no history entry`);
      assert.deepEqual(now.stored, then.stored, `proposal ${id} closes the same: nothing written, its figures its deciding cycle's`);
    } else {
      changed++;
      assert.equal(now.cycle, farCycle.cycle, `proposal ${id} closes otherwise: the new cycle's plan`);
      assert.equal(added, 1, `proposal ${id} closes otherwise: one history entry`);
      assert.match(now.events.at(-1)!.note, new RegExp(`^cycle ${farCycle.cycle} planned again`));
    }
  }
  assert.ok(changed > 0, 'a 10% move changed what some proposal would close');
  db.close();
});
