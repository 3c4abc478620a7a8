// Position limits (issue 18) on a real ledger: each kind (position per instrument, notional per account, leverage,
// share of open interest, a member's total) refuses an import that would breach it, naming the limit, the value and
// the account, and nothing of the file lands; the ways around each are tried too: a collateral withdrawal that raises
// leverage, a second account of the same member, a port into a member at its limit, an auction award. A breach already
// there is not a reason to refuse a change that reduces it. The oracle is the figures worked by hand from the marks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operator, supervisor, viewer } from './support/actors.ts';
import { readPositions } from '../main/ledger/bookRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { journalHead } from '../main/ledger/journal.ts';
import { setUp, usd } from './support/lifecycleBook.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { LimitsView } from '../shared/contractLifecycle.ts';

// At 09:00 on 2026-04-01 TST-PERP is marked 60100, TST-24APR26 60400, TST-DEC26 60500. TST-PERP is held 2 long
// (T-LONG), 1.5 short (T-SHORT) and 0.5 short (T-SHORT2): open interest 2 (2000 lots). Every account has 100000 USD.

const lotsOf = (db: ReturnType<typeof setUp>['db'], account: string, instrument: string) => readPositions(db, account).find((p) => p.instrument === instrument)?.quantity;

/** The import is refused with `why`, and the ledger's journal does not move (nothing of the file landed). */
function refused(ctx: ReturnType<typeof setUp>, kind: string, text: string, why: RegExp): void {
  const head = journalHead(ctx.db).seq;
  assert.throws(() => ctx.imp(operator, kind, text), (e: Error) => {
    assert.match(e.message, why);
    return true;
  });
  assert.equal(journalHead(ctx.db).seq, head);
}

/** A second member TSTN with a house account N-H01 holding `usd`, its limits, and TSTM declared in default (four eyes). */
function receiverAndDefault(ctx: ReturnType<typeof setUp>, usd: string, limits: string): DefaultCaseDetail {
  ctx.imp(supervisor, 'members', 'id,name,status,default_fund\nTSTN,Receiver,active,1000000\n');
  ctx.imp(supervisor, 'accounts', 'id,member,kind,mode\nN-H01,TSTN,house,cross\n');
  ctx.imp(operator, 'collateral', `account,asset,quantity\nN-H01,USD,${usd}\n`);
  ctx.imp(supervisor, 'limits', limits);
  const c = ctx.c.run<DefaultCaseDetail>(ctx.db, supervisor, 'default.declare', { member: 'TSTM', reason: 'missed settlement' });
  ctx.c.run(ctx.db, { name: 'supervisor2', role: 'supervisor' }, 'default.confirm', { case: c.id });
  return c;
}

