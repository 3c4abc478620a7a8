// Who can read what the desk writes (issue 19): the ledger holds password hashes and every account, so the ledger,
// its WAL and WAL index, its backups and its exports are created readable by their owner only (0600), whatever the
// umask. Each is made by the real CLI as a process, under the common umask 022 that made them 0644 before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { riskdeskProcess, riskdeskAsProcess } from './support/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-perm-'));
const file = path.join(dir, 'desk.db');
let umask: number;

before(() => {
  // The umask most desks run with: without explicit modes, every file below would be world-readable.
  umask = process.umask(0o022);
});

after(() => {
  process.umask(umask);
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

test('the ledger, its -wal and -shm, a backup, a journal export and a checkpoint export are all 0600', () => {
  const init = riskdeskProcess(['init', '--db', file, '--demo', '--accounts', '20']);
  assert.equal(init.code, 0, init.describe());
  assert.equal(mode(file), '600', 'the ledger');
  // A cycle leaves the WAL and its index in place while a second process reads.
  const cycle = riskdeskAsProcess('operator', ['cycle', '--db', file]);
  assert.equal(cycle.code, 0, cycle.describe());
  for (const side of ['-wal', '-shm']) if (fs.existsSync(file + side)) assert.equal(mode(file + side), '600', `the ledger's ${side}`);

  const backup = path.join(dir, 'desk-backup.db');
  const b = riskdeskProcess(['backup', '--db', file, '--to', backup]);
  assert.equal(b.code, 0, b.describe());
  assert.equal(mode(backup), '600', 'the backup');

  const journal = path.join(dir, 'journal.jsonl');
  const j = riskdeskProcess(['journal', '--db', file, '--to', journal]);
  assert.equal(j.code, 0, j.describe());
  assert.equal(mode(journal), '600', 'the journal export');

  const checkpoints = path.join(dir, 'checkpoints.jsonl');
  const c = riskdeskProcess(['checkpoints', 'export', '--db', file, '--to', checkpoints]);
  assert.equal(c.code, 0, c.describe());
  assert.equal(mode(checkpoints), '600', 'the checkpoint export');
});

test('while a console holds the ledger open, its WAL files are 0600 too', async () => {
  const { openLedger } = await import('../main/ledger/db.ts');
  const db = openLedger(file);
  try {
    db.prepare('SELECT count(*) FROM members').get();
    for (const side of ['-wal', '-shm']) {
      assert.ok(fs.existsSync(file + side), `${side} exists while open`);
      assert.equal(mode(file + side), '600', side);
    }
  } finally {
    db.close();
  }
});
