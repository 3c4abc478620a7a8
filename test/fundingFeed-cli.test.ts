// Funding rates from the live feed through the real `riskdesk feed` on a real ledger file: NDJSON funding-rate marks
// on stdin go to funding.tick in their own batch, a bad one refused on stderr with its line and why while the good
// one goes on; `lifecycle run` past the funding time then pays it at the feed's rate, and verify --deep replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { LifecycleResult } from '../shared/contractLifecycle.ts';
import { riskdesk, riskdeskAs, tempDir, withLedger, type CliResult } from './support/cli.ts';

const T = { timeout: 120_000 };

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

test('riskdesk feed takes funding-rate marks, refuses bad ones by line, and the funding time is paid at the feed rate', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-funding-feed-');
  const db = path.join(dir, 'l.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '40', '--seed', '7', '--now', '2026-03-12T21:00:00Z']));
  const future = withLedger(db, (l) => l.prepare("SELECT id FROM instruments WHERE kind = 'future' ORDER BY id LIMIT 1").pluck().get() as string);
  const at = '2026-03-13T00:00:00Z';
  const line = (o: object) => JSON.stringify(o);
  const input = [
    line({ instrument: 'BTC-PERP', fundingRate: '0.0002', fundingTime: at, time: '2026-03-12T21:10:00Z' }),
    line({ instrument: 'BTC-PERP', fundingRate: '0.0001', fundingTime: at, time: '2026-03-12T23:00:00Z' }), // after --now
    line({ instrument: future, fundingRate: '0.0001', fundingTime: at, time: '2026-03-12T21:10:00Z' }),
    line({ instrument: 'BTC-PERP', fundingRate: '0.5', fundingTime: at, time: '2026-03-12T21:11:00Z' }),
    '{"instrument":"BTC-PERP","fundingRate":0.0001,"fundingTime":"2026-03-13T00:00:00Z","time":"2026-03-12T21:12:00Z"}',
    line({ instrument: 'BTC-PERP', fundingRate: '-0.000125', fundingTime: at, time: '2026-03-12T21:20:00Z' }),
  ].join('\n');
  const fed = ok(await riskdeskAs('operator', ['feed', '--db', db, '--now', '2026-03-12T22:00:00Z'], { input }));
  assert.match(fed.stderr, /refused stdin line 2: field rates\[\d\]\.time: funding rate \d \(BTC-PERP\): its time 2026-03-12T23:00:00.000Z is after now .*a live rate cannot come from the future/);
  assert.match(fed.stderr, new RegExp(`refused stdin line 3: field rates\\[\\d\\]\\.instrument: funding rate \\d \\(${future}\\): ${future} is a future: only perpetuals pay funding`));
  assert.match(fed.stderr, /refused stdin line 4: field rates\[\d\]\.rate: funding rate \d \(BTC-PERP\): rate 0.5 lies outside -0.03 to 0.03 per interval/);
  assert.match(fed.stderr, /refused stdin line 5: fundingRate: expected a decimal string such as "0.0001", not the JSON number 0.0001/);
  assert.match(fed.stderr, /2 marks taken, 4 refused/);
  const ticks = withLedger(db, (l) => l.prepare("SELECT actor, payload FROM journal WHERE command = 'funding.tick'").all() as { actor: string; payload: string }[]);
  assert.deepEqual(
    ticks.map((x) => [x.actor, (JSON.parse(x.payload) as { rates: { rate: string }[] }).rates.map((r) => r.rate)]),
    [['operator', ['0.0002', '-0.000125']]],
  );

  // Past the funding time, BTC-PERP is paid at the latest mark's rate (21:20), valued at its mark at or before 00:00.
  const r = ok(await riskdeskAs('operator', ['lifecycle', 'run', '--db', db, '--json', '--now', '2026-03-13T00:30:00Z'])).json<LifecycleResult>();
  const btc = r.funding.find((f) => f.instrument === 'BTC-PERP')!;
  assert.deepEqual([btc.at, btc.rate], ['2026-03-13T00:00:00.000Z', '-0.000125']);
  assert.match(ok(await riskdesk(['verify', '--db', db, '--deep'])).stdout, /ledger state matches its journal: 3 entries replayed/);
});
