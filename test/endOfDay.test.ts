// The end-of-day risk report (issue 21 item 7) against the ledger it reads, on a real file: statuses as the day's last
// cycle stored them, the largest maintenance margins first, the calls of the day counted from the calls themselves,
// the day's overrides, and Cover-1 and Cover-2 as a stress run gives them; a day before any cycle reads empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, viewer } from './support/actors.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import type { EndOfDayReport } from '../shared/contractReports.ts';
import type { MarginCall } from '../shared/contract.ts';
import type { StressReport } from '../shared/contractRecovery.ts';
import { parseAmount } from '../shared/units.ts';
import { InputError } from '../shared/errors.ts';

const demoLedger = demoLedgers('riskdesk-eod-', 300);
const { run } = minuteClock();
const usd = (s: string) => parseAmount(s, 'test');

test('the day\'s report reads the day\'s last cycle, its calls and overrides, and the stress run at its marks', () => {
  const db = demoLedger();
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const calls = run<MarginCall[]>(db, viewer, 'calls.list', {});
  const open = calls.filter((c) => c.status === 'open' || c.status === 'overdue');
  run(db, supervisor, 'calls.waive', { id: open[0]!.id, reason: 'settled by wire' });
  run(db, operator, 'calls.deposit', { id: open[1]!.id, amount: open[1]!.outstanding });
  const r = run<EndOfDayReport>(db, viewer, 'reports.endOfDay', { day: DEMO_AS_OF.slice(0, 10) });

  const cycle = Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get());
  assert.equal(r.cycle!.id, cycle);
  const res = readCycleResults(db, cycle);
  const names = ['healthy', 'warning', 'call', 'liquidation', 'bankrupt'];
  assert.deepEqual(r.statuses, names.map((status, k) => ({ status, accounts: [...res.status].filter((s) => s === k).length })));
  const mms = [...res.mm].sort((a, b) => (b > a ? 1 : b < a ? -1 : 0)).slice(0, 10);
  assert.deepEqual(r.topExposures.map((e) => usd(e.mm)), mms);

  assert.equal(r.calls.issued, calls.length);
  assert.equal(usd(r.calls.issuedAmount), calls.reduce((s, c) => s + usd(c.amount), 0n));
  assert.deepEqual([r.calls.met, r.calls.waived, r.calls.escalated], [1, 1, 0]);
  assert.equal(usd(r.calls.metAmount), usd(open[1]!.amount));
  assert.equal(r.calls.open, open.length - 2);
  assert.deepEqual(r.overrides.map((o) => [o.kind, o.subject]), [['waiver', `call:${open[0]!.id}`]]);

  const stress = run<StressReport>(db, viewer, 'stress.run', {});
  assert.deepEqual([r.cover!.cover1.amount, r.cover!.cover2.amount, r.cover!.prefunded], [stress.cover1.amount, stress.cover2.amount, stress.prefunded.total]);
  assert.deepEqual(r.breakers, []);

  // A day with nothing: no cycle by its end, no calls, no overrides.
  const before = run<EndOfDayReport>(db, viewer, 'reports.endOfDay', { day: '2026-03-01' });
  assert.deepEqual([before.cycle, before.calls.issued, before.overrides.length, before.cover], [null, 0, 0, null]);
  assert.throws(() => run(db, viewer, 'reports.endOfDay', { day: '2026-02-30' }), (e: unknown) => e instanceof InputError && e.where.field === 'day');
  db.close();
});
