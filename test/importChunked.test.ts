// A long series import published in chunks and still all or nothing (issue 19, long imports; ledger/seriesPublish.ts).
// The ways around it, each tried: reading the rows before the import's transaction shows them (every reader filters
// them), writing the same table meanwhile (refused as busy, so that what shows is what a replay writes), killing the
// importing process mid-publish (nothing shows, verify --deep passes, the next writer clears the rows), and a file
// that overwrites marks the table holds (written by the flip itself). Real ledger files, a real CLI process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch, dispatchAsync } from '../main/commands/dispatch.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { readMarks, readInstruments } from '../main/ledger/bookRepo.ts';
import { latestMarkAt } from '../main/ledger/priceRepo.ts';
import { installCapture, takeCaptured } from '../main/ledger/changeCapture.ts';
import { ticksToPrice } from '../main/commands/console/accountView.ts';
import { startRiskdesk, riskdeskAs, tempDir, journalOf } from './support/cli.ts';
import { repeatedMarks } from './support/prices.ts';
import { operator } from './support/actors.ts';
import type { ImportResult } from '../shared/contract.ts';

const FAR = '2099-01-01T00:00:00.000Z';
// A month after the demo's close: every mark the tests import is in the past, and a live tick is now.
let clock = Date.parse(DEMO_AS_OF) + 30 * 86_400_000;
const now = () => new Date((clock += 1000));

/** A live mark of an instrument at its latest price, timed now. */
function tick(db: Ledger) {
  const i = readInstruments(db).find((x) => x.kind === 'perpetual')!;
  const mark = db.prepare('SELECT mark FROM prices WHERE instrument_id = ? ORDER BY at DESC LIMIT 1').safeIntegers(true).pluck().get(i.id) as bigint;
  return { marks: [{ instrument: i.id, price: ticksToPrice(mark, i.tick), time: new Date(clock).toISOString() }] };
}

function ledger(t: { after(fn: () => void): void }): Ledger {
  const db = openLedger(path.join(tempDir(t), 'desk.db'), { create: true });
  initLedger(db, { demo: true, accounts: 50, seed: 7 }, new Date(DEMO_AS_OF));
  return db;
}

const hiddenRows = (db: Ledger) => Number(db.prepare('SELECT count(*) FROM prices WHERE publishing IS NOT NULL AND publishing IN (SELECT generation FROM import_publishing)').pluck().get());
const allRows = (db: Ledger) => Number(db.prepare('SELECT count(*) FROM prices').pluck().get());
const publishes = (db: Ledger) => Number(db.prepare('SELECT count(*) FROM import_publishing').pluck().get());

/** Every instrument's latest mark again at its own time, moved by one tick: rows whose keys the table holds. */
function overwrites(db: Ledger): { csv: string; keys: [string, string, bigint][] } {
  const latest = db.prepare('SELECT p.instrument_id, p.at, p.mark FROM prices p WHERE p.at = (SELECT max(at) FROM prices q WHERE q.instrument_id = p.instrument_id)').raw().safeIntegers(true).all() as [string, string, bigint][];
  const ticks = new Map(readInstruments(db).map((i) => [i.id, i.tick]));
  const keys = latest.map(([id, at, m]) => [id, at, m + 1n] as [string, string, bigint]);
  return { csv: keys.map(([id, at, m]) => `${id},${at},${ticksToPrice(m, ticks.get(id)!)},overwrite`).join('\n'), keys };
}