test('a limits file: supervisors only, and its bad rows named', () => {
  const ctx = setUp();
  assert.throws(() => ctx.imp(operator, 'limits', 'scope,subject,instrument,max_notional\naccount,T-LONG,*,1000\n'), /supervisor/);
  const bad: [string, RegExp][] = [
    ['scope,subject,instrument,max_position\naccount,T-LONG,*,1\n', /row 1, column max_position: a maximum position in quantity needs a named instrument/],
    ['scope,subject,instrument,max_position\ninstrument,T-LONG,TST-PERP,1\n', /row 1, column subject: .*its subject is \*/],
    ['scope,subject,instrument,max_oi_share\nmember,TSTM,TST-PERP,1.5\n', /row 1, column max_oi_share: a share of open interest is at most 1/],
    ['scope,subject,instrument,max_position\naccount,T-LONG,TST-PERP,0.0005\n', /row 1, column max_position: 0.0005 is not a whole number of instrument TST-PERP's lots/],
    ['scope,subject,instrument,max_leverage\naccount,NOPE,*,10\n', /row 1, column subject: account "NOPE" does not exist/],
    ['scope,subject,instrument,max_notional\naccount,T-LONG,*,1000\naccount,T-LONG,*,2000\n', /row 2, column instrument: duplicate limit/],
  ];
  for (const [text, why] of bad) assert.throws(() => ctx.imp(supervisor, 'limits', text), (e: Error) => (assert.match(e.message, why), true));
});

test('an instrument limit on the position: an import over it is refused, naming the limit, the value and the account, and nothing lands', () => {
  const ctx = setUp();
  ctx.imp(supervisor, 'limits', 'scope,subject,instrument,max_position\ninstrument,*,TST-PERP,3\n');
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-PERP,2.5,60000\nT-SHORT2,TST-PERP,-4,60000\n',
    /positions\.csv, row 2, column quantity: limit breached: instrument TST-PERP's limit for account T-SHORT2: maximum position 3 TST-PERP, and it would hold 4$/);
  assert.equal(lotsOf(ctx.db, 'T-LONG', 'TST-PERP'), 2000n, 'the good row did not land either');
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT2,TST-PERP,-3,60000\n');
  assert.equal(lotsOf(ctx.db, 'T-SHORT2', 'TST-PERP'), -3000n);
});

test("an account's notional over every instrument", () => {
  const ctx = setUp();
  // T-LONG: 2 x 60100 + 1 x 60400 + 0.2 x 60500 = 192700 USD.
  ctx.imp(supervisor, 'limits', 'scope,subject,instrument,max_notional\naccount,T-LONG,*,200000\n');
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-PERP,2.2,60000\n',
    /limit breached: account T-LONG's limit: maximum notional 200000 USD, and it would be 204720 USD/);
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-PERP,2.1,60000\n');
  assert.deepEqual(ctx.c.run<LimitsView>(ctx.db, viewer, 'limits.list', {}).breaches, []);
  // A price move takes it over: 2.1 x 64000 + 60400 + 12100 = 206900. Listed, never silent.
  ctx.imp(operator, 'prices', `instrument,at,mark\nTST-PERP,${ctx.c.now().toISOString()},64000\n`);
  const v = ctx.c.run<LimitsView>(ctx.db, viewer, 'limits.list', {});
  assert.deepEqual(v.limits, [{ scope: 'account', subject: 'T-LONG', instrument: '*', maxPosition: null, maxNotional: '200000', maxLeverage: null, maxOiShare: null }]);
  assert.deepEqual(v.breaches.map((b) => [b.account, b.metric, b.message]), [
    ['T-LONG', 'notional', "account T-LONG's limit: maximum notional 200000 USD, and it is 206900 USD"],
  ]);
  // A reduction that leaves it over still goes through; an increase does not.
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-PERP,2.05,60000\n');
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,TST-PERP,2.06,60000\n', /maximum notional 200000 USD, and it would be 204340 USD/);
});

test('leverage: a breach already there does not stop a reduction; an increase, or a collateral withdrawal, is refused', () => {
  const ctx = setUp();
  // T-SHORT2: notional 0.5 x 60100 = 30050; equity 100000 - 0.5 x (60100 - 59800) = 99850: leverage 0.300951. At 0.6
  // short: 36060 / 99820 = 0.36125; with 50000 USD: 30050 / 49850 = 0.602808 (to 6 places).
  ctx.imp(supervisor, 'limits', 'scope,subject,instrument,max_leverage\naccount,T-SHORT2,*,0.25\n');
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT2,TST-PERP,-0.6,59800\n',
    /account T-SHORT2's limit: maximum leverage 0\.25 \(notional \/ equity\), and it would be 0\.36125$/);
  // The way around it: less equity behind the same notional.
  refused(ctx, 'collateral', 'account,asset,quantity\nT-SHORT2,USD,50000\n', /collateral\.csv, row 1, column quantity: .*maximum leverage 0\.25 .* would be 0\.602808$/);
  assert.equal(usd(ctx.db, 'T-SHORT2').toString(), '100000');
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT2,TST-PERP,-0.4,59800\n');
  assert.equal(lotsOf(ctx.db, 'T-SHORT2', 'TST-PERP'), -400n);
});

test('concentration: an account may hold at most a share of the open interest', () => {
  const ctx = setUp();
  ctx.imp(supervisor, 'limits', 'scope,subject,instrument,max_oi_share\naccount,T-SHORT,TST-PERP,0.8\n');
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT,TST-PERP,-1.7,59500\n', /at most 0\.8 of TST-PERP's open interest, and it would hold 0\.85/);
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT,TST-PERP,-1.6,59500\n');
});

