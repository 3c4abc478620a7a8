// Funding rates from the live feed (issue 18) on a real ledger: funding.tick stores each mark as the rate of the
// funding time it names, a later mark replaces an earlier one, and the lifecycle pays the funding time at the latest
// rate stored for it, to the cent by the methodology (§1-2). The ways around it, each refused naming the mark and
// field, with nothing stored: a rate from the future, one observed after its funding time, one behind the feed's
// clock, a rate for a non-perpetual, one outside the feed's bound or finer than 10 places, a re-rate of a paid time
// and a rate for a time behind the paid ones; a batch with one bad mark stores none of it. The journal replays it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { operator, viewer } from './support/actors.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { setUp, usd } from './support/lifecycleBook.ts';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import type { Actor } from '../main/commands/context.ts';
import type { CycleSummary } from '../shared/contract.ts';
import type { FundingTickOutput, LifecycleResult } from '../shared/contractLifecycle.ts';

const FUNDING_TIME = '2026-04-01T16:00:00.000Z';
const BATCH: Actor = { name: 'batch', role: 'operator', batch: true };

/** The methodology's payment: value x rate, demanded (a positive product) up and paid out down, to the cent. */
function oraclePayment(qty: string, mark: string, rate: string): Decimal {
  const owed = new Decimal(qty).times(mark).times(rate);
  return owed.gt(0) ? owed.times(100).ceil().div(100).neg() : owed.neg().times(100).floor().div(100);
}

const rateRows = (db: Ledger) => db.prepare("SELECT instrument_id, at, rate, source FROM funding_rates WHERE instrument_id = 'TST-PERP' ORDER BY at").raw().all();

