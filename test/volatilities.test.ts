// The volatilities CSV kind (issue 17): implied volatility per underlying instrument and per strike, all or
// nothing, read by Black-76 for the risk arrays; and through the real CLI (main(argv, io), in this process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { readBook, readInstruments } from '../main/ledger/bookRepo.ts';
import { ledgerRef } from '../main/ledger/importRepo.ts';
import { parseCsv } from '../main/csv/parse.ts';
import { formatCsv } from '../main/csv/format.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { oracleCommodities } from './support/portfolioOracle.ts';
import { InputError } from '../shared/errors.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { count, dumpLedger, riskdesk, riskdeskAs, tempDir, withLedger } from './support/cli.ts';

const demoLedger = demoLedgers('riskdesk-vols-', 20);
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const operator: Actor = { name: 'operator', role: 'operator' };
const AT = '2026-03-12T20:00:00Z';
const HEAD = 'underlying_instrument,strike,at,implied_vol,source\n';

function run(db: Database, actor: Actor, kind: string, text: string) {
  return dispatch({ db, actor, now: () => new Date(DEMO_AS_OF) }, 'import.csv', { kind, file: `${kind}.csv`, text });
}

/** ES-DEC (tick 0.25) with a 5000 call on it (tick 0.05), both portfolio-margined; PV1 short 5 calls, long 2 futures. */
function optionBook(db: Database): void {
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  run(
    db,
    supervisor,
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument,scan_range,vol_shift\n' +
      'ES-DEC,future,ES,50,1,0.25,portfolio,2026-12-18T14:30:00Z,,,,1000,\n' +
      'ES-DEC-5000-C,option,ES,50,1,0.05,portfolio,2026-12-18T14:30:00Z,call,5000,ES-DEC,,0.04\n' +
      'ES-DEC-5100-C,option,ES,50,1,0.05,portfolio,2026-12-18T14:30:00Z,call,5100,ES-DEC,,0.04\n',
  );
  run(db, operator, 'prices', `instrument,at,mark,implied_vol\nES-DEC,${AT},5000,0.2\nES-DEC-5000-C,${AT},250,\nES-DEC-5100-C,${AT},200,\n`);
  run(db, supervisor, 'accounts', `id,member,kind,mode\nPV1,${member},client,cross\n`);
  run(db, operator, 'collateral', 'account,asset,quantity\nPV1,USD,100000\n');
  run(db, operator, 'positions', 'account,instrument,quantity,entry_price\nPV1,ES-DEC,2,5000\nPV1,ES-DEC-5000-C,-5,250\nPV1,ES-DEC-5100-C,3,200\n');
}

/** The vols of this test's ES instruments (the demo book's options desk quotes its own). */
const volsOf = (db: Database, asOf = DEMO_AS_OF) => Object.fromEntries([...readBook(db, asOf).book.market!.vols].filter(([id]) => id.startsWith('ES-')).sort());

/** PV1's commodity as the engine scans it and as the independent §4 oracle does, from the same book. */
function scanned(db: Database): { engine: string; oracle: string } {
  const { book } = readBook(db, DEMO_AS_OF);
  const engine = evaluateAccounts(book).find((r) => r.id === 'PV1')!.commodities![0]!;
  const oracle = oracleCommodities({ ...book, accounts: book.accounts.filter((a) => a.id === 'PV1') }).get('PV1')![0]!;
  return { engine: engine.scanRisk.toString(), oracle: oracle.scanRisk };
}

