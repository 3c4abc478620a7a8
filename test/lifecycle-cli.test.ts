// `riskdesk lifecycle` and the lifecycle's import kinds through the real command line on a real ledger file: a funding
// file imported, funding paid and expired futures settled by `lifecycle run` (a signed-in operator; the batch actor
// may not), shown by `lifecycle overview` and `lifecycle account`; a limits file from a supervisor, its breach listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AccountLifecycleView, LifecycleOverview, LifecycleResult, LimitsView } from '../shared/contractLifecycle.ts';
import { riskdesk, riskdeskAs, tempDir, withLedger, type CliResult } from './support/cli.ts';

const T = { timeout: 120_000 };

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

test('lifecycle run, overview, account and limits from the command line', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-lifecycle-cli-');
  const db = path.join(dir, 'l.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '60', '--seed', '7', '--now', '2026-03-12T21:00:00Z']));
  const holder = withLedger(db, (l) => l.prepare("SELECT account_id FROM positions WHERE instrument_id = 'BTC-PERP' ORDER BY account_id LIMIT 1").pluck().get() as string);
  const file = path.join(dir, 'funding-rates.csv');
  fs.writeFileSync(file, 'instrument,at,rate\nBTC-PERP,2026-03-12T16:00:00Z,0.0001\n');
  const now = ['--now', '2026-04-01T00:00:00Z'];
  ok(await riskdeskAs('operator', ['import', '--db', db, 'funding-rates', file, ...now]));
  // The batch actor (no --as) may read, not settle or pay.
  assert.match(ok(await riskdesk(['lifecycle', 'run', '--db', db, ...now]), 2).stderr, /signed-in user/);
  const r = ok(await riskdeskAs('operator', ['lifecycle', 'run', '--db', db, '--json', ...now])).json<LifecycleResult>();
  // The rate imported, and the demo book's own next funding time of ETH-PERP and NDX-PERP (demo/lifecycleDemo.ts).
  assert.deepEqual(r.funding.map((f) => [f.instrument, f.at]), [
    ['BTC-PERP', '2026-03-12T16:00:00.000Z'],
    ['ETH-PERP', '2026-03-13T00:00:00.000Z'],
    ['NDX-PERP', '2026-03-13T00:00:00.000Z'],
  ]);
  assert.equal(r.funding[0]!.rate, '0.0001');
  // The demo's March futures expired on the 20th and 27th: settled at their last marks.
  assert.ok(r.settled.length > 0 && r.settled.every((s) => s.rule === 'last_mark' && s.expiry < '2026-04-01'));
  assert.match(ok(await riskdeskAs('operator', ['lifecycle', 'run', '--db', db, ...now])).stdout, /0 futures settled, 0 funding times paid/);
  const o = ok(await riskdesk(['lifecycle', '--db', db, '--json', '--instrument', 'BTC-PERP', ...now])).json<LifecycleOverview>();
  assert.equal(o.funding.length, 1);
  assert.equal(o.funding[0]!.house, r.funding[0]!.house);
  assert.match(ok(await riskdesk(['lifecycle', 'overview', '--db', db, ...now])).stdout, /funding account: /);
  const a = ok(await riskdesk(['lifecycle', 'account', '--db', db, '--account', holder, '--json', ...now])).json<AccountLifecycleView>();
  assert.equal(a.funding.filter((f) => f.instrument === 'BTC-PERP').length, 1);

  const limits = path.join(dir, 'limits.csv');
  fs.writeFileSync(limits, `scope,subject,instrument,max_notional\naccount,${holder},*,1\n`);
  ok(await riskdeskAs('operator', ['import', '--db', db, 'limits', limits, ...now]), 1);
  ok(await riskdeskAs('supervisor', ['import', '--db', db, 'limits', limits, ...now]));
  const v = ok(await riskdesk(['lifecycle', 'limits', '--db', db, '--json', ...now])).json<LimitsView>();
  assert.equal(v.breaches.length, 1, 'the demo book\'s own limits are not breached');
  assert.match(v.breaches[0]!.message, new RegExp(`account ${holder}'s limit: maximum notional 1 USD, and it is `));
  assert.match(ok(await riskdesk(['lifecycle', 'limits', '--db', db, ...now])).stdout, /BREACH account/);
  assert.match(ok(await riskdesk(['lifecycle', 'deliveries', '--db', db, ...now])).stdout, /instrument/);
  ok(await riskdesk(['verify', '--db', db, '--deep']));
});
