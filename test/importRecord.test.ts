// A large import's file is journalled compressed (issue 19: the 50 MB entry was a second of the publish's lock hold):
// the entry still carries everything a replay needs, verify --deep replays it to the same entry, a record that does not
// match its sha256 is refused as unreplayable, and the audit screen shows its size, not its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { brotliDecompressSync } from 'node:zlib';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch, dispatchAsync } from '../main/commands/dispatch.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { entryView } from '../main/commands/audit.ts';
import { COMPRESS_OVER } from '../main/commands/importRecord.ts';
import { listJournal } from '../main/ledger/journal.ts';
import { demoLedgers } from './support/ledger.ts';
import { repeatedMarks } from './support/prices.ts';
import { operator } from './support/actors.ts';

const demoLedger = demoLedgers('riskdesk-import-record-', 20);
const at = (min: number) => new Date(Date.parse(DEMO_AS_OF) + min * 60_000);

test('a file over the threshold is journalled brotli-compressed, staged or not, and replays exactly', async () => {
  const db = demoLedger();
  const ctx = { db, actor: operator, now: () => at(60 * 24) };
  const big = repeatedMarks(db, 30_000, at(1).toISOString());
  const small = repeatedMarks(db, 20, at(100_000).toISOString());
  assert.ok(big.length > COMPRESS_OVER && small.length < COMPRESS_OVER);

  await dispatchAsync(ctx, 'import.csv', { kind: 'prices', file: 'big.csv', text: big });
  const [entry] = listJournal(db, { limit: 1, newestFirst: true });
  const payload = JSON.parse(entry!.payload) as { sha256: string; brotli?: string; text?: string; rows: number };
  assert.equal(payload.text, undefined);
  assert.equal(payload.sha256, createHash('sha256').update(big).digest('hex'));
  assert.equal(brotliDecompressSync(Buffer.from(payload.brotli!, 'base64')).toString('utf8'), big);
  assert.ok(entry!.payload.length * 10 < big.length, `the entry is ${entry!.payload.length} characters for a ${big.length}-character file`);
  assert.deepEqual(Object.keys(entryView(entry!).payload as object).sort(), ['brotliChars', 'file', 'kind', 'rows', 'sha256']);

  // The same file through the one-transaction path (a door without staging) records the same bytes.
  const again = demoLedger();
  dispatch({ db: again, actor: operator, now: () => at(60 * 24) }, 'import.csv', { kind: 'prices', file: 'big.csv', text: big });
  assert.equal(listJournal(again, { limit: 1, newestFirst: true })[0]!.payload, entry!.payload);
  again.close();

  // A small file stays readable in its entry.
  await dispatchAsync({ ...ctx, now: () => at(60 * 25) }, 'import.csv', { kind: 'prices', file: 'small.csv', text: small });
  assert.equal((JSON.parse(listJournal(db, { limit: 1, newestFirst: true })[0]!.payload) as { text: string }).text, small);

  const verified = deepVerify(db);
  assert.equal(verified.outcome, 'verified', verified.message);
  db.close();
});

test('a compressed record that does not decompress to its sha256 is unreplayable, not guessed at', async () => {
  const db = demoLedger();
  const big = repeatedMarks(db, 30_000, at(1).toISOString());
  await dispatchAsync({ db, actor: operator, now: () => at(60 * 24) }, 'import.csv', { kind: 'prices', file: 'big.csv', text: big });
  // Rewrite the entry as a tool outside the commands would, its chain recomputed so that only the replay can tell.
  const [entry] = listJournal(db, { limit: 1, newestFirst: true });
  const payload = JSON.parse(entry!.payload) as { sha256: string };
  const forged = JSON.stringify({ ...payload, sha256: createHash('sha256').update('another file').digest('hex') });
  const { entryHash } = await import('../main/ledger/journal.ts');
  db.exec('DROP TRIGGER journal_no_update');
  db.prepare('UPDATE journal SET payload = ?, hash = ? WHERE seq = ?').run(forged, entryHash(entry!.prevHash, entry!.seq, entry!.at, entry!.actor, entry!.command, forged, entry!.result), entry!.seq);
  const r = deepVerify(db);
  assert.equal(r.outcome, 'unreplayable', r.message);
  assert.match(r.message, /do not match its sha256/);
  db.close();
});
