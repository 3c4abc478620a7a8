// The way around the staged import (issue 19, long imports): a prices file staged against a snapshot is published
// only if it is the very file the command was given and the instruments it was checked against are as they were;
// otherwise the command checks the file again in its transaction, and a file the ledger no longer takes is refused
// with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { commitCommand, authorize } from '../main/commands/dispatch.ts';
import { stageImport } from '../main/commands/importCsv.ts';
import { InputError } from '../shared/errors.ts';
import { tempDir, journalOf } from './support/cli.ts';
import { repeatedMarks } from './support/prices.ts';
import { operator } from './support/actors.ts';

const at = (min: number) => new Date(Date.parse(DEMO_AS_OF) + min * 60_000);

test('a staged prices file is published only as it was checked: another file, or instruments changed since, are checked again', (t) => {
  const file = path.join(tempDir(t), 'desk.db');
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 40, seed: 7 }, at(0));
  const ctx = { db, actor: operator, now: () => at(60 * 24) };
  const count = () => Number(db.prepare("SELECT count(*) FROM prices WHERE source = 'bulk'").pluck().get());
  const a = authorize(ctx, 'import.csv', { kind: 'prices', file: 'a.csv', text: repeatedMarks(db, 30, at(1).toISOString()) });
  const b = authorize(ctx, 'import.csv', { kind: 'prices', file: 'b.csv', text: repeatedMarks(db, 45, at(100).toISOString()) });

  // File A staged, file B given: B is checked and written in the transaction, A's stage is dropped.
  const stagedA = stageImport(ctx, a);
  assert.equal(stagedA.staged?.rows, 30);
  commitCommand(ctx, 'import.csv', b, stagedA);
  assert.equal(count(), 45);

  // File A staged, then an instrument's tick changed (as a reference import by another process would): A's prices
  // are checked again against it, refused, and nothing is written.
  const again = stageImport(ctx, a);
  const [id, tick] = db.prepare("SELECT id, tick FROM instruments WHERE kind <> 'option' ORDER BY id LIMIT 1").raw().get() as [string, string];
  db.prepare('UPDATE instruments SET tick = ? WHERE id = ?').run('7777', id);
  const entries = journalOf(file).length;
  assert.throws(() => commitCommand(ctx, 'import.csv', a, again), (e: unknown) => e instanceof InputError && /tick|7777/.test(e.message));
  assert.equal(count(), 45);
  assert.equal(journalOf(file).length, entries);
  db.prepare('UPDATE instruments SET tick = ? WHERE id = ?').run(tick, id);

  // As checked: published from the stage. Staged again (the ledger was busy, the command is tried again), the same
  // stage is taken, not a second parse; another file is staged afresh.
  const first = stageImport(ctx, a);
  assert.equal(stageImport(ctx, a).staged, first.staged);
  commitCommand(ctx, 'import.csv', a, first);
  assert.equal(count(), 75);
  assert.notEqual(stageImport(ctx, b).staged, first.staged);
  db.close();
});
