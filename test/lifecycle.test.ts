// The instrument lifecycle (issue 18) on a real ledger: funding of a perpetual paid to the unit on a long and shorts at
// a positive and a negative rate, the sums balancing; never paid twice (re-run, cycle after, re-import, clock moved
// back); futures settled at expiry at an imported price and by the last-mark rule; positions refused in an expired
// future; every bad file refused with its row named and nothing changed; the journal replaying it all.
// The oracle is methodology §1-2 written out with decimal.js: value = q x mark x multiplier, payment = value x rate,
// money demanded rounded up to the cent, paid out rounded down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { operator, supervisor } from './support/actors.ts';
import { commitCommand } from '../main/commands/dispatch.ts';
import { readPositions, readCollateral } from '../main/ledger/bookRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { setUp, usd, FUNDING } from './support/lifecycleBook.ts';
import type { CycleSummary } from '../shared/contract.ts';
import type { LifecycleResult, AccountLifecycleView, LifecycleOverview, DeliveryRiskView } from '../shared/contractLifecycle.ts';

/** The methodology's payment, from the figures alone: value x rate, demanded up and paid out down to the cent. */
function oraclePayment(qty: string, mark: string, rate: string): Decimal {
  const owed = new Decimal(qty).times(mark).times(rate);
  return owed.gt(0) ? owed.times(100).ceil().div(100).neg() : owed.neg().times(100).floor().div(100);
}

