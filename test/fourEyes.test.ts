// Issue 14 on a real ledger file through the command layer: four eyes that cannot be sliced, and fills bounded by a
// band around the mark. Each test is the way around a control that the control now stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import type { Actor } from '../main/commands/context.ts';
import { operator, operator2, supervisor, supervisor2, minuteClock } from './support/actors.ts';
import { RuleError } from '../shared/errors.ts';
import { journalHead, listJournal } from '../main/ledger/journal.ts';
import type { LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';
import { readInstruments } from '../main/ledger/bookRepo.ts';
import { setPolicy } from './support/policy.ts';
import { decimalPlaces, formatUnits, parseUnits, parseAmount, formatAmount } from '../shared/units.ts';

const demoLedger = demoLedgers('riskdesk-foureyes-', 400);
const { run, advance } = minuteClock();
const refusedWith = (code: string, f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof RuleError && e.code === code, code);
const cycle = (db: Ledger) => run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
const get = (db: Ledger, id: number) => run<LiquidationDetail>(db, operator, 'liquidations.get', { id });
const liveFor = (db: Ledger, account: string) =>
  run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true, account })[0];

/** An account in liquidation whose first order has at least `minLots` lots, with the order and its instrument. */
function troubled(db: Ledger, minLots: bigint) {
  cycle(db);
  const insts = new Map(readInstruments(db).map((i) => [i.id, i]));
  for (const l of run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true })) {
    if (l.before.status !== 'liquidation') continue;
    const d = get(db, l.id);
    const o = d.orders[0]!;
    const inst = insts.get(o.instrument)!;
    const dp = decimalPlaces(inst.lot);
    const lot = parseUnits(inst.lot, dp, 'lot');
    const lots = parseUnits(o.quantity, dp, 'q') / lot;
    if (lots < minLots) continue;
    const oneLot = formatUnits(lot, dp);
    return { account: l.account, instrument: o.instrument, inst, oneLot, perLot: parseAmount(o.notional, 'n') / lots, estimated: o.estimatedPrice, mark: o.mark };
  }
  throw new Error('no account in liquidation with a large enough order');
}

test('slicing: approvals of one lot at a time on one account add up over the window, for each person, and the one that crosses the threshold needs another person', () => {
  const db = demoLedger();
  const t = troubled(db, 10n);
  // The threshold sits between two slices and three.
  setPolicy(run, db, 'fourEyesNotional', formatAmount((t.perLot * 5n) / 2n));
  const slice = () => {
    const l = liveFor(db, t.account)!;
    const fill = (a: Actor) => {
      run(db, a, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: t.estimated });
      assert.equal(get(db, l.id).status, 'executed');
      cycle(db); // the account is still in trouble: a new proposal
    };
    return { l, fill, approve: (a: Actor) => run<LiquidationDetail>(db, a, 'liquidations.approve', { id: l.id, orders: [{ instrument: t.instrument, quantity: t.oneLot }] }) };
  };
  for (let i = 0; i < 2; i++) {
    const s = slice();
    assert.equal(s.approve(operator).status, 'approved');
    s.fill(operator);
  }
  const third = slice();
  const head = journalHead(db);
  assert.throws(
    () => third.approve(operator),
    (e: unknown) => e instanceof RuleError && e.code === 'forbidden' && /operator has moved .* on account .* without a second approver/.test(e.message),
  );
  assert.deepEqual(journalHead(db), head, 'the refusal changed nothing');
  // Another person may approve it: a supervisor who has moved nothing on the account. Slicing on, the supervisor's
  // own third slice waits for a second, different supervisor.
  assert.equal(third.approve(supervisor).status, 'approved');
  third.fill(supervisor);
  const fourth = slice();
  assert.equal(fourth.approve(supervisor).status, 'approved');
  fourth.fill(supervisor);
  const fifth = slice();
  assert.equal(fifth.approve(supervisor).status, 'pending_second');
  refusedWith('four_eyes', () => run(db, supervisor, 'liquidations.approve', { id: fifth.l.id }));
  assert.equal(run<LiquidationDetail>(db, supervisor2, 'liquidations.approve', { id: fifth.l.id }).status, 'approved');
  fifth.fill(supervisor);
  // Outside the window the slate is clean: an hour-long window, two hours on.
  setPolicy(run, db, 'fourEyesWindowMinutes', '60');
  advance(2 * 3_600_000);
  assert.equal(slice().approve(operator).status, 'approved');
  db.close();
});

test('fills by one person on liquidations someone else approved alone count too', () => {
  const db = demoLedger();
  const t = troubled(db, 3n);
  const l = liveFor(db, t.account)!;
  run(db, supervisor, 'liquidations.approve', { id: l.id, orders: [{ instrument: t.instrument, quantity: t.oneLot }] });
  // The threshold drops below one lot after the approval: operator2's fill would move more than it alone.
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot / 2n));
  const head = journalHead(db);
  refusedWith('four_eyes', () => run(db, operator2, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: t.estimated }));
  assert.deepEqual(journalHead(db), head);
  // The approver fills what they approved: counted once, at the approval.
  run(db, supervisor, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: t.estimated });
  assert.equal(get(db, l.id).status, 'executed');
  db.close();
});

