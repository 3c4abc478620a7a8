// A position in a portfolio-margined instrument is never isolated (issue 17, methodology §4): it is scanned with its
// combined commodity in the cross part, and an isolated one would be in no scan and carry no margin. The commands
// never write one; these are the ways around them: raw SQL inserting such a position, isolating a cross one, turning
// an instrument with isolated positions portfolio (refused by the ledger's triggers, step 18), and a row that got in
// regardless (written before step 18): the book read's evaluation refuses it, naming the account and instrument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from 'better-sqlite3';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { InputError } from '../shared/errors.ts';

const demoLedger = demoLedgers('riskdesk-portfolio-iso-', 5);
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const AT = '2026-03-12T20:00:00Z';
const ctxOf = (db: Database) => ({ db, actor: supervisor, now: () => new Date(DEMO_AS_OF) });

/** ES-DEC (portfolio) and a cross account PM1 long 2 of it; ISO1 an isolated-mode account. */
function portfolioLedger(): Database {
  const db = demoLedger();
  const run = (kind: string, text: string) => dispatch(ctxOf(db), 'import.csv', { kind, file: `${kind}.csv`, text });
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  run('instruments', 'id,kind,underlying,multiplier,lot,tick,margin,expiry,scan_range\nES-DEC,future,ES,50,1,0.25,portfolio,2027-12-17T14:30:00Z,1000\n');
  run('prices', `instrument,at,mark\nES-DEC,${AT},5000\n`);
  run('accounts', `id,member,kind,mode\nPM1,${member},client,cross\nISO1,${member},client,isolated\n`);
  run('collateral', 'account,asset,quantity\nPM1,USD,100000\nISO1,USD,100000\n');
  run('positions', 'account,instrument,quantity,entry_price\nPM1,ES-DEC,2,5000\n');
  return db;
}

const positionsOf = (db: Database, instrument: string) =>
  db.prepare('SELECT account_id, quantity, isolated_margin FROM positions WHERE instrument_id = ? ORDER BY account_id').all(instrument);

const ISOLATED = /position of account ISO1 in ES-DEC: ES-DEC is portfolio-margined \(scanned with its commodity in the cross part\), so the position cannot be isolated/;

test('raw SQL: an isolated position in a portfolio instrument is refused by the ledger, naming account and instrument', () => {
  const db = portfolioLedger();
  const before = positionsOf(db, 'ES-DEC');
  assert.throws(
    () => db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', 'ES-DEC', 1, 250000000000, 10000000000)").run(),
    (e: Error & { code?: string }) => e.code === 'SQLITE_CONSTRAINT_TRIGGER' && ISOLATED.test(e.message),
  );
  // An upsert's update is the same write.
  db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', 'ES-DEC', 1, 250000000000, NULL)").run();
  assert.throws(
    () => db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', 'ES-DEC', 1, 250000000000, 5) ON CONFLICT(account_id, instrument_id) DO UPDATE SET isolated_margin = excluded.isolated_margin").run(),
    ISOLATED,
  );
  db.prepare("DELETE FROM positions WHERE account_id = 'ISO1'").run();
  assert.deepEqual(positionsOf(db, 'ES-DEC'), before, 'nothing was written');
  db.close();
});

test('raw SQL: isolating a cross position in a portfolio instrument, or moving an isolated one into one, is refused', () => {
  const db = portfolioLedger();
  const before = positionsOf(db, 'ES-DEC');
  assert.throws(
    () => db.prepare("UPDATE positions SET isolated_margin = 1000000 WHERE account_id = 'PM1' AND instrument_id = 'ES-DEC'").run(),
    /position of account PM1 in ES-DEC: ES-DEC is portfolio-margined .* cannot be isolated/,
  );
  const tiered = db.prepare("SELECT id FROM instruments WHERE margin = 'tiered' AND kind = 'perpetual' ORDER BY id LIMIT 1").pluck().get() as string;
  db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', ?, 1, 1000000, 1000000)").run(tiered);
  assert.throws(() => db.prepare("UPDATE positions SET instrument_id = 'ES-DEC' WHERE account_id = 'ISO1'").run(), ISOLATED);
  assert.deepEqual(positionsOf(db, 'ES-DEC'), before);
  db.close();
});

test('raw SQL: an instrument holding isolated positions cannot be turned portfolio-margined', () => {
  const db = portfolioLedger();
  const tiered = db.prepare("SELECT id FROM instruments WHERE margin = 'tiered' AND kind = 'perpetual' ORDER BY id LIMIT 1").pluck().get() as string;
  db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', ?, 1, 1000000, 1000000)").run(tiered);
  assert.throws(
    () => db.prepare("UPDATE instruments SET margin = 'portfolio', scan_range = 1000000 WHERE id = ?").run(tiered),
    new RegExp(`instrument ${tiered} cannot become portfolio-margined: account ISO1 holds an isolated position in it`),
  );
  assert.equal(db.prepare('SELECT margin FROM instruments WHERE id = ?').pluck().get(tiered), 'tiered');
  // With the isolated position gone, the change is the ledger's to make (the import's rules aside).
  db.prepare("DELETE FROM positions WHERE account_id = 'ISO1'").run();
  db.prepare("UPDATE instruments SET margin = 'portfolio', scan_range = 1000000 WHERE id = ?").run(tiered);
  db.close();
});

test('a row that got in regardless (written before step 18) is refused by the evaluation, naming account and instrument', () => {
  const db = portfolioLedger();
  // What a ledger written before step 18 could hold: the trigger out of the way for this one write.
  db.exec('DROP TRIGGER positions_portfolio_not_isolated_insert');
  db.prepare("INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES ('ISO1', 'ES-DEC', 1, 250000000000, 10000000000)").run();
  assert.throws(() => evaluateAccounts(readBook(db, AT).book), (e: unknown) => e instanceof InputError && ISOLATED.test(e.message));
  const cycles = () => db.prepare('SELECT count(*) FROM margin_cycles').pluck().get();
  const n = cycles();
  assert.throws(() => dispatch(ctxOf(db), 'cycle.run', { at: DEMO_AS_OF }), ISOLATED);
  assert.equal(cycles(), n, 'no cycle was recorded');
  db.close();
});