test('funding rates from the feed: the latest mark before the funding time is the rate it is paid at, to the cent', () => {
  const { db, c, imp } = setUp();
  const tick = (rates: object[]) => c.run<FundingTickOutput>(db, operator, 'funding.tick', { rates });
  c.set('2026-04-01T10:00:00Z');
  const first = tick([{ instrument: 'TST-PERP', rate: '0.0002', fundingTime: '2026-04-01T16:00:00Z', time: '2026-04-01T09:59:00Z' }]);
  assert.deepEqual(first.stored, [{ instrument: 'TST-PERP', fundingTime: FUNDING_TIME, rate: '0.0002', time: '2026-04-01T09:59:00.000Z' }]);
  // A later mark replaces the rate of the same funding time.
  c.set('2026-04-01T12:00:30Z');
  tick([{ instrument: 'TST-PERP', rate: '-0.00005', fundingTime: FUNDING_TIME, time: '2026-04-01T12:00:00Z' }]);
  assert.deepEqual(rateRows(db), [['TST-PERP', FUNDING_TIME, -500_000n, 'feed 2026-04-01T12:00:00.000Z']]);

  // A viewer may not mark rates. The unattended feed (the batch actor) may, as it marks prices; a funding-rates file
  // it may not import: that is a person's act.
  assert.throws(() => c.run(db, viewer, 'funding.tick', { rates: [{ instrument: 'TST-PERP', rate: '0.0001', fundingTime: FUNDING_TIME, time: '2026-04-01T12:00:10Z' }] }), /operator/);
  assert.throws(() => imp(BATCH, 'funding-rates', `instrument,at,rate\nTST-PERP,${FUNDING_TIME},0.0001\n`), /needs a signed-in user/);
  c.run(db, BATCH, 'funding.tick', { rates: [{ instrument: 'TST-PERP', rate: '-0.00005', fundingTime: FUNDING_TIME, time: '2026-04-01T12:00:20Z' }] });

  // The funding time falls due: valued at TST-PERP's last mark at or before 16:00, paid at the latest rate.
  imp(operator, 'prices', 'instrument,at,mark\nTST-PERP,2026-04-01T15:59:00Z,60200\n');
  const before = new Map(['T-LONG', 'T-SHORT', 'T-SHORT2'].map((a) => [a, usd(db, a)]));
  c.set('2026-04-01T16:30:00Z');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  const paid = cyc.lifecycle!.funding.find((f) => f.at === FUNDING_TIME)!;
  // -0.005%: the long (2 at 60200, 120400) receives 6.02; the shorts pay 4.515 -> 4.52 and 1.505 -> 1.51 (up).
  assert.deepEqual([paid.rate, paid.mark, paid.debited, paid.credited, paid.house], ['-0.00005', '60200', '6.03', '6.02', '0.01']);
  for (const [acct, q] of [['T-LONG', '2'], ['T-SHORT', '-1.5'], ['T-SHORT2', '-0.5']] as const) {
    assert.equal(usd(db, acct).minus(before.get(acct)!).toString(), oraclePayment(q, '60200', '-0.00005').toString(), `${acct}'s funding`);
  }

  // Once paid the rate is fixed: the feed cannot re-rate it, nor rate a time behind it; the same rate again is no change.
  c.set('2026-04-01T16:40:00Z');
  assert.throws(
    () => tick([{ instrument: 'TST-PERP', rate: '0.001', fundingTime: FUNDING_TIME, time: '2026-04-01T15:00:00Z' }]),
    (e: Error & { where?: { field?: string } }) => (assert.match(e.message, /funding rate 1 \(TST-PERP\): funding of TST-PERP at 2026-04-01T16:00:00.000Z was paid at rate -0.00005/), assert.equal(e.where?.field, 'rates[0].rate'), true),
  );
  assert.throws(
    () => tick([{ instrument: 'TST-PERP', rate: '0.001', fundingTime: '2026-04-01T15:00:00Z', time: '2026-04-01T14:00:00Z' }]),
    (e: Error & { where?: { field?: string } }) => (assert.match(e.message, /paid through 2026-04-01T16:00:00.000Z: a rate for 2026-04-01T15:00:00.000Z comes too late/), assert.equal(e.where?.field, 'rates[0].fundingTime'), true),
  );
  assert.equal(c.run<LifecycleResult>(db, operator, 'lifecycle.run', {}).funding.length, 0, 'never paid twice');
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('a funding-rate mark that is from the future, behind the clock, not for a perpetual, out of bounds or too fine is refused naming it, and changes nothing', () => {
  const { db, c, imp } = setUp();
  c.set('2026-04-01T12:00:00Z');
  c.run(db, operator, 'funding.tick', { rates: [{ instrument: 'TST-PERP', rate: '0.0001', fundingTime: FUNDING_TIME, time: '2026-04-01T11:00:00Z' }] });
  const state = () => JSON.stringify(rateRows(db), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const seq = () => db.prepare('SELECT max(seq) FROM journal').pluck().get();
  const good = { instrument: 'TST-PERP', rate: '0.0003', fundingTime: FUNDING_TIME, time: '2026-04-01T11:30:00Z' };
  const bad: [object, string, RegExp][] = [
    [{ ...good, time: '2026-04-01T12:30:00Z' }, 'time', /its time 2026-04-01T12:30:00.000Z is after now \(2026-04-01T12:00:0\d.000Z\); a live rate cannot come from the future/],
    [{ ...good, fundingTime: '2026-04-01T08:00:00Z' }, 'time', /observed at 2026-04-01T11:30:00.000Z, after the funding time 2026-04-01T08:00:00.000Z it rates; that interval has closed/],
    [{ ...good, time: '2026-04-01T10:59:00Z' }, 'time', /before TST-PERP's latest funding-rate mark \(2026-04-01T11:(00|30):00.000Z\); marks go forward in time/],
    [{ ...good, instrument: 'TST-DEC26' }, 'instrument', /TST-DEC26 is a future: only perpetuals pay funding/],
    [{ ...good, instrument: 'NOPE-PERP' }, 'instrument', /no instrument NOPE-PERP/],
    [{ ...good, rate: '0.05' }, 'rate', /rate 0.05 lies outside -0.03 to 0.03 per interval, the most a live feed may mark/],
    [{ ...good, rate: '-0.0300000001' }, 'rate', /lies outside -0.03 to 0.03/],
    [{ ...good, rate: '0.00000000001' }, 'rate', /more than 10 decimal places/],
  ];
  const was = state();
  const at = seq();
  for (const [mark, field, why] of bad) {
    // Alone, and second in a batch behind a good mark: the whole batch is refused, the good mark with it.
    for (const rates of [[mark], [good, mark]]) {
      const k = rates.length - 1;
      assert.throws(
        () => c.run(db, operator, 'funding.tick', { rates }),
        (e: Error & { where?: { field?: string } }) => (assert.match(e.message, new RegExp(`funding rate ${k + 1} \\(`)), assert.match(e.message, why), assert.equal(e.where?.field, `rates[${k}].${field}`), true),
      );
    }
  }
  // A JSON number, an exponent and a missing field are refused by the contract before any rule runs.
  for (const rates of [[{ ...good, rate: 0.0003 }], [{ ...good, rate: '3e-4' }], [{ instrument: 'TST-PERP', rate: '0.0003', time: good.time }]]) {
    assert.throws(() => c.run(db, operator, 'funding.tick', { rates }), /rate|fundingTime/);
  }
  assert.equal(state(), was, 'nothing stored');
  assert.equal(seq(), at, 'nothing journalled');
  // A file may not pass itself off as the feed (a rate row's source says where it came from).
  assert.throws(() => imp(operator, 'funding-rates', 'instrument,at,rate,source\nTST-PERP,2026-04-02T00:00:00Z,0.0001,feed 2099-01-01T00:00:00.000Z\n'), /column source: "feed" followed by a time is the live feed's mark/);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test("a funding-rates file overwriting the feed's latest marked rate does not set the feed's clock back", () => {
  const { db, c, imp } = setUp();
  const tick = (time: string, fundingTime = FUNDING_TIME) => c.run<FundingTickOutput>(db, operator, 'funding.tick', { rates: [{ instrument: 'TST-PERP', rate: '0.0001', fundingTime, time }] });
  const clock = () => db.prepare("SELECT observed_at FROM funding_feed_clock WHERE instrument_id = 'TST-PERP'").pluck().get();
  c.set('2026-04-01T12:00:00Z');
  tick('2026-04-01T11:00:00Z');
  // The desk's correction replaces the only marked row, source and all: no rate row says 'feed <time>' any more.
  imp(operator, 'funding-rates', `instrument,at,rate\nTST-PERP,${FUNDING_TIME},0.0002\n`);
  assert.deepEqual(rateRows(db), [['TST-PERP', FUNDING_TIME, 2_000_000n, 'import']]);
  assert.equal(clock(), '2026-04-01T11:00:00.000Z');
  // The way around the clock: a mark observed before the one already seen, for this or another funding time.
  const seq = () => db.prepare('SELECT max(seq) FROM journal').pluck().get();
  const at = seq();
  for (const fundingTime of [FUNDING_TIME, '2026-04-02T00:00:00Z']) {
    assert.throws(
      () => tick('2026-04-01T10:30:00Z', fundingTime),
      (e: Error & { where?: { field?: string } }) => (
        assert.match(e.message, /funding rate 1 \(TST-PERP\): its time 2026-04-01T10:30:00.000Z is before TST-PERP's latest funding-rate mark \(2026-04-01T11:00:00.000Z\); marks go forward in time/),
        assert.equal(e.where?.field, 'rates[0].time'),
        true
      ),
    );
  }
  assert.deepEqual(rateRows(db), [['TST-PERP', FUNDING_TIME, 2_000_000n, 'import']], 'nothing stored');
  assert.equal(seq(), at, 'nothing journalled');
  // A later mark moves the clock on; the rebuilt ledger holds the same clock.
  tick('2026-04-01T11:30:00Z');
  assert.equal(clock(), '2026-04-01T11:30:00.000Z');
  assert.equal(deepVerify(db).outcome, 'verified');

  // The same history in a ledger of step 15, before the clock had a table: overwritten again, no rate row has the
  // time; step 16 finds it in the journal, so the migrated ledger still refuses the old mark and matches its replay.
  imp(operator, 'funding-rates', `instrument,at,rate\nTST-PERP,${FUNDING_TIME},0.0002\n`);
  db.exec('DROP TABLE funding_feed_clock');
  // And without step 17's (the chunked publish of series imports).
  db.exec(`DROP TABLE import_publishing;
    DROP INDEX prices_publishing; DROP INDEX volatilities_publishing; DROP INDEX asset_prices_publishing;
    ALTER TABLE prices DROP COLUMN publishing; ALTER TABLE volatilities DROP COLUMN publishing; ALTER TABLE asset_prices DROP COLUMN publishing;`);
  // And without the result changes (a cycle's chunk stored as its changes).
  db.exec('DROP TABLE cycle_result_changes; DROP INDEX cycle_result_chunks_latest; DROP TRIGGER cycle_result_chunks_one_form;');
  // And without step 18's guard on isolated positions in portfolio instruments.
  db.exec(`DROP TRIGGER positions_portfolio_not_isolated_insert; DROP TRIGGER positions_portfolio_not_isolated_update;
    DROP TRIGGER instruments_portfolio_no_isolated_positions;`);
  db.pragma('user_version = 15');
  const file = db.name;
  db.close();
  const old = openLedger(file);
  try {
    assert.equal(old.prepare("SELECT observed_at FROM funding_feed_clock WHERE instrument_id = 'TST-PERP'").pluck().get(), '2026-04-01T11:30:00.000Z');
    assert.throws(() => c.run(old, operator, 'funding.tick', { rates: [{ instrument: 'TST-PERP', rate: '0.0001', fundingTime: FUNDING_TIME, time: '2026-04-01T11:15:00Z' }] }), /latest funding-rate mark \(2026-04-01T11:30:00.000Z\)/);
    assert.equal(deepVerify(old).outcome, 'verified');
  } finally {
    old.close();
  }
});
