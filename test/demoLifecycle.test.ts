// The demo book's funding rates and limits (issue 18, demo/lifecycleDemo.ts): added after the book is made, so the
// seeded book is the same book; no limit is breached by it; a cycle as of the close pays no funding, a run on a later
// clock pays the two funding times once, each to the cent of value x rate; the init replays them (verify --deep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, viewer } from './support/actors.ts';
import { readPositions } from '../main/ledger/bookRepo.ts';
import { generateDemoBook } from '../main/demo/generate.ts';
import { withOptionsDesk } from '../main/demo/optionsDesk.ts';
import { demoFundingRates, demoLimits } from '../main/demo/lifecycleDemo.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import type { CycleSummary } from '../shared/contract.ts';
import type { LifecycleOverview, LifecycleResult, LimitsView } from '../shared/contractLifecycle.ts';

const newLedger = demoLedgers('riskdesk-demo-lifecycle-', 300);

test('the demo book comes with funding rates after its close and member limits it does not breach', () => {
  const book = generateDemoBook({ accounts: 300, seed: 7, asOf: DEMO_AS_OF });
  const again = generateDemoBook({ accounts: 300, seed: 7, asOf: DEMO_AS_OF });
  assert.deepEqual(demoFundingRates(book), demoFundingRates(again));
  assert.deepEqual(demoLimits(book), demoLimits(again));
  // The crash day's close: ETH-PERP fell, so its longs are paid (a negative rate), within the cap.
  const rates = demoFundingRates(book);
  assert.deepEqual(rates.map((r) => [r.instrument, r.at]), [
    ['ETH-PERP', '2026-03-13T00:00:00.000Z'],
    ['NDX-PERP', '2026-03-13T00:00:00.000Z'],
  ]);
  assert.ok(rates.every((r) => r.rate >= -7_500_000n && r.rate <= 7_500_000n));
  assert.ok(rates[0]!.rate < 0n);

  const db = newLedger();
  // The ledger holds the generated book and, after it, the options desk (main/demo/optionsDesk.ts).
  assert.deepEqual(readPositions(db).length, withOptionsDesk(book).positions.length, 'the seeded positions are all there, as made');
  const c = minuteClock();
  const limits = c.run<LimitsView>(db, viewer, 'limits.list', {});
  assert.ok(limits.limits.length > 0 && limits.limits.every((l) => l.scope === 'member'));
  assert.deepEqual(limits.breaches, []);
  // A cycle as of the close (what the specs and the bench read) pays none of it.
  const cyc = c.run<CycleSummary>(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  assert.equal(cyc.lifecycle, undefined);
  db.close();
});

test('a run after the demo funding time pays it once, value x rate to the cent, and the init replays it', () => {
  const db = newLedger();
  const c = minuteClock('2026-03-13T01:00:00.000Z');
  const r = c.run<LifecycleResult>(db, operator, 'lifecycle.run', {});
  assert.deepEqual(r.funding.map((f) => f.instrument), ['ETH-PERP', 'NDX-PERP']);
  const o = c.run<LifecycleOverview>(db, viewer, 'lifecycle.overview', { instrument: 'ETH-PERP' });
  const paid = o.funding[0]!;
  // Taken = paid out + funding account, to the micro-USD; and the book's net value x rate leaves only rounding.
  assert.equal(new Decimal(paid.debited).minus(paid.credited).toString(), paid.house);
  assert.ok(new Decimal(paid.residue).gte(0));
  assert.equal(c.run<LifecycleResult>(db, operator, 'lifecycle.run', {}).funding.length, 0, 'never twice');
  assert.equal(deepVerify(db).outcome, 'verified');
  db.close();
});
