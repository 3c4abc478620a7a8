// default.layouts on a real demo ledger: one closed-out default laid out as the clearinghouse's waterfall and as a
// crypto venue's (insurance fund, then ADL or socialised loss), side by side; each adds up to the loss, the crypto
// layout's insurance fund is the fund's balance, and the CCP layout is exactly the waterfall the desk then runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, supervisor2, viewer } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { InsuranceFundView, LayoutComparison, LayoutView } from '../shared/contractFunds.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { parseAmount } from '../shared/units.ts';
import { riskdesk } from './support/cli.ts';

const { run } = minuteClock();
const usd = (s: string) => parseAmount(s, 'usd');
const layouts = (db: Ledger, c: number, crypto: string[], ccp?: string[]) =>
  run<LayoutComparison>(db, viewer, 'default.layouts', { case: c, crypto, ...(ccp ? { ccp } : {}) });
const addsUp = (l: LayoutView, loss: bigint) =>
  assert.equal(l.layers.reduce((s, x) => s + usd(x.used), 0n) + usd(l.uncovered), loss, `${l.layout} ${l.tools} adds up to the loss`);

test('a closed-out default laid out both ways: each adds up; the CCP side is the waterfall the desk then runs', async () => {
  const db = demoLedgers('riskdesk-layouts-', 400)();
  setPolicy(run, db, 'insuranceFeeRate', '0.002');
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  // Fees into the insurance fund from a liquidation, so the crypto layout has a fund to draw on.
  const live = run<{ id: number; before: { status: string } }[]>(db, operator, 'liquidations.list', { live: true });
  const l = run<{ status: string; orders: { instrument: string; quantity: string }[] }>(db, supervisor, 'liquidations.approve', { id: live[0]!.id });
  if (l.status === 'pending_second') run(db, supervisor2, 'liquidations.approve', { id: live[0]!.id });
  for (const o of l.orders) run(db, operator, 'liquidations.fill', { id: live[0]!.id, instrument: o.instrument, quantity: o.quantity, simulate: true });
  const fund = usd(run<InsuranceFundView>(db, viewer, 'funds.insurance', {}).balance);
  assert.ok(fund > 0n);
  // A default big enough to pass the insurance fund: a client account of TWC owing 60M USD (as recovery.test.ts does).
  db.prepare("UPDATE members SET default_fund = 1000000000000 WHERE id <> 'TWC'").run();
  setPolicy(run, db, 'ccpFirstTranche', '2000000');
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  const debtor = r.ids.find((id, i) => id.startsWith('TWC-C') && r.status[i]! >= 2)!;
  db.prepare("UPDATE collateral SET quantity = quantity - 6000000000 WHERE account_id = ? AND asset_id = 'USD'").run(debtor);
  const asked = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: 'TWC', reason: 'failed to meet a settlement obligation' });
  const c = run<DefaultCaseDetail>(db, supervisor2, 'default.confirm', { case: asked.id });
  assert.throws(() => layouts(db, c.id, ['adl']), (e: unknown) => e instanceof RuleError && e.code === 'case_state');
  const out = run<DefaultCaseDetail>(db, supervisor, 'default.closeOut', { case: c.id });
  const loss = usd(out.closeOut!.loss);

  const bySocial = layouts(db, c.id, ['socialisedLoss'], ['socialisedLoss']);
  const byAdl = layouts(db, c.id, ['adl', 'socialisedLoss']);
  assert.equal(usd(bySocial.closeOutLoss), loss);
  for (const cmp of [bySocial, byAdl]) {
    const [ccp, crypto] = cmp.layouts;
    addsUp(ccp, loss);
    addsUp(crypto, loss);
    assert.deepEqual(crypto.layers.slice(0, 2).map((x) => x.name), ['defaulterMargin', 'insuranceFund']);
    assert.equal(crypto.layers[1]!.available, run<InsuranceFundView>(db, viewer, 'funds.insurance', {}).balance);
    assert.equal(crypto.house, crypto.layers[1]!.used);
    assert.equal(crypto.layers[0]!.used, ccp.layers[0]!.used, 'the defaulter\'s margin is the first layer of both');
    // Per member, the columns are what each layout puts on it, and the difference is crypto - CCP.
    for (const m of cmp.members) assert.equal(usd(m.difference), usd(m.crypto) - usd(m.ccp), m.member);
  }
  assert.deepEqual(byAdl.layouts[1].layers.slice(2).map((x) => x.name), ['adl', 'socialisedLoss']);
  const now = byAdl.layouts[1].layers[1]!;
  assert.ok(usd(now.used) === usd(now.available) && usd(now.available) >= fund && loss > usd(now.available), 'the loss passes the insurance fund, used whole');
  // Survivors bear more under the crypto layout, with no default fund to take the loss first, or the same.
  assert.ok(bySocial.members.some((m) => m.member !== 'TWC' && usd(m.difference) !== 0n), 'the layouts differ for some survivor');

  // The CLI prints the same comparison.
  const cli = await riskdesk(['default', 'layouts', '--db', db.name, '--case', String(c.id), '--vs', 'adl,socialisedLoss', '--json']);
  assert.equal(cli.code, 0, cli.describe());
  assert.deepEqual(cli.json(), byAdl);
  const text = await riskdesk(['default', 'layouts', '--db', db.name, '--case', String(c.id), '--vs', 'socialisedLoss', '--tools', 'socialisedLoss']);
  assert.match(text.stdout, /insuranceFund/);
  assert.match(text.stdout, /crypto - CCP/);

  // The CCP side is the same engine on the same inputs as the waterfall itself.
  const w = run<DefaultCaseDetail>(db, supervisor, 'default.waterfall', { case: c.id });
  assert.deepEqual(w.waterfall!.layers, bySocial.layouts[0].layers.slice(0, 6));
  assert.throws(() => layouts(db, c.id, ['adl']), (e: unknown) => e instanceof RuleError && e.code === 'case_state');
  assert.throws(() => layouts(db, c.id, []), InputError);
  assert.throws(() => layouts(db, c.id, ['adl', 'adl']), InputError);
  db.close();
});