test('volatilities CSV: an every-strike row sets the underlying\'s vol, a strike row its option\'s; the later source wins; the risk arrays follow', () => {
  const db = demoLedger();
  optionBook(db);
  assert.deepEqual(volsOf(db), { 'ES-DEC': 200_000n });
  const flat = scanned(db);
  assert.equal(flat.engine, flat.oracle);

  // At the same time as the price row's vol, the volatilities file wins (the desk's quote of the surface).
  const r = run(db, operator, 'volatilities', `${HEAD}ES-DEC,,${AT},0.3,desk\nES-DEC,5000,${AT},0.25,desk\n`) as { rows: number };
  assert.equal(r.rows, 2);
  assert.deepEqual(volsOf(db), { 'ES-DEC': 300_000n, 'ES-DEC-5000-C': 250_000n });
  const surface = scanned(db);
  assert.equal(surface.engine, surface.oracle, 'the risk arrays price each option at its own vol');
  assert.notEqual(surface.engine, flat.engine, 'and the scan risk moved with the vols');

  // A later price row's implied_vol for the option supersedes its strike's row; an earlier one does not.
  run(db, operator, 'prices', `instrument,at,mark,implied_vol\nES-DEC-5000-C,2026-03-12T19:00:00Z,250,0.5\n`);
  assert.equal(volsOf(db)['ES-DEC-5000-C'], 250_000n);
  run(db, operator, 'prices', `instrument,at,mark,implied_vol\nES-DEC-5000-C,2026-03-12T20:30:00Z,250,0.22\n`);
  assert.equal(volsOf(db)['ES-DEC-5000-C'], 220_000n);
  // A quote after the valuation time is not read.
  run(db, operator, 'volatilities', `${HEAD}ES-DEC,5100,2026-03-13T09:00:00Z,0.4,\n`);
  assert.equal(volsOf(db)['ES-DEC-5100-C'], undefined);
  assert.equal(volsOf(db, '2026-03-13T10:00:00Z')['ES-DEC-5100-C'], 400_000n);
  // Every import replays from the journal to the same ledger.
  const ok = deepVerify(db);
  assert.equal(ok.outcome, 'verified', ok.message);
  db.close();
});

