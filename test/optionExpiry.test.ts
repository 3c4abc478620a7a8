// Options at expiry (issue 18) on a real ledger, worked to the unit by hand from the rules (docs/csv-formats.md,
// settlement-prices): a call exercised into its underlying future at the strike, a put expiring worthless, a
// cash-settled call assigned pro rata across three shorts with a remainder lot, a random assignment drawn from the
// policy's seed; after the cycle past the expiry nothing is open in an expired option, and the journal replays it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operator, supervisor } from './support/actors.ts';
import { readPositions } from '../main/ledger/bookRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { setUp, usd } from './support/lifecycleBook.ts';
import { optionBook } from './support/optionBook.ts';
import { assign, drawOrder } from '../main/engine/assignment.ts';
import type { CycleSummary } from '../shared/contract.ts';
import type { AccountLifecycleView, LifecycleOverview, OptionExpired } from '../shared/contractLifecycle.ts';
import { setPolicy } from './support/policy.ts';

const cash = (db: Parameters<typeof usd>[0], accounts: string[]) => new Map(accounts.map((a) => [a, usd(db, a)]));
const ACCOUNTS = ['T-LONG', 'T-SHORT', 'T-SHORT2', 'O-S1', 'O-S2', 'O-S3'];

test('options at expiry: a call exercised into its future at the strike, a put expiring worthless, a pro-rata assignment across three shorts with a remainder', () => {
  const { db, c, imp } = optionBook();
  const before = cash(db, ACCOUNTS);
  c.set('2026-04-24T10:00:00Z');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  const expired = new Map((cyc.lifecycle!.options ?? []).map((o) => [o.instrument, o]));
  const moved = (a: string) => usd(db, a).minus(before.get(a)!).toString();

  // TST-C60: TST-DEC26's last mark at or before 08:00 is 61500 (07:30; the 65000 at 09:00 is after): above 60000.
  assert.deepEqual(expired.get('TST-C60'), {
    instrument: 'TST-C60', expiry: '2026-04-24T08:00:00.000Z', underlyingPrice: '61500', rule: 'underlying_mark', priceAt: '2026-04-24T07:30:00.000Z',
    inTheMoney: true, settles: 'exercise', into: 'TST-DEC26', method: 'pro_rata', seed: null, exercised: '0.3', assigned: '0.3', positions: 2,
  } satisfies OptionExpired);
  // The long takes 0.3 TST-DEC26 at 60000 (one option lot of 0.1 is 100 future lots of 0.001) beside its 0.2 at
  // 60000: 0.5 with entry value 30000. The short is assigned 0.3 short at 60000. The options close at nothing.
  const dec = (a: string) => readPositions(db, a).find((p) => p.instrument === 'TST-DEC26');
  assert.deepEqual([dec('T-LONG')!.quantity, dec('T-LONG')!.entryValue], [500n, 30_000_000_000n]);
  assert.deepEqual([dec('T-SHORT2')!.quantity, dec('T-SHORT2')!.entryValue], [-300n, -18_000_000_000n]);

  // TST-P58: 61500 is above 58000: worthless. The long's 10 of premium (0.2 x 50) is lost, the short keeps its 12.
  assert.deepEqual(
    [expired.get('TST-P58')!.inTheMoney, expired.get('TST-P58')!.exercised, expired.get('TST-P58')!.assigned, expired.get('TST-P58')!.settles],
    [false, '0', '0', 'exercise'],
  );

  // TST-C61 expires with TST-24APR26, which settles at its imported 62000.5: intrinsic 1000.5, in cash. 5 lots
  // exercised; shorts of 3, 2 and 2 lots (7) get 15/7 = 2.14, 10/7 = 1.43 and 1.43: 2, 1, 1, and the remainder lot
  // goes to the larger fraction, a tie between O-S2 and O-S3 that the first account in order takes: 2, 2, 1.
  assert.deepEqual(
    { ...expired.get('TST-C61')! },
    {
      instrument: 'TST-C61', expiry: '2026-04-24T08:00:00.000Z', underlyingPrice: '62000.5', rule: 'underlying_settlement', priceAt: null,
      inTheMoney: true, settles: 'cash', into: null, method: 'pro_rata', seed: null, exercised: '0.5', assigned: '0.5', positions: 4,
    },
  );
  const opt = (a: string) => c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: a }).options.find((o) => o.instrument === 'TST-C61')!;
  assert.deepEqual(['O-S1', 'O-S2', 'O-S3'].map((a) => [opt(a).lots, opt(a).cash, opt(a).realised]), [
    ['0.2', '-200.1', '219.9'], // 0.2 x 1000.5 paid; 0.3 x 1400 = 420 of premium kept
    ['0.2', '-200.1', '79.9'],
    ['0.1', '-100.05', '179.95'],
  ]);
  assert.deepEqual([opt('T-LONG').lots, opt('T-LONG').cash, opt('T-LONG').realised], ['0.5', '500.25', '-249.75']);

  // Every account's USD, to the cent: the premiums realised, the cash settlement, and T-LONG's TST-24APR26 (long 1
  // at 60000 settles at 62000.5: +2000.5).
  assert.equal(moved('T-LONG'), String(-360 - 10 + 500.25 - 750 + 2000.5));
  assert.equal(moved('T-SHORT2'), '330');
  assert.equal(moved('T-SHORT'), String(12 - 1469)); // and its TST-LM short settles in cash at its last mark (lifecycle.test.ts)
  assert.deepEqual(['O-S1', 'O-S2', 'O-S3'].map(moved), ['219.9', '79.9', '179.95']);

  // Nothing is open in an expired option; a second cycle expires nothing again; the overview lists them.
  assert.equal(readPositions(db).filter((p) => ['TST-C60', 'TST-P58', 'TST-C61'].includes(p.instrument)).length, 0);
  assert.equal(c.run<CycleSummary>(db, operator, 'cycle.run', {}).lifecycle, undefined);
  assert.deepEqual(c.run<LifecycleOverview>(db, operator, 'lifecycle.overview', {}).optionExpiries.map((o) => o.instrument).sort(), ['TST-C60', 'TST-C61', 'TST-P58']);
  // No position can be opened in an expired option, and the price it expired against cannot be imported after.
  assert.throws(() => imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-C60,0.1,1000\n'), /TST-C60 expired at 2026-04-24T08:00:00.000Z/);
  assert.throws(() => imp(supervisor, 'settlement-prices', 'instrument,price\nTST-C60,61000\n'), /settlement-prices\.csv, row 1, column price: TST-C60 expired on .* against its underlying at 61500: that price cannot change/);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('an index option settles only at a price imported for it; without one it stays open and is listed', () => {
  const { db, c, imp } = setUp();
  imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry,option_right,strike\nNDX-P20,option,NDX,100,1,0.05,2026-04-24T08:00:00Z,put,20000\n');
  imp(supervisor, 'tiers', 'instrument,floor,mmr,imr\nNDX-P20,0,0.1,0.2\n');
  imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,NDX-P20,2,150\nT-SHORT,NDX-P20,-2,140\n');
  c.set('2026-04-24T10:00:00Z');
  const r = c.run<{ unsettled: { instrument: string; why: string }[] }>(db, operator, 'lifecycle.run', {});
  assert.match(r.unsettled.find((u) => u.instrument === 'NDX-P20')!.why, /no underlying instrument settles only at a price imported for it/);
  imp(supervisor, 'settlement-prices', 'instrument,price\nNDX-P20,19987.35\n');
  const before = cash(db, ['T-LONG', 'T-SHORT']);
  const done = c.run<{ options?: OptionExpired[] }>(db, operator, 'lifecycle.run', {});
  assert.deepEqual([done.options![0]!.rule, done.options![0]!.settles, done.options![0]!.underlyingPrice], ['imported', 'cash', '19987.35']);
  // Intrinsic 12.65 x 2 lots x 100 = 2530: the long receives it, its premium 2 x 150 x 100 = 30000 realised; the
  // short pays it and keeps its 2 x 140 x 100 = 28000.
  assert.equal(usd(db, 'T-LONG').minus(before.get('T-LONG')!).toString(), String(2530 - 30000));
  assert.equal(usd(db, 'T-SHORT').minus(before.get('T-SHORT')!).toString(), String(-2530 + 28000));
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('random assignment: the shorts in an order drawn from the policy seed, each assigned what it holds in turn; recorded and replayed', () => {
  // The engine: never more than a short holds, the exercised lots (or every short lot) in all, the same from the seed.
  for (const seed of [1n, 7n, 123456789n]) {
    const parts = assign(5n, [3n, 2n, 2n], 'random', seed);
    assert.equal(parts.reduce((a, b) => a + b, 0n), 5n);
    assert.ok(parts.every((p, i) => p <= [3n, 2n, 2n][i]!));
    assert.deepEqual(assign(5n, [3n, 2n, 2n], 'random', seed), parts);
    // In the drawn order each short takes all it holds until the lots run out.
    const order = drawOrder(3, seed);
    let left = 5n;
    for (const i of order) {
      const want = [3n, 2n, 2n][i]! < left ? [3n, 2n, 2n][i]! : left;
      assert.equal(parts[i], want);
      left -= want;
    }
  }
  assert.deepEqual(assign(9n, [3n, 2n, 2n], 'pro_rata', 0n), [3n, 2n, 2n], 'more exercised than held: every short lot');
  assert.deepEqual(assign(0n, [3n, 2n, 2n], 'random', 5n), [0n, 0n, 0n]);

  const { db, c } = optionBook();
  setPolicy(c.run, db, 'assignmentMethod', 'random');
  setPolicy(c.run, db, 'assignmentSeed', '20260424');
  c.set('2026-04-24T10:00:00Z');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  const o = cyc.lifecycle!.options!.find((x) => x.instrument === 'TST-C61')!;
  assert.equal(o.method, 'random');
  assert.match(o.seed!, /^\d+$/);
  const lots = ['O-S1', 'O-S2', 'O-S3'].map((a) => c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: a }).options[0]!.lots);
  const drawn = assign(5n, [3n, 2n, 2n], 'random', BigInt(o.seed!)).map((l) => (Number(l) / 10).toString());
  assert.deepEqual(lots, drawn);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('an option expiring before its future, both past at the run: exercised into the future first, which then settles with what it took', () => {
  const { db, c, imp } = setUp();
  imp(supervisor, 'accounts', 'id,member,kind,mode\nO-S1,TSTM,client,cross\n');
  imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry,option_right,strike,underlying_instrument\nTST-C20,option,TST,1,0.1,0.5,2026-04-20T08:00:00Z,call,60000,TST-24APR26\n');
  imp(supervisor, 'tiers', 'instrument,floor,mmr,imr\nTST-C20,0,0.1,0.2\n');
  imp(operator, 'collateral', 'account,asset,quantity\nO-S1,USD,100000\n');
  imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-C20,0.1,500\nO-S1,TST-C20,-0.1,500\n');
  imp(supervisor, 'settlement-prices', 'instrument,price\nTST-24APR26,62000.5\n');
  const before = cash(db, ['T-LONG', 'O-S1']);
  c.set('2026-04-24T10:00:00Z');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});
  // TST-24APR26's last mark at or before 04-20 08:00 is 60400: exercised, 0.1 TST-24APR26 long at 60000 to T-LONG
  // (beside its 1 at 60000) and short to O-S1; on the 24th the future settles at 62000.5 with those in it.
  assert.deepEqual([cyc.lifecycle!.options![0]!.underlyingPrice, cyc.lifecycle!.options![0]!.into], ['60400', 'TST-24APR26']);
  const closes = (a: string) => c.run<AccountLifecycleView>(db, operator, 'lifecycle.account', { account: a }).expiries.find((e) => e.instrument === 'TST-24APR26')!;
  assert.deepEqual([closes('T-LONG').quantity, closes('T-LONG').realised], ['1.1', '2200.55']);
  assert.deepEqual([closes('O-S1').quantity, closes('O-S1').realised], ['-0.1', '-200.05']);
  // Premiums 50 each way: T-LONG -50 + 2200.55; O-S1 +50 - 200.05.
  assert.equal(usd(db, 'T-LONG').minus(before.get('T-LONG')!).toString(), '2150.55');
  assert.equal(usd(db, 'O-S1').minus(before.get('O-S1')!).toString(), '-150.05');
  assert.equal(readPositions(db).filter((p) => p.instrument === 'TST-C20' || p.instrument === 'TST-24APR26').length, 0);
  assert.equal(deepVerify(db).outcome, 'verified');
});
