// Issue 22: "Simulate at the estimated price (drill)" wrote real fills to the live ledger. A live ledger (made
// without the demo book) refuses simulated fills and says where drills run; the demo book, where drills run, takes
// them. The CLI as a process on real ledger files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';
import { riskdesk, riskdeskAs, tempDir, dumpLedger } from './support/cli.ts';

const AS_OF = '2026-03-12T21:00:00Z';

test('a live ledger refuses a simulated fill (exit 1, nothing written); the demo book takes one', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, 'riskdesk-simulate-');
  const demo = path.join(dir, 'demo.db');
  assert.equal((await riskdesk(['init', '--db', demo, '--demo', '--accounts', '300', '--seed', '7', '--now', '2026-03-12T20:00:00Z'])).code, 0);
  assert.equal((await riskdeskAs('operator', ['cycle', '--db', demo, '--at', AS_OF, '--now', AS_OF])).code, 0);
  const [l] = (await riskdesk(['liquidations', '--db', demo, '--json'])).json<LiquidationSummary[]>();
  const d = (await riskdesk(['liquidations', 'show', '--db', demo, '--id', String(l!.id), '--json'])).json<LiquidationDetail>();
  assert.deepEqual(d.simulatedFills, { allowed: true, why: null });
  const o = d.orders[0]!;
  const first = (await riskdeskAs('supervisor', ['liquidations', 'approve', '--db', demo, '--id', String(l!.id), '--json'])).json<LiquidationDetail>();
  if (first.status === 'pending_second') assert.equal((await riskdeskAs('supervisor2', ['liquidations', 'approve', '--db', demo, '--id', String(l!.id)])).code, 0);
  // The same ledger, made live: what a desk's real book is (the mode is written when a ledger is made).
  const live = path.join(dir, 'live.db');
  const copy = new Database(demo);
  copy.pragma('wal_checkpoint(TRUNCATE)');
  copy.close();
  fs.copyFileSync(demo, live);
  const w = new Database(live);
  w.prepare("DELETE FROM policy WHERE key = 'ledgerMode'").run();
  w.close();
  const before = dumpLedger(live);
  const refused = await riskdeskAs('operator', ['liquidations', 'fill', '--db', live, '--id', String(l!.id), '--instrument', o.instrument, '--quantity', o.quantity, '--simulate']);
  assert.equal(refused.code, 1, refused.describe());
  assert.match(refused.stderr, /for drills, and this ledger is a live one/);
  assert.deepEqual(dumpLedger(live), before, 'nothing written');
  const shown = (await riskdesk(['liquidations', 'show', '--db', live, '--id', String(l!.id), '--json'])).json<LiquidationDetail>();
  assert.equal(shown.simulatedFills.allowed, false);
  // The demo book takes it.
  assert.equal((await riskdeskAs('operator', ['liquidations', 'fill', '--db', demo, '--id', String(l!.id), '--instrument', o.instrument, '--quantity', o.quantity, '--simulate'])).code, 0);
});
