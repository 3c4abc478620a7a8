// `riskdesk liquidations`, `automation` and `breakers` end to end: the real CLI as a child process on a real ledger
// file, with exit codes 0 / 1 (refused by a rule) / 2 (bad input) and nothing changed on a refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, withLedger, count, journalOf, type CliResult } from './support/cli.ts';
import type { AutomationStatus, LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';

const T = { timeout: 120_000 };
const AS_OF = '2026-03-12T21:00:00Z';

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

test('liquidations from the command line: list, approve with an edit, a refused operator, a fill, automation and breakers', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-liq-cli-');
  const db = path.join(dir, 'l.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '400', '--seed', '7', '--now', AS_OF]));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF]));

  const list = ok(await riskdesk(['liquidations', '--db', db, '--json'])).json<LiquidationSummary[]>();
  assert.ok(list.length > 0);
  assert.ok(list.every((l) => l.status === 'proposed'));
  const human = ok(await riskdesk(['liquidations', '--db', db])).stdout;
  assert.match(human, /automation is off/);
  const target = list.find((l) => l.before.status === 'liquidation') ?? list[0]!;

  const d = ok(await riskdesk(['liquidations', 'show', '--db', db, '--id', String(target.id), '--json'])).json<LiquidationDetail>();
  const o = d.orders[0]!;
  // A quantity that is not a lot multiple: exit 2, the field named, nothing journalled.
  const entries = journalOf(db).length;
  const bad = await riskdeskAs('operator', ['liquidations', 'approve', '--db', db, '--id', String(target.id), '--orders', `${o.instrument}=0.0000001`]);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /orders\[0\]\.quantity/);
  assert.equal(journalOf(db).length, entries);
  // A viewer may not approve: exit 1.
  const viewer = await riskdeskAs('viewer', ['liquidations', 'approve', '--db', db, '--id', String(target.id)]);
  assert.equal(viewer.code, 1, viewer.describe());
  assert.match(viewer.stderr, /needs the operator role/);

  const approved = ok(await riskdeskAs('operator', ['liquidations', 'approve', '--db', db, '--id', String(target.id), '--orders', `${o.instrument}=${o.quantity}`, '--note', 'as proposed', '--json'])).json<LiquidationDetail>();
  assert.equal(approved.status, d.orders.length > 0 && approved.fourEyes ? 'pending_second' : 'approved');
  // --price and --simulate are exclusive.
  const both = await riskdeskAs('operator', ['liquidations', 'fill', '--db', db, '--id', String(target.id), '--instrument', o.instrument, '--quantity', o.quantity]);
  assert.equal(both.code, 2, both.describe());
  const filled = ok(await riskdeskAs('operator', ['liquidations', 'fill', '--db', db, '--id', String(target.id), '--instrument', o.instrument, '--quantity', o.quantity, '--simulate', '--json'])).json<LiquidationDetail>();
  assert.equal(filled.fills.length, 1);
  assert.equal(filled.fills[0]!.price, o.estimatedPrice);
  assert.equal(withLedger(db, (l) => count(l, 'liquidation_fills')), 1);
  assert.deepEqual(journalOf(db).slice(-2).map((e) => e.command), ['liquidations.approve', 'liquidations.fill']);

  // Automation and breakers: an operator is refused, a supervisor switches it on; no breaker to reset.
  assert.equal((await riskdeskAs('operator', ['automation', 'on', '--db', db, '--reason', 'staffed'])).code, 1);
  const on = ok(await riskdeskAs('supervisor', ['automation', 'on', '--db', db, '--reason', 'desk staffed', '--json'])).json<AutomationStatus>();
  assert.equal(on.globalEnabled, true);
  const reset = await riskdeskAs('supervisor', ['breakers', 'reset', '--db', db, '--instrument', o.instrument, '--reason', 'checked']);
  assert.equal(reset.code, 1, reset.describe());
  assert.match(reset.stderr, /not tripped/);
});
