// The one "create a ledger, delete it on failure" (main/ledger/db.ts createLedger) that `riskdesk init`, `serve
// --demo-if-missing` and the app's first start share: a failed creation leaves no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createLedger } from '../main/ledger/db.ts';
import { createInitialisedLedger } from '../main/commands/initLedger.ts';
import { fileAnchor } from '../main/anchor/anchor.ts';
import { InputError } from '../shared/errors.ts';
import { tempDir } from './support/cli.ts';

const leftovers = (file: string) => ['', '-wal', '-shm'].filter((s) => fs.existsSync(`${file}${s}`));

test('createLedger: an init that throws leaves no file, -wal or -shm; one that returns leaves the ledger open', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'l.db');
  assert.throws(
    () =>
      createLedger(file, (db) => {
        db.prepare("INSERT INTO policy(key, value) VALUES ('x', 'y')").run(); // a write, so the WAL exists
        throw new Error('init failed half-way');
      }),
    /init failed half-way/,
  );
  assert.deepEqual(leftovers(file), []);
  const { db, value } = createLedger(file, () => 42);
  assert.equal(value, 42);
  assert.equal(db.open, true);
  db.close();
  assert.ok(fs.existsSync(file));
  // An existing file is never overwritten; a place where no file can be made is bad input, and leaves nothing.
  assert.throws(() => createLedger(file, () => 0), (e: unknown) => e instanceof InputError && /already exists/.test(e.message));
  const nowhere = path.join(dir, 'no', 'such', 'dir', 'l.db');
  assert.throws(() => createLedger(nowhere, () => 0), (e: unknown) => e instanceof InputError && /does not exist/.test(e.message));
  assert.deepEqual(leftovers(nowhere), []);
});

test('createInitialisedLedger: the filled ledger with its first checkpoint; nothing at the path when anchoring fails', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'demo.db');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const { db, report } = createInitialisedLedger(file, { demo: true, accounts: 20, seed: 1 }, new Date(), fileAnchor(file, env));
  try {
    assert.equal(report.demo, true);
    const check = fileAnchor(file, env).check(db);
    assert.equal(check.ok, true, check.problem ?? '');
    assert.equal(check.latest?.kind, 'init');
  } finally {
    db.close();
  }
  // A configuration folder that cannot be made (a file is in its place): the ledger is filled, then removed.
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, '');
  const second = path.join(dir, 'second.db');
  assert.throws(() => createInitialisedLedger(second, { demo: true, accounts: 20, seed: 1 }, new Date(), fileAnchor(second, { RISKDESK_CONFIG_DIR: path.join(blocked, 'config') })));
  assert.deepEqual(leftovers(second), []);
});
