// One-off proof that the per-file steps execute byte-identical SQL to the old migrations.ts (deleted in the next
// commit together with this test): both runners migrate a fresh ledger file, every string handed to db.exec is
// recorded, and the two records and the resulting schemas must be equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as oldRunner from '../migrations.ts';
import * as newRunner from './index.ts';

function executed(run: (db: Database.Database) => unknown, file: string): { sql: string[]; schema: unknown[] } {
  const db = new Database(file);
  const sql: string[] = [];
  const exec = db.exec.bind(db);
  db.exec = (s: string) => {
    sql.push(s);
    return exec(s);
  };
  run(db);
  const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
  db.close();
  return { sql, schema };
}

test('the per-file steps execute exactly the SQL the old migrations.ts executed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-migration-equivalence-'));
  try {
    const before = executed((db) => oldRunner.runMigrations(db, oldRunner.MIGRATIONS), path.join(dir, 'old.db'));
    const after = executed((db) => newRunner.runMigrations(db, newRunner.MIGRATIONS), path.join(dir, 'new.db'));
    assert.equal(after.sql.length, 12);
    assert.deepEqual(after.sql, before.sql);
    assert.deepEqual(after.schema, before.schema);
    assert.deepEqual(
      newRunner.MIGRATIONS.map((m) => [m.version, m.name]),
      oldRunner.MIGRATIONS.map((m) => [m.version, m.name]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
