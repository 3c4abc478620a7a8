// `riskdesk feed` as a desk runs it: the real CLI on a real ledger, marks on stdin. A bad line is refused on stderr
// with its line number and why, the good ones go on into prices.tick, and the summary says how many of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, openReadOnly } from '../../test/support/cli.ts';

test('riskdesk feed takes NDJSON from stdin, refuses bad lines by number and keeps going', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'l.db');
  assert.equal((await riskdesk(['init', '--db', db, '--demo', '--accounts', '200'])).code, 0);
  assert.equal((await riskdeskAs('operator', ['cycle', '--db', db])).code, 0);
  const now = new Date(Date.now() - 1000).toISOString();
  const input = [
    JSON.stringify({ instrument: 'BTC-PERP', price: '40000', time: now }),
    '{"instrument":"BTC-PERP","price":40000.5,"time":"' + now + '"}',
    JSON.stringify({ instrument: 'BTC-PERP', price: '40000.123456789', time: now }),
    '',
    JSON.stringify({ instrument: 'ETH-PERP', price: '1500', time: now }),
  ].join('\n');
  const r = await riskdesk(['feed', '--db', db], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /refused stdin line 2: price: expected a decimal string such as "64250.5", not the JSON number 40000.5/);
  assert.match(r.stderr, /refused stdin line 3: .*not a multiple of BTC-PERP's tick/);
  assert.match(r.stderr, /call \d+ issued to \S+ for \d/);
  assert.match(r.stderr, /2 marks taken, 2 refused/);
  const l = openReadOnly(db);
  const ticks = l.prepare("SELECT actor, payload FROM journal WHERE command = 'prices.tick'").all() as { actor: string; payload: string }[];
  l.close();
  assert.equal(ticks.length, 1, 'one batch');
  assert.equal(ticks[0]!.actor, 'batch');
  assert.deepEqual(JSON.parse(ticks[0]!.payload).marks.map((m: { instrument: string }) => m.instrument), ['BTC-PERP', 'ETH-PERP']);
});

test('riskdesk feed: one source at a time, and a replay needs its window', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'l.db');
  assert.equal((await riskdesk(['init', '--db', db, '--demo', '--accounts', '20'])).code, 0);
  const two = await riskdesk(['feed', '--db', db, '--file', 'a', '--port', '0']);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /give one source/);
  const daily = await riskdesk(['feed', '--db', db, '--daily']);
  assert.equal(daily.code, 2);
  assert.match(daily.stderr, /--daily needs --days FROM\.\.TO/);
});
