// The console checkpoints its WAL on a thread (ledger/checkpointThread.ts), never inside a command's commit: on the
// 100k book the automatic checkpoint made every cycle's commit hold the console's thread 50-120 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dataVersion } from '../main/ledger/bookRepo.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-checkpoint-thread-', 200);
const op: Binding = { kind: 'window', key: 'op' };
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const autoCheckpoint = (db: { pragma(s: string, o: { simple: true }): unknown }) => Number(db.pragma('wal_autocheckpoint', { simple: true }));

test("the console's commits leave the WAL to the checkpoint thread, which copies it into the file without a write the resident book would see", async () => {
  const db = demoLedger();
  const before = autoCheckpoint(db);
  assert.ok(before > 0, 'SQLite checkpoints automatically by default');
  const now = () => new Date(Date.parse(DEMO_AS_OF) + 3_600_000);
  const door = new Door({ db, now, log: () => {} });
  try {
    assert.equal(autoCheckpoint(db), 0, "the console's own connection never checkpoints");
    assert.equal((await door.invokeAsync(op, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
    const file = sha(db.name);
    const r = await door.invokeAsync(op, 'cycle.run', {});
    assert.equal(r.result.ok, true, JSON.stringify(r.result));
    const version = dataVersion(db);
    // The cycle's pages reach the database file only by a checkpoint: with the connection's own switched off, the
    // thread's. A bounded wait (the thread checkpoints every quarter second).
    let copied = false;
    for (let i = 0; i < 200 && !copied; i++) {
      await new Promise((res) => setTimeout(res, 50));
      copied = sha(db.name) !== file;
    }
    assert.ok(copied, 'the checkpoint thread copied the WAL into the database file within 10 s');
    assert.equal(dataVersion(db), version, 'a checkpoint is no change: the resident book is not made to read the book again');
  } finally {
    door.close();
  }
  assert.equal(autoCheckpoint(db), before, 'a closed console gives the connection its automatic checkpoint back');
  db.close();
});

test('a ledger in memory or opened read-only has no checkpoint thread and keeps its setting', async () => {
  const db = demoLedger();
  const file = db.name;
  db.close();
  const { openLedger } = await import('../main/ledger/db.ts');
  const ro = openLedger(file, { readonly: true });
  const door = new Door({ db: ro, log: () => {} });
  try {
    assert.ok(autoCheckpoint(ro) > 0);
  } finally {
    door.close();
    ro.close();
  }
});

test('a process that leaves its console open still exits: the checkpoint thread does not hold it', async () => {
  const { spawnSync } = await import('node:child_process');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-checkpoint-exit-'));
  try {
    const r = spawnSync(process.execPath, [path.join(import.meta.dirname, 'fixtures', 'doorLeftOpen.ts'), path.join(dir, 'l.db')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout, 'open\n', r.stderr);
    assert.equal(r.signal, null, 'the process was killed at the timeout: something held it open');
    assert.equal(r.status, 0, r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