test('a chunked prices import stays hidden from readers and fences other price writers until its transaction; it overwrites and replays', async (t) => {
  const db = ledger(t);
  const other = openLedger(db.name);
  installCapture(other);
  t.after(() => other.close());
  const marksBefore = readMarks(other, FAR);
  const latestBefore = latestMarkAt(other);
  const rowsBefore = allRows(db);
  const over = overwrites(db);
  const added = repeatedMarks(db, 30_000, new Date(Date.parse(DEMO_AS_OF) + 120_000).toISOString());
  const text = `${added}${over.csv}\n`;
  const instrument = over.keys[0]![0];
  const seen: { hidden: number; marksUnchanged: boolean; latestUnchanged: boolean; tick: string; oneTransaction: string }[] = [];
  const refusal = (f: () => unknown) => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return `${(e as { code?: string }).code}: ${(e as Error).message}`;
    }
  };
  const r = (await dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind: 'prices', file: 'big.csv', text }, undefined, async () => {
    // Before each chunk, from another connection (as another process would): what a reader and a writer find. (The
    // hook is also called between the chunks of tidying after the transaction, when the publish is over.)
    if (publishes(other) === 0) return;
    seen.push({
      hidden: hiddenRows(other),
      marksUnchanged: JSON.stringify([...readMarks(other, FAR)], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)) === JSON.stringify([...marksBefore], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
      latestUnchanged: latestMarkAt(other) === latestBefore,
      tick: refusal(() => dispatch({ db: other, actor: operator, now }, 'prices.tick', tick(other))),
      oneTransaction: refusal(() => dispatch({ db: other, actor: operator, now }, 'import.csv', { kind: 'prices', file: 'small.csv', text: `instrument,at,mark\n${instrument},${FAR},1\n` })),
    });
  })) as ImportResult;
  assert.equal(r.rows, 30_000 + over.keys.length);
  const during = seen.filter((s) => s.hidden > 0);
  assert.ok(during.length >= 2, `chunks written before the transaction: ${seen.map((s) => s.hidden).join(', ')}`);
  for (const s of seen) {
    assert.ok(s.marksUnchanged, 'the latest marks as a cycle reads them are as before');
    assert.ok(s.latestUnchanged, 'the latest mark time is as before');
    assert.match(s.tick, /^ledger_busy: .*an import of prices is being published/);
    assert.match(s.oneTransaction, /^ledger_busy: .*an import of prices is being published/);
  }
  // After: every row shows, the overwritten marks hold the file's values, nothing is left hidden or marked.
  assert.equal(publishes(db), 0);
  assert.equal(allRows(db), rowsBefore + 30_000);
  assert.equal(Number(db.prepare('SELECT count(*) FROM prices WHERE publishing IS NOT NULL').pluck().get()), 0, 'the generation marks are cleared');
  for (const [id, at, mark] of over.keys) {
    assert.equal(db.prepare('SELECT mark FROM prices WHERE instrument_id = ? AND at = ?').safeIntegers(true).pluck().get(id, at), mark, `${id} at ${at}`);
  }
  assert.equal(readMarks(other, FAR).size, marksBefore.size);
  // A writer of prices after it goes through; the journal (one import entry) replays to the same ledger.
  dispatch({ db: other, actor: operator, now }, 'prices.tick', tick(other));
  assert.equal(deepVerify(db).outcome, 'verified');
  db.close();
});

test("a console's resident book hears of the marks when they show, though another command took the records meanwhile", async (t) => {
  const db = ledger(t);
  installCapture(db);
  takeCaptured(db);
  const text = repeatedMarks(db, 20_000, new Date(Date.parse(DEMO_AS_OF) + 120_000).toISOString());
  const instruments = new Set(text.split('\n').slice(1, -1).map((l) => l.split(',')[0]!));
  let between = 0;
  let atFlip: Set<string> | null = null;
  await dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind: 'prices', file: 'p.csv', text }, undefined, async () => {
    // What another command on this connection does when it settles: takes what the triggers recorded so far.
    if (publishes(db) > 0 && hiddenRows(db) > 0) between += takeCaptured(db).marks.size;
    // Once the import's transaction has shown the rows, before any tidying (the hook runs before each chunk of it):
    // what the import's own settling found.
    else if (publishes(db) === 0 && between > 0 && atFlip === null) atFlip = takeCaptured(db).marks;
  });
  assert.ok(between > 0, 'records of hidden rows were taken between the chunks');
  assert.deepEqual([...(atFlip ?? [])].sort(), [...instruments].sort(), 'every instrument of the file, recorded when its marks showed');
});

