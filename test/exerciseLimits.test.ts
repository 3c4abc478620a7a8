// Position limits at option expiry (issue 18) on a real ledger: a clearing house cannot refuse an expiry, so the
// options are exercised and assigned whatever the limits say, and a limit the exercise or assignment takes an account
// over, or further over, is listed naming the limit, the value and the account: in the run's result, as a dashboard
// alert after the cycle, and in limits.list; the limit gate then lets the account reduce but not add. A limit already
// over before the expiry, and no further over after it, is not blamed on the expiry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operator, supervisor } from './support/actors.ts';
import { readPositions } from '../main/ledger/bookRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { optionBook } from './support/optionBook.ts';
import type { CycleSummary, DashboardSummary } from '../shared/contract.ts';
import type { LifecycleResult, LimitsView } from '../shared/contractLifecycle.ts';

const LIMITS =
  'scope,subject,instrument,max_position,max_leverage\n' +
  // T-LONG holds 0.2 TST-DEC26; its 0.3 TST-C60 calls exercise into 0.3 more: 0.5 over 0.4.
  'account,T-LONG,TST-DEC26,0.4,\n' +
  // T-SHORT holds 1.5 TST-PERP short, over 1 already; its TST-P58 short expires worthless and changes nothing there.
  'account,T-SHORT,TST-PERP,1,\n' +
  // T-SHORT2 is assigned 0.3 TST-DEC26 short beside its 0.5 TST-PERP short: its leverage rises past 0.25.
  'account,T-SHORT2,*,,0.25\n';