test('volatilities CSV: a bad row refuses the whole file, naming row and column, and the ledger is unchanged', () => {
  const db = demoLedger();
  optionBook(db);
  const before = db.prepare('SELECT count(*) FROM volatilities').pluck().get();
  const refused = (text: string, where: { row: number; column: string }, why: RegExp) => {
    assert.throws(
      () => run(db, operator, 'volatilities', text),
      (e: unknown) => e instanceof InputError && e.where.row === where.row && e.where.column === where.column && why.test(e.message),
      text,
    );
    assert.equal(db.prepare('SELECT count(*) FROM volatilities').pluck().get(), before);
  };
  refused(`${HEAD}ES-DEC,,${AT},0.3,\nES-DEC,5000.1,${AT},0.3,\n`, { row: 2, column: 'strike' }, /strike 5000\.1 is not a multiple of instrument ES-DEC's tick 0\.25/);
  refused(`${HEAD}ES-DEC,,${AT},0.3,\nES-XYZ,,${AT},0.3,\n`, { row: 2, column: 'underlying_instrument' }, /instrument "ES-XYZ" does not exist/);
  refused(`${HEAD}ES-DEC-5000-C,,${AT},0.3,\n`, { row: 1, column: 'underlying_instrument' }, /is an option: volatilities are quoted on the instrument options are written on/);
  refused(`${HEAD}ES-DEC,5000,${AT},0.3,\nES-DEC,5000.00,${AT},0.31,\n`, { row: 2, column: 'at' }, /duplicate volatility of ES-DEC at strike 5000\.00 at .* \(first given at row 1\)/);
  refused(`${HEAD}ES-DEC,,${AT},-0.1,\n`, { row: 1, column: 'implied_vol' }, /implied_vol/);
  refused(`${HEAD}ES-DEC,,${AT},0.1234567,\n`, { row: 1, column: 'implied_vol' }, /implied_vol/);
  refused(`${HEAD}ES-DEC,0,${AT},0.3,\n`, { row: 1, column: 'strike' }, /strike/);
  refused(`underlying_instrument,at\nES-DEC,${AT}\n`, { row: 0, column: 'implied_vol' }, /required column "implied_vol" is missing/);
  db.close();
});

test('volatilities CSV: formatCsv writes what parseCsv reads back', () => {
  const db = demoLedger();
  optionBook(db);
  const ref = ledgerRef(db);
  const rows = parseCsv('volatilities', 'v.csv', `${HEAD}ES-DEC,,${AT},0.3,desk\nES-DEC,5012.75,${AT},0.255,\n`, ref).rows;
  assert.deepEqual(rows.map((r) => [r.underlyingInstrument, r.strike, r.impliedVol, r.source]), [['ES-DEC', null, 300_000n, 'desk'], ['ES-DEC', 20_051n, 255_000n, null]]);
  assert.deepEqual(parseCsv('volatilities', 'v.csv', formatCsv('volatilities', rows, ref), ref).rows, rows);
  assert.ok(readInstruments(db).some((x) => x.id === 'ES-DEC'));
  db.close();
});

test('CLI: riskdesk import volatilities: exit 0 and the rows stored; a bad file exits 2 naming it, its row and column, and changes nothing', { timeout: 120_000 }, async () => {
  const dir = tempDir(undefined, 'riskdesk-vols-cli-');
  const db = path.join(dir, 'demo.db');
  const init = await riskdesk(['init', '--db', db, '--demo', '--accounts', '20', '--seed', '3', '--now', '2026-03-12T20:00:00Z']);
  assert.equal(init.code, 0, init.describe());
  const good = path.join(dir, 'vols.csv');
  fs.writeFileSync(good, `${HEAD}BTC-26JUN26,,${AT},0.62,desk\nBTC-26JUN26,70000,${AT},0.58,desk\nBTC-26JUN26,70000.5,${AT},0.581,\n`);
  const ok = await riskdeskAs('operator', ['import', '--db', db, 'volatilities', good, '--json']);
  assert.equal(ok.code, 0, ok.describe());
  assert.deepEqual(ok.json(), { kind: 'volatilities', file: good, rows: 3 });
  withLedger(db, (d) => {
    assert.deepEqual(d.prepare('SELECT underlying_instrument_id, strike, at, implied_vol, source FROM volatilities WHERE at = ? ORDER BY strike').raw().all('2026-03-12T20:00:00.000Z'), [
      ['BTC-26JUN26', 0n, '2026-03-12T20:00:00.000Z', 620_000n, 'desk'],
      ['BTC-26JUN26', 140_000n, '2026-03-12T20:00:00.000Z', 580_000n, 'desk'], // 70000 / tick 0.5
      ['BTC-26JUN26', 140_001n, '2026-03-12T20:00:00.000Z', 581_000n, 'import'],
    ]);
  });
  const before = dumpLedger(db);
  const bad = path.join(dir, 'vols-bad.csv');
  fs.writeFileSync(bad, `${HEAD}BTC-26JUN26,,2026-03-13T20:00:00Z,0.6,\nBTC-26JUN26,70000.25,2026-03-13T20:00:00Z,0.6,\n`);
  const refused = await riskdeskAs('operator', ['import', '--db', db, 'volatilities', bad]);
  assert.equal(refused.code, 2, refused.describe());
  assert.ok(refused.stderr.includes(bad), refused.stderr);
  assert.match(refused.stderr, /row 2\b/);
  assert.match(refused.stderr, /column strike\b/);
  assert.match(refused.stderr, /not a multiple of instrument BTC-26JUN26's tick 0\.5/);
  assert.deepEqual(dumpLedger(db), before);
  withLedger(db, (d) => assert.equal(count(d, 'volatilities', 'at = ?', '2026-03-12T20:00:00.000Z'), 3));
  // Market data, not reference data: the unattended batch actor still may not import it (prices only).
  const batch = await riskdesk(['import', '--db', db, 'volatilities', good]);
  assert.equal(batch.code, 2, batch.describe());
  assert.match(batch.stderr, /needs a signed-in user/);
});