test('a fill at 100x the mark is refused for an operator and changes nothing; the instrument band widens it; the journal records the mark and band', () => {
  const db = demoLedger();
  const t = troubled(db, 3n);
  const l = liveFor(db, t.account)!;
  run(db, operator, 'liquidations.approve', { id: l.id, orders: [{ instrument: t.instrument, quantity: t.oneLot }] });
  const tick = t.inst.tick;
  const dp = Math.max(decimalPlaces(tick), decimalPlaces(t.mark));
  const at = (factor: bigint, div = 1n) => {
    const step = parseUnits(tick, dp, 'tick');
    return formatUnits(((parseUnits(t.mark, dp, 'mark') * factor) / div / step) * step, dp);
  };
  const head = journalHead(db);
  assert.throws(
    () => run(db, operator, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: at(100n) }),
    (e: unknown) => e instanceof RuleError && e.code === 'fill_band' && /the fill band is 5%/.test(e.message),
  );
  assert.deepEqual(journalHead(db), head, 'the refused fill changed nothing');
  // The instrument's own band of 20% lets 110% of the mark through for the operator (the threshold out of the way).
  setPolicy(run, db, `fillBand:${t.instrument}`, '0.2');
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot * 1_000n));
  const ok = run<LiquidationDetail>(db, operator, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: at(11n, 10n) });
  assert.equal(ok.fills.length, 1);
  const entry = listJournal(db, { limit: 1, newestFirst: true })[0]!;
  const result = JSON.parse(entry.result) as { fillCheck: { mark: string; band: string; offBand: boolean } };
  assert.deepEqual([result.fillCheck.band, result.fillCheck.offBand], ['0.2', false]);
  assert.equal(result.fillCheck.mark, t.mark);
  db.close();
});

test('an off-band fill above the threshold is held as a request: its requester cannot confirm it, a second supervisor books it', () => {
  const db = demoLedger();
  const t = troubled(db, 3n);
  const l = liveFor(db, t.account)!;
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot * 1_000n));
  run(db, supervisor, 'liquidations.approve', { id: l.id, orders: [{ instrument: t.instrument, quantity: t.oneLot }] });
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot / 10n));
  const far = formatUnits(parseUnits(t.mark, decimalPlaces(t.mark), 'm') * 2n, decimalPlaces(t.mark));
  const held = run<LiquidationDetail>(db, supervisor, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: far });
  assert.equal(held.fills.length, 0, 'nothing booked yet');
  const r = held.approvals.find((x) => x.status === 'pending')!;
  assert.deepEqual([r.channel, r.requestedBy, r.subject], ['liquidations.fill', 'supervisor', `liquidation:${l.id}`]);
  assert.match(r.summary, new RegExp(`at ${far.replace('.', '\\.')} is .* from the ${t.instrument} mark ${t.mark.replace('.', '\\.')} .*the fill band is 5%`));
  refusedWith('four_eyes', () => run(db, supervisor, 'approvals.confirm', { id: r.id }));
  refusedWith('forbidden', () => run(db, operator, 'approvals.confirm', { id: r.id }));
  run(db, supervisor2, 'approvals.confirm', { id: r.id, note: 'venue confirmed the print' });
  const done = get(db, l.id);
  assert.equal(done.fills.length, 1);
  assert.equal(done.fills[0]!.actor, 'supervisor', 'entered by the supervisor who asked');
  assert.equal(done.fills[0]!.price, far);
  assert.equal(done.approvals[0]!.status, 'confirmed');
  refusedWith('not_pending', () => run(db, supervisor2, 'approvals.decline', { id: r.id, reason: 'too late' }));
  db.close();
});

test('slicing off-band fills: each slice under the threshold, together above it; the slice that crosses it waits for a second supervisor', () => {
  const db = demoLedger();
  const t = troubled(db, 4n);
  const l = liveFor(db, t.account)!;
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot * 1_000n));
  run(db, supervisor, 'liquidations.approve', { id: l.id, orders: [{ instrument: t.instrument, quantity: formatUnits(parseUnits(t.oneLot, decimalPlaces(t.oneLot), 'l') * 3n, decimalPlaces(t.oneLot)) }] });
  // One lot at twice the mark is off the band; the threshold sits between one such lot and two.
  const dp = decimalPlaces(t.mark);
  const far = formatUnits(parseUnits(t.mark, dp, 'm') * 2n, dp);
  setPolicy(run, db, 'fourEyesNotional', formatAmount(t.perLot * 3n));
  const first = run<LiquidationDetail>(db, supervisor, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: far });
  assert.equal(first.fills.length, 1, 'the first slice, under the threshold, is booked');
  const second = run<LiquidationDetail>(db, supervisor, 'liquidations.fill', { id: l.id, instrument: t.instrument, quantity: t.oneLot, price: far });
  assert.equal(second.fills.length, 1, 'the second slice is not booked');
  assert.equal(second.approvals.filter((a) => a.status === 'pending' && a.channel === 'liquidations.fill').length, 1, 'it waits for a second supervisor');
  db.close();
});