test("a member's limit counts every account of the member: a second account is no way around it, nor is a port", () => {
  const ctx = setUp();
  ctx.imp(supervisor, 'limits', 'scope,subject,instrument,max_position\nmember,TSTM,TST-PERP,5\n');
  // 2 + 1.5 + 0.5 = 4 lots gross; 5 is the most.
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT2,TST-PERP,-1.6,59800\n',
    /member TSTM's limit on TST-PERP \(account T-SHORT2\): maximum position 5 TST-PERP, and it would hold 5\.1/);
  refused(ctx, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT,TST-PERP,-2.6,59500\n', /member TSTM's limit on TST-PERP \(account T-SHORT\)/);
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-SHORT,TST-PERP,-2.5,59500\n');

  // A port into a member at its limit: refused, naming the limit.
  const c = receiverAndDefault(ctx, '100000', 'scope,subject,instrument,max_position\nmember,TSTN,TST-PERP,0.2\n');
  assert.throws(() => ctx.c.run(ctx.db, supervisor, 'default.port', { case: c.id, accounts: ['T-SHORT2'], to: 'TSTN' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'limit_breached');
    assert.match(e.message, /member TSTN's limit on TST-PERP \(account T-SHORT2\): maximum position 0\.2 TST-PERP, and it would hold 0\.5/);
    return true;
  });
  assert.equal(deepVerify(ctx.db).outcome, 'verified');
});

test('an auction award that would take the winner over its member limit is refused, naming it', () => {
  const ctx = setUp();
  const c = receiverAndDefault(ctx, '1000000', 'scope,subject,instrument,max_position\nmember,TSTN,TST-LM,1\n');
  ctx.c.run(ctx.db, operator, 'default.bid', { case: c.id, member: 'TSTN', lot: '*', amount: '-1000' });
  const head = journalHead(ctx.db).seq;
  // The winner's house account would take TSTM's 2 TST-LM short (its TST-PERP nets to nothing: 2 long, 2 short).
  assert.throws(() => ctx.c.run(ctx.db, supervisor, 'default.award', { case: c.id }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'limit_breached');
    assert.match(e.message, /member TSTN's limit on TST-LM \(account N-H01\): maximum position 1 TST-LM, and it would hold 2$/);
    return true;
  });
  assert.equal(journalHead(ctx.db).seq, head, 'nothing was asked or recorded');
});

test('a port split into parts that each pass is no way around a limit: the second part is refused, and so is the whole at once', () => {
  const ctx = setUp();
  // TSTN may hold 1.8 TST-PERP gross. T-SHORT brings 1.5 and T-SHORT2 0.5: each fits alone, not both (2).
  const c = receiverAndDefault(ctx, '100000', 'scope,subject,instrument,max_position\nmember,TSTN,TST-PERP,1.8\n');
  const breach = (e: Error & { code?: string }) => {
    assert.equal(e.code, 'limit_breached');
    assert.match(e.message, /member TSTN's limit on TST-PERP \(account T-SHORT2?\): maximum position 1\.8 TST-PERP, and it would hold 2$/);
    return true;
  };
  const head = journalHead(ctx.db).seq;
  assert.throws(() => ctx.c.run(ctx.db, supervisor, 'default.port', { case: c.id, accounts: ['T-SHORT', 'T-SHORT2'], to: 'TSTN' }), breach);
  assert.equal(journalHead(ctx.db).seq, head, 'the whole port refused: nothing moved');
  const asked = ctx.c.run<DefaultCaseDetail>(ctx.db, supervisor, 'default.port', { case: c.id, accounts: ['T-SHORT'], to: 'TSTN' });
  const held = asked.approvals.find((a) => a.status === 'pending' && a.channel === 'default.port');
  if (held) ctx.c.run(ctx.db, { name: 'supervisor2', role: 'supervisor' }, 'approvals.confirm', { id: held.id });
  assert.equal(lotsOf(ctx.db, 'T-SHORT', 'TST-PERP'), -1500n);
  assert.equal(ctx.db.prepare("SELECT member_id FROM accounts WHERE id = 'T-SHORT'").pluck().get(), 'TSTN', 'the first part ported');
  assert.throws(() => ctx.c.run(ctx.db, supervisor, 'default.port', { case: c.id, accounts: ['T-SHORT2'], to: 'TSTN' }), breach);
  assert.equal(lotsOf(ctx.db, 'T-SHORT2', 'TST-PERP'), -500n, 'T-SHORT2 stays where it was');
  assert.equal(deepVerify(ctx.db).outcome, 'verified');
});

test('an auction split into sub-portfolio bids is no way around a limit: the award counts every lot the winner takes', () => {
  const ctx = setUp();
  ctx.imp(supervisor, 'instruments', 'id,kind,underlying,multiplier,lot,tick,expiry\nXYZ-PERP,perpetual,XYZ,1,1,0.01,\n');
  ctx.imp(supervisor, 'tiers', 'instrument,floor,mmr,imr\nXYZ-PERP,0,0.01,0.02\n');
  ctx.imp(operator, 'prices', 'instrument,at,mark\nXYZ-PERP,2026-04-01T08:00:00Z,100\n');
  ctx.imp(operator, 'positions', 'account,instrument,quantity,entry_price\nT-LONG,XYZ-PERP,10,100\n');
  // The TST lot leaves N-H01 0.5 TST-24APR26, 2 short TST-LM and 0.2 TST-DEC26 (its TST-PERP nets out): 30200 +
  // 120601 + 12100 = 162901 of notional; the XYZ lot 10 x 100 = 1000. Either alone is within 163000; both are not.
  const c = receiverAndDefault(ctx, '1000000', 'scope,subject,instrument,max_notional\nmember,TSTN,*,163000\n');
  ctx.c.run(ctx.db, operator, 'default.bid', { case: c.id, member: 'TSTN', lot: 'TST', amount: '-1000' });
  ctx.c.run(ctx.db, operator, 'default.bid', { case: c.id, member: 'TSTN', lot: 'XYZ', amount: '-10' });
  const head = journalHead(ctx.db).seq;
  assert.throws(() => ctx.c.run(ctx.db, supervisor, 'default.award', { case: c.id }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'limit_breached');
    assert.match(e.message, /member TSTN's limit \(account N-H01\): maximum notional 163000 USD, and it would be 163901 USD$/);
    return true;
  });
  assert.equal(journalHead(ctx.db).seq, head, 'nothing was asked or recorded');
  assert.equal(lotsOf(ctx.db, 'T-LONG', 'XYZ-PERP'), 10n);
});