test('funding: a long and two shorts at a positive and a negative rate, to the cent, the sums balancing, journalled and replayed', () => {
  const { db, c, imp } = setUp();
  const before = new Map(['T-LONG', 'T-SHORT', 'T-SHORT2'].map((a) => [a, usd(db, a)]));
  imp(operator, 'funding-rates', FUNDING);
  const r = c.run<LifecycleResult>(db, operator, 'lifecycle.run', {});
  const paid = r.funding.filter((f) => f.instrument === 'TST-PERP');
  assert.equal(paid.length, 2);
  // 00:00 at 60000, +0.01%: the long pays 12.00, the shorts receive 9.00 and 3.00.
  assert.deepEqual(
    { ...paid[0], markAt: undefined },
    { instrument: 'TST-PERP', at: '2026-04-01T00:00:00.000Z', rate: '0.0001', mark: '60000', markAt: undefined, positions: 3, debited: '12', credited: '12', house: '0' },
  );
  // 08:00 at 60001.7, -0.0037%: the long receives 4.4401258 -> 4.44 (down), the shorts pay 3.33009435 -> 3.34 and
  // 1.11003145 -> 1.12 (up); 0.02 to the funding account.
  assert.deepEqual(
    { ...paid[1], markAt: undefined },
    { instrument: 'TST-PERP', at: '2026-04-01T08:00:00.000Z', rate: '-0.000037', mark: '60001.7', markAt: undefined, positions: 3, debited: '4.46', credited: '4.44', house: '0.02' },
  );
  const expected = { 'T-LONG': ['2', ['60000', '60001.7']], 'T-SHORT': ['-1.5', ['60000', '60001.7']], 'T-SHORT2': ['-0.5', ['60000', '60001.7']] } as const;
  const rates = ['0.0001', '-0.000037'];
  for (const [acct, [q, marks]] of Object.entries(expected)) {
    const want = oraclePayment(q, marks[0], rates[0]!).plus(oraclePayment(q, marks[1], rates[1]!));
    assert.equal(usd(db, acct).minus(before.get(acct)!).toString(), want.toString(), `${acct}'s USD moved by its funding`);
    const view = c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: acct });
    assert.equal(view.funding.length, 2);
    assert.equal(view.funding.reduce((s, p) => s.plus(p.amount), new Decimal(0)).toString(), want.toString());
  }
  assert.deepEqual(
    c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: 'T-LONG' }).funding.map((p) => [p.at, p.amount, p.value]),
    [
      ['2026-04-01T08:00:00.000Z', '4.44', '120003.4'],
      ['2026-04-01T00:00:00.000Z', '-12', '120000'],
    ],
  );
  const overview = c.run<LifecycleOverview>(db, operator, 'lifecycle.overview', { instrument: 'TST-PERP' });
  // The book is flat (2 long, 2 short), so all of the house share is rounding residue.
  assert.deepEqual(overview.funding.map((f) => [f.at, f.house, f.residue]), [
    ['2026-04-01T08:00:00.000Z', '0.02', '0.02'],
    ['2026-04-01T00:00:00.000Z', '0', '0'],
  ]);
  // The ladder: what falls due in the next 30 days, with each member's positions.
  imp(operator, 'funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00Z,0.00005\n');
  const ladder = c.run<LifecycleOverview>(db, operator, 'lifecycle.overview', {}).ladder;
  assert.deepEqual(ladder.funding, [{ instrument: 'TST-PERP', at: '2026-04-02T00:00:00.000Z', rate: '0.00005', members: [{ member: 'TSTM', positions: 3 }] }]);
  assert.deepEqual(
    ladder.expiries.filter((e) => e.instrument.startsWith('TST-')),
    [
      { instrument: 'TST-24APR26', expiry: '2026-04-24T08:00:00.000Z', positions: 2, members: [{ member: 'TSTM', positions: 2 }] },
      { instrument: 'TST-LM', expiry: '2026-04-24T08:00:00.000Z', positions: 1, members: [{ member: 'TSTM', positions: 1 }] },
    ],
  );
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('funding is never paid twice: run again, a cycle after, the same file again, a changed or late rate, the clock moved back', () => {
  const { db, c, imp } = setUp();
  imp(operator, 'funding-rates', FUNDING);
  c.run<LifecycleResult>(db, operator, 'lifecycle.run', { at: '2026-04-01T08:00:00Z' });
  const after = usd(db, 'T-LONG');
  const again = c.run<LifecycleResult>(db, operator, 'lifecycle.run', {});
  assert.equal(again.funding.length, 0);
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  assert.equal(cyc.lifecycle?.funding.length ?? 0, 0);
  // The same file again changes nothing and pays nothing.
  imp(operator, 'funding-rates', FUNDING);
  assert.equal(c.run<LifecycleResult>(db, operator, 'lifecycle.run', {}).funding.length, 0);
  // A paid interval cannot be re-rated; a rate behind the paid ones comes too late.
  assert.throws(
    () => imp(operator, 'funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-01T08:00:00Z,0.001\n'),
    /funding-rates\.csv, row 1, column rate: funding of TST-PERP at 2026-04-01T08:00:00.000Z was paid at rate -0\.000037/,
  );
  assert.throws(() => imp(operator, 'funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-01T04:00:00Z,0.001\n'), /paid through 2026-04-01T08:00:00.000Z/);
  // The clock moved back: a run as of before the paid times pays nothing again.
  assert.equal(c.run<LifecycleResult>(db, operator, 'lifecycle.run', { at: '2026-04-01T00:30:00Z' }).funding.length, 0);
  assert.equal(usd(db, 'T-LONG').toString(), after.toString());
  // And a lifecycle run cannot be placed after now.
  assert.throws(() => c.run(db, operator, 'lifecycle.run', { at: '2027-01-01T00:00:00Z' }), /after now/);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('a bad funding or settlement file is refused naming file, row and column, and imports nothing', () => {
  const { db, c, imp } = setUp();
  const bad: [string, string, RegExp][] = [
    ['funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00Z,0.0001\nTST-24APR26,2026-04-02T00:00:00Z,0.0001\n', /row 2.*instrument.*only perpetuals pay funding|only perpetuals pay funding/],
    ['funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00Z,1e-4\n', /exponent|rate/],
    ['funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00Z,0.00000000001\n', /more than 10 decimal places/],
    ['funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00,0.0001\n', /zone|ISO-8601/],
    ['funding-rates', 'instrument,at,rate\nTST-PERP,2026-04-02T00:00:00Z,1\n', /between -1 and 1/],
    ['settlement-prices', 'instrument,price\nTST-24APR26,60000.3\n', /not a multiple of instrument TST-24APR26's tick 0.5/],
    ['settlement-prices', 'instrument,price\nTST-PERP,60000\n', /final settlement prices are for futures/],
  ];
  const actorOf = (kind: string) => (kind === 'settlement-prices' ? supervisor : operator);
  const state = () => {
    const o = c.run<LifecycleOverview>(db, operator, 'lifecycle.overview', {});
    return { ...o, ladder: { expiries: o.ladder.expiries, funding: o.ladder.funding } };
  };
  for (const [kind, text, why] of bad) {
    const r = state();
    assert.throws(() => imp(actorOf(kind), kind, text), (e: Error) => {
      assert.match(e.message, new RegExp(`^${kind}\\.csv, row \\d`));
      assert.match(e.message, why);
      return true;
    });
    assert.deepEqual(state(), r);
  }
  // Nothing of the first (half-good) file was imported: its good row would be on the ladder.
  assert.equal(c.run<LifecycleOverview>(db, operator, 'lifecycle.overview', {}).ladder.funding.length, 0);
  // A viewer cannot pay funding.
  assert.throws(() => c.run(db, { name: 'viewer', role: 'viewer' }, 'lifecycle.run', {}), /viewer/);
});

test('futures settle at expiry: an imported price, or the last mark at or before expiry; nothing stays open; no position can be opened after', () => {
  const { db, c, imp } = setUp();
  imp(supervisor, 'settlement-prices', 'instrument,price,source\nTST-24APR26,62000.5,exchange\n');
  // TST-LM is physically delivered in TST (one lot: 0.001 TST). A bad deliveries file is refused, naming the row.
  assert.throws(() => imp(supervisor, 'deliveries', 'instrument,asset\nTST-PERP,TST\n'), /deliveries\.csv, row 1, column instrument: .*only futures are delivered/);
  assert.throws(() => imp(supervisor, 'deliveries', 'instrument,asset\nTST-LM,USD\n'), /row 1, column asset: one lot of TST-LM delivers 0\.001 USD, finer than the asset's 2 decimal places/);
  assert.throws(() => imp(operator, 'deliveries', 'instrument,asset\nTST-LM,TST\n'), /supervisor/);
  imp(supervisor, 'deliveries', 'instrument,asset\nTST-LM,TST\n');
  // The delivery-risk view four days before: T-SHORT must deliver 2 TST it does not hold, paid at about 60300.5.
  c.set('2026-04-20T10:00:00Z');
  assert.deepEqual(c.run<DeliveryRiskView>(db, operator, 'lifecycle.deliveries', {}).due, [
    { instrument: 'TST-LM', expiry: '2026-04-24T08:00:00.000Z', asset: 'TST', account: 'T-SHORT', member: 'TSTM', quantity: '-2', cash: '120601', holding: '0', short: '2' },
  ]);
  c.set('2026-04-24T10:00:00Z');
  const isoBefore = usd(db, 'T-ISO');
  const longBefore = usd(db, 'T-LONG');
  const shortBefore = usd(db, 'T-SHORT');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  const settled = new Map(cyc.lifecycle!.settled.map((s) => [s.instrument, s]));
  // Long 1 at 60000 realises 2000.5; short 0.5 at 61000 realises -500.25 and gets its 3000 margin back: 2499.75.
  assert.deepEqual(settled.get('TST-24APR26'), {
    instrument: 'TST-24APR26', expiry: '2026-04-24T08:00:00.000Z', price: '62000.5', rule: 'imported', priceAt: null, positions: 2, realised: '1500.25',
  });
  assert.equal(usd(db, 'T-LONG').minus(longBefore).toString(), '2000.5');
  assert.equal(usd(db, 'T-ISO').minus(isoBefore).toString(), '2499.75');
  // No imported price: the last mark at or before 08:00 (61234.5 at 07:59), not the later 70000. Short 2 at 60500.
  assert.deepEqual(settled.get('TST-LM'), {
    instrument: 'TST-LM', expiry: '2026-04-24T08:00:00.000Z', price: '61234.5', rule: 'last_mark', priceAt: '2026-04-24T07:59:00.000Z', positions: 1, realised: '-1469',
  });
  // Cash-settled P&L -1469, then the delivery: 2 TST delivered, 2 x 61234.5 = 122469 paid: 121000 in all (its entry).
  assert.equal(usd(db, 'T-SHORT').minus(shortBefore).toString(), '121000');
  assert.equal(readCollateral(db, 'T-SHORT').find((h) => h.asset === 'TST')?.quantity, -2000n);
  assert.deepEqual(c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: 'T-SHORT' }).deliveries, [{ instrument: 'TST-LM', asset: 'TST', quantity: '-2', cash: '122469' }]);
  assert.throws(() => imp(supervisor, 'deliveries', 'instrument,asset\nTST-24APR26,TST\n'), /settled at expiry .*: how it settles cannot change/);
  assert.equal(settled.has('TST-DEC26'), false);
  // Nothing is open in an expired future, demo futures included.
  const expired = new Set(['TST-24APR26', 'TST-LM', ...cyc.lifecycle!.settled.map((s) => s.instrument)]);
  assert.equal(readPositions(db).filter((p) => expired.has(p.instrument)).length, 0);
  assert.ok(readPositions(db).some((p) => p.instrument === 'TST-DEC26'));
  // A second cycle settles nothing again.
  assert.equal(c.run<CycleSummary>(db, operator, 'cycle.run', {}).lifecycle, undefined);
  // No position can be imported into an expired future; its settlement price cannot change.
  assert.throws(() => imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-DEC26,0.3,60000\nT-LONG,TST-24APR26,1,60000\n'), (e: Error) => {
    assert.match(e.message, /expired at 2026-04-24T08:00:00.000Z/);
    return true;
  });
  assert.equal(readPositions(db, 'T-LONG').find((p) => p.instrument === 'TST-DEC26')!.quantity, 200n, 'the good row was not imported either');
  assert.throws(() => imp(operator, 'settlement-prices', 'instrument,price\nTST-24APR26,62001\n'), /supervisor/);
  assert.throws(() => imp(supervisor, 'settlement-prices', 'instrument,price\nTST-24APR26,62001\n'), /cannot change/);
  // Nor can the way around it be taken: moving a settled future's expiry to reopen it, or an expired one's to dodge
  // settlement.
  assert.throws(
    () => imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry\nTST-24APR26,future,TST,1,0.001,0.5,2026-12-24T08:00:00Z\n'),
    /instruments\.csv, row 1, column expiry: instrument TST-24APR26 was settled at expiry on .*: its expiry cannot move/,
  );
  const view = c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: 'T-ISO' });
  assert.deepEqual(view.expiries, [{ instrument: 'TST-24APR26', settledAt: view.expiries[0]!.settledAt, quantity: '-0.5', price: '62000.5', rule: 'imported', realised: '-500.25', cash: '2499.75' }]);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('a cycle journalled before cycles ran the lifecycle replays without it', () => {
  const { db, c, imp } = setUp();
  c.set('2026-04-24T10:00:00Z');
  assert.throws(
    () => imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry\nTST-LM,future,TST,1,0.001,0.5,2026-05-24T08:00:00Z\n'),
    /instrument TST-LM expired at 2026-04-24T08:00:00.000Z: its expiry cannot move to 2026-05-24T08:00:00.000Z/,
  );
  // As an older build ran it: no lifecycle step, and no mark of one in its payload.
  commitCommand({ db, actor: operator, now: c.now, preLifecycle: true }, 'cycle.run', {});
  assert.ok(readPositions(db).some((p) => p.instrument === 'TST-24APR26'), 'the older cycle settled nothing');
  assert.equal(deepVerify(db).outcome, 'verified');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  assert.ok(cyc.lifecycle!.settled.some((s) => s.instrument === 'TST-24APR26'));
  assert.equal(deepVerify(db).outcome, 'verified');
});