test('an exercise at expiry over a position limit settles all the same, and the breach is listed naming the limit, the value and the account', () => {
  const { db, c, imp } = optionBook();
  imp(supervisor, 'limits', LIMITS);
  c.set('2026-04-24T10:00:00Z');
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', {});

  // The expiry was not refused: the call was exercised into TST-DEC26 and assigned to T-SHORT2.
  const dec = (a: string) => readPositions(db, a).find((p) => p.instrument === 'TST-DEC26')?.quantity;
  assert.equal(dec('T-LONG'), 500n);
  assert.equal(dec('T-SHORT2'), -300n);
  assert.equal(readPositions(db).filter((p) => p.instrument.startsWith('TST-C') || p.instrument.startsWith('TST-P5')).length, 0);

  const breaches = cyc.lifecycle!.limitBreaches!;
  assert.deepEqual(
    breaches.map((b) => [b.account, b.scope, b.subject, b.instrument, b.metric]),
    [
      ['T-LONG', 'account', 'T-LONG', 'TST-DEC26', 'lots'],
      ['T-SHORT2', 'account', 'T-SHORT2', '*', 'leverage'],
    ],
  );
  assert.equal(breaches[0]!.message, "account T-LONG's limit on TST-DEC26: maximum position 0.4 TST-DEC26, and it holds 0.5");
  assert.match(breaches[1]!.message, /^account T-SHORT2's limit: maximum leverage 0\.25 \(notional \/ equity\), and it is 0\.\d{6}$/);
  // T-SHORT's breach was there before the expiry and is no larger after it: not the expiry's.
  assert.ok(!breaches.some((b) => b.account === 'T-SHORT'));

  // The dashboard raises each as a critical alert after the cycle; limits.list lists every breach present.
  const alerts = c.run<DashboardSummary>(db, operator, 'dashboard.summary', {}).alerts.filter((a) => a.text.includes('at expiry took account'));
  assert.deepEqual(alerts.map((a) => [a.level, a.text.includes(breaches[0]!.message) || a.text.includes(breaches[1]!.message)]), [
    ['critical', true],
    ['critical', true],
  ]);
  const listed = c.run<LimitsView>(db, operator, 'limits.list', {}).breaches.map((b) => b.account).sort();
  assert.deepEqual(listed, ['T-LONG', 'T-SHORT', 'T-SHORT2']);

  // The way around: the account over its limit after the expiry cannot add to the position, and may reduce it.
  assert.throws(
    () => imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-DEC26,0.6,65000\n'),
    /limit breached: account T-LONG's limit on TST-DEC26: maximum position 0\.4 TST-DEC26, and it would hold 0\.6/,
  );
  imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-DEC26,0.45,65000\n');
  assert.equal(dec('T-LONG'), 450n);

  // A later cycle exercises nothing and raises no expiry alert again.
  assert.equal(c.run<CycleSummary>(db, operator, 'cycle.run', {}).lifecycle, undefined);
  assert.equal(c.run<DashboardSummary>(db, operator, 'dashboard.summary', {}).alerts.filter((a) => a.text.includes('at expiry took account')).length, 0);
  assert.equal(deepVerify(db).outcome, 'verified');
});

test('an expiry with no limit breached lists none, and lifecycle.run reports what it breached as a cycle does', () => {
  const { db, c, imp } = optionBook();
  imp(supervisor, 'limits', 'scope,subject,instrument,max_position\naccount,T-LONG,TST-DEC26,0.5\n');
  c.set('2026-04-24T10:00:00Z');
  const r = c.run<LifecycleResult>(db, operator, 'lifecycle.run', {});
  assert.equal(r.options?.length, 3);
  assert.equal(r.limitBreaches, undefined); // exactly at the limit is not over it

  const tight = optionBook();
  tight.imp(supervisor, 'limits', 'scope,subject,instrument,max_position\ninstrument,*,TST-DEC26,0.25\n');
  tight.c.set('2026-04-24T10:00:00Z');
  const r2 = tight.c.run<LifecycleResult>(tight.db, operator, 'lifecycle.run', {});
  assert.deepEqual(r2.limitBreaches!.map((b) => b.message), [
    "instrument TST-DEC26's limit for account T-LONG: maximum position 0.25 TST-DEC26, and it holds 0.5",
    "instrument TST-DEC26's limit for account T-SHORT2: maximum position 0.25 TST-DEC26, and it holds 0.3",
  ]);
  assert.equal(deepVerify(tight.db).outcome, 'verified');
});

test('an exercise into a future with no mark leaves a leverage limit unmeasurable: reported as such, the expiry done', () => {
  const { db, c, imp } = optionBook();
  imp(supervisor, 'accounts', 'id,member,kind,mode\nO-L1,TSTM,client,cross\nO-L2,TSTM,client,cross\n');
  imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry,option_right,strike,underlying_instrument\nTST-JUN27,future,TST,1,0.001,0.5,2027-06-25T08:00:00Z,,,\nTST-C59J,option,TST,1,0.1,0.5,2026-04-24T08:00:00Z,call,59000,TST-JUN27\n');
  imp(supervisor, 'tiers', 'instrument,floor,mmr,imr\nTST-JUN27,0,0.01,0.02\nTST-C59J,0,0.1,0.2\n');
  imp(operator, 'collateral', 'account,asset,quantity\nO-L1,USD,100000\nO-L2,USD,100000\n');
  imp(operator, 'positions', 'account,instrument,quantity,entry_price\nO-L1,TST-C59J,0.2,900\nO-L2,TST-C59J,-0.2,900\n');
  imp(operator, 'prices', 'instrument,at,mark\nTST-C59J,2026-04-24T07:00:00Z,1000\n');
  // The option settles at a price imported for it: TST-JUN27 itself has never been marked.
  imp(supervisor, 'settlement-prices', 'instrument,price\nTST-C59J,60000\n');
  imp(supervisor, 'limits', 'scope,subject,instrument,max_leverage\naccount,O-L1,*,5\n');
  c.set('2026-04-24T10:00:00Z');
  const r = c.run<LifecycleResult>(db, operator, 'lifecycle.run', {});
  assert.equal(readPositions(db, 'O-L1').find((p) => p.instrument === 'TST-JUN27')?.quantity, 200n);
  // Measured as of the run (10:00:01: the test clock moves a second a command); O-L2 has no limit, and is not named.
  assert.deepEqual(
    r.limitBreaches!.map((b) => [b.account, b.metric, b.message]),
    [['O-L1', 'unmeasured', "account O-L1's limit: account O-L1's leverage cannot be measured against its limit: no mark for TST-JUN27 at or before 2026-04-24T10:00:01.000Z"]],
  );
  assert.equal(deepVerify(db).outcome, 'verified');
});