test('a publish refused under the lock leaves nothing: its hidden rows are deleted', async (t) => {
  const db = ledger(t);
  const before = allRows(db);
  const text = repeatedMarks(db, 8_000, new Date(Date.parse(DEMO_AS_OF) + 120_000).toISOString());
  let chunks = 0;
  await assert.rejects(
    dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind: 'prices', file: 'p.csv', text }, undefined, async () => {
      // After the first chunk another process retires the instruments' tick grid: the file is parsed again, refused.
      if (++chunks === 2) {
        const other = openLedger(db.name);
        other.prepare("UPDATE instruments SET tick = '7' WHERE kind = 'perpetual'").run();
        other.close();
      }
    }),
    /column mark/,
  );
  assert.ok(chunks >= 2);
  assert.equal(allRows(db), before, 'no row, hidden or not, is left');
  assert.equal(publishes(db), 0);
  db.close();
});

test('an import killed mid-publish leaves the ledger as before; verify --deep passes; the next price writer clears its rows', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'desk.db');
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 50, seed: 7 }, new Date(DEMO_AS_OF));
  const csv = path.join(dir, 'prices.csv');
  fs.writeFileSync(csv, repeatedMarks(db, 300_000, new Date(Date.parse(DEMO_AS_OF) + 120_000).toISOString()));
  const marksBefore = readMarks(db, FAR);
  const rowsBefore = allRows(db);
  const headBefore = journalOf(file).at(-1)!.hash;

  const { child, done } = startRiskdesk(['import', '--db', file, 'prices', csv, '--as', 'operator'], { env: { RISKDESK_PASSWORD: 'operator-demo' } });
  let hidden = 0;
  for (let i = 0; i < 6000 && hidden < 20_000 && child.exitCode === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    hidden = hiddenRows(db);
  }
  assert.ok(hidden > 0, 'the import was publishing when killed');
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', killed.describe());

  // As before to every reader, and to verify: the journal holds no import, the state matches its replay.
  assert.deepEqual(readMarks(db, FAR), marksBefore);
  assert.equal(journalOf(file).at(-1)!.hash, headBefore);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const verify = await riskdeskAs('operator', ['verify', '--db', file, '--deep']);
  assert.equal(verify.code, 0, verify.describe());
  assert.ok(hiddenRows(db) > 0 && publishes(db) === 1, 'the dead process left hidden rows');

  // The next writer of prices: the dead publish's rows are deleted in its transaction, then it writes.
  installCapture(db);
  dispatch({ db, actor: operator, now }, 'prices.tick', tick(db));
  assert.equal(publishes(db), 0);
  assert.equal(allRows(db), rowsBefore + 1);
  assert.equal(deepVerify(db).outcome, 'verified');
  db.close();
});

test('volatilities and asset prices are published in chunks too, and replay', async (t) => {
  const db = ledger(t);
  const underlying = readInstruments(db).find((i) => i.kind === 'perpetual')!.id;
  const asset = db.prepare('SELECT asset_id FROM asset_prices ORDER BY asset_id LIMIT 1').pluck().get() as string;
  const times = Array.from({ length: 7_000 }, (_, m) => new Date(Date.parse(DEMO_AS_OF) + (m + 2) * 60_000).toISOString());
  const files = [
    { kind: 'volatilities', table: 'volatilities', text: `underlying_instrument,strike,at,implied_vol,source\n${times.map((at) => `${underlying},,${at},0.5,chunked`).join('\n')}\n` },
    { kind: 'asset-prices', table: 'asset_prices', text: `asset,at,price,source\n${times.map((at) => `${asset},${at},1,chunked`).join('\n')}\n` },
  ] as const;
  for (const f of files) {
    let chunks = 0;
    const r = (await dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind: f.kind, file: `${f.kind}.csv`, text: f.text }, undefined, async () => {
      if (publishes(db) > 0) chunks++;
    })) as ImportResult;
    assert.equal(r.rows, times.length);
    assert.ok(chunks >= 2, `${f.kind}: ${chunks} chunks`);
    assert.equal(Number(db.prepare(`SELECT count(*) FROM ${f.table} WHERE source = 'chunked' AND publishing IS NULL`).pluck().get()), times.length);
  }
  assert.equal(deepVerify(db).outcome, 'verified');
  db.close();
});
