// Issue 22: one definition of overdue, from the server's clock. The dashboard tile counted calls past their deadline
// while the calls filter and a call's own status said open until the next cycle recorded them overdue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import type { DashboardSummary, MarginCall } from '../shared/contract.ts';
import { operator, viewer, minuteClock } from './support/actors.ts';

const demoLedger = demoLedgers('riskdesk-overdue-', 300);

test('a call past its deadline reads overdue everywhere at once: the tile, the filter and the call itself, before any cycle', () => {
  const db = demoLedger();
  const { run, advance } = minuteClock();
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const open = run<MarginCall[]>(db, viewer, 'calls.list', { status: 'open' });
  assert.ok(open.length > 0, 'the cycle issued calls');
  assert.equal(run<MarginCall[]>(db, viewer, 'calls.list', { status: 'overdue' }).length, 0);
  // Two hours on, past every deadline (cure period one hour), and no cycle since.
  advance(2 * 3_600_000);
  const tile = run<DashboardSummary>(db, viewer, 'dashboard.summary', {}).openCalls.overdue;
  const filtered = run<MarginCall[]>(db, viewer, 'calls.list', { status: 'overdue' });
  assert.equal(filtered.length, tile, 'the filter agrees with the tile');
  assert.equal(filtered.length, open.length, 'every open call is now overdue');
  assert.equal(run<MarginCall[]>(db, viewer, 'calls.list', { status: 'open' }).length, 0);
  const one = run<MarginCall>(db, viewer, 'calls.get', { id: open[0]!.id });
  assert.equal(one.status, 'overdue');
  db.close();
});
