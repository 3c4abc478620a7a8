// Issue 14: the unattended batch actor (the CLI without --as) may read and take market data (a prices file, the feed's
// marks of prices and funding rates: fundingFeed.test.ts), nothing else. A
// collateral file that turned a 2.88M margin call to met was imported by it; a cycle is somebody's act too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { RuleError } from '../shared/errors.ts';
import { journalHead } from '../main/ledger/journal.ts';
import { riskdesk, riskdeskAs, tempDir, dumpLedger } from './support/cli.ts';

const demoLedger = demoLedgers('riskdesk-batch-', 200);
const BATCH: Actor = { name: 'batch', role: 'operator', batch: true };
const GOOD = path.join(import.meta.dirname, 'fixtures', 'csv', 'good');
const at = () => new Date(DEMO_AS_OF);

test('the batch actor reads and imports prices; a collateral import, a cycle or a deposit is refused and changes nothing', () => {
  const db = demoLedger();
  const head = journalHead(db);
  const refused = (channel: string, payload: unknown) =>
    assert.throws(() => dispatch({ db, actor: BATCH, now: at }, channel, payload), (e: unknown) => e instanceof RuleError && e.code === 'sign_in_required', channel);
  refused('import.csv', { kind: 'collateral', file: 'collateral.csv', text: fs.readFileSync(path.join(GOOD, 'collateral.csv'), 'utf8') });
  refused('import.csv', { kind: 'asset-prices', file: 'asset-prices.csv', text: fs.readFileSync(path.join(GOOD, 'asset-prices.csv'), 'utf8') });
  refused('cycle.run', {});
  refused('calls.deposit', { id: 1, amount: '1.00' });
  assert.deepEqual(journalHead(db), head);
  // Reads run.
  assert.ok(Array.isArray(dispatch({ db, actor: BATCH, now: at }, 'calls.list', {})));
  db.close();
});

test('CLI: without --as a collateral import and a cycle are refused (exit 2, the ledger unchanged); a price import runs', async (t) => {
  const dir = tempDir(t, 'riskdesk-batch-cli-');
  const db = path.join(dir, 'desk.db');
  assert.equal((await riskdesk(['init', '--db', db, '--demo', '--accounts', '50', '--seed', '3'])).code, 0);
  const before = dumpLedger(db);
  const collateral = await riskdesk(['import', '--db', db, 'collateral', path.join(GOOD, 'collateral.csv')]);
  assert.equal(collateral.code, 2, collateral.describe());
  assert.match(collateral.stderr, /needs a signed-in user/);
  const cycle = await riskdesk(['cycle', '--db', db]);
  assert.equal(cycle.code, 2, cycle.describe());
  assert.deepEqual(dumpLedger(db), before);
  // Signed in, the same cycle runs and the journal names the user.
  assert.equal((await riskdeskAs('operator', ['cycle', '--db', db])).code, 0);
});
