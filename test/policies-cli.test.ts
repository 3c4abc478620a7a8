// `riskdesk policies` as a child process on a real ledger file: list, a change asked by one supervisor and confirmed by
// another, the history, and the refusals (a bad value, exit 2, naming the key; the asker confirming, exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { PoliciesView, PolicyChangeView, PolicyEntryView } from '../shared/contractPolicy.ts';
import { journalOf, riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 120_000 };

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

test('policies list, change (asked, then confirmed by a second supervisor), history; a bad value and a self-confirmation refused', T, async (t) => {
  const db = path.join(tempDir(t, 'riskdesk-policies-cli-'), 'l.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '100', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  const list = async () => ok(await riskdesk(['policies', '--db', db, '--json'])).json<PoliciesView>();
  assert.equal((await list()).version, 0);
  const human = ok(await riskdesk(['policies', 'list', '--db', db]));
  assert.match(human.stdout, /policy version 0/);
  assert.match(human.stdout, /fourEyesNotional\s+1000000\s+USD/);
  assert.match(human.stdout, /ledgerMode\s+demo \(read-only\)/);

  const entries = journalOf(db).length;
  const bad = ok(await riskdeskAs('supervisor', ['policies', 'change', 'fourEyesNotional', 'a lot', '--db', db, '--reason', 'raise it']), 2);
  assert.match(bad.stderr, /policy fourEyesNotional: "a lot" is not an amount in USD/);
  assert.match(ok(await riskdesk(['policies', 'change', 'fourEyesNotional', '2000000', '--db', db, '--reason', 'raise it']), 2).stderr, /needs a signed-in user/);
  ok(await riskdeskAs('operator', ['policies', 'change', 'fourEyesNotional', '2000000', '--db', db, '--reason', 'raise it']), 1);
  assert.equal(journalOf(db).length, entries);

  const asked = ok(await riskdeskAs('supervisor', ['policies', 'change', 'fourEyesNotional', '2000000', '--db', db, '--reason', 'committee minute 14', '--json'])).json<PolicyEntryView>();
  assert.deepEqual([asked.value, asked.pending?.value], ['1000000', '2000000']);
  const id = String(asked.pending!.approval);
  const self = ok(await riskdeskAs('supervisor', ['approvals', 'confirm', '--db', db, '--id', id]), 1);
  assert.match(self.stderr, /a second, different supervisor must confirm it/);
  ok(await riskdeskAs('supervisor2', ['approvals', 'confirm', '--db', db, '--id', id]));

  const after = await list();
  assert.equal(after.version, 1);
  assert.equal(after.entries.find((e) => e.key === 'fourEyesNotional')!.value, '2000000');
  const h = ok(await riskdesk(['policies', 'history', 'fourEyesNotional', '--db', db, '--json'])).json<PolicyChangeView[]>();
  assert.deepEqual(h.map((c) => [c.version, c.oldValue, c.newValue, c.requestedBy, c.confirmedBy]), [[1, '1000000', '2000000', 'supervisor', 'supervisor2']]);
  assert.match(ok(await riskdesk(['policies', 'history', 'fourEyesNotional', '--db', db])).stdout, /1\s+1000000\s+2000000\s+committee minute 14\s+supervisor\s+supervisor2/);
  ok(await riskdesk(['policies', 'history', '--db', db]), 2);
  assert.equal(ok(await riskdesk(['verify', '--db', db, '--deep', '--json'])).json<{ ok: boolean }>().ok, true);
});
