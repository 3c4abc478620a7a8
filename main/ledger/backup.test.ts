import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, LATEST_VERSION } from './db.ts';
import { appendJournal, verifyJournal } from './journal.ts';
import { backupLedger } from './backup.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-ledger-backup-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function journalSome(db: ReturnType<typeof openLedger>, from: number, to: number): void {
  db.transaction(() => {
    for (let i = from; i <= to; i++) {
      appendJournal(db, {
        at: new Date(Date.UTC(2026, 2, 12, 16) + i * 1000).toISOString(),
        actor: 'admin',
        command: 'policy.set',
        payload: { key: 'cureMinutes', value: String(i) },
        result: { ok: true },
      });
    }
  }).immediate();
}

test('backup produces a ledger that opens, verifies and has the same journal head', async () => {
  const src = openLedger(path.join(tmp, 'live.db'), { create: true });
  try {
    journalSome(src, 1, 200);
    const head = verifyJournal(src);
    const target = path.join(tmp, 'copy.db');
    const { pages } = await backupLedger(src, target);
    assert.ok(pages > 0);
    assert.deepEqual(
      fs.readdirSync(tmp).filter((f) => f.includes('partial')),
      [],
    );

    const copy = openLedger(target);
    try {
      assert.equal(Number(copy.pragma('user_version', { simple: true })), LATEST_VERSION);
      assert.deepEqual(verifyJournal(copy), head);
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      copy.close();
    }
    const ro = openLedger(target, { readonly: true });
    assert.equal(verifyJournal(ro).headHash, head.headHash);
    ro.close();
  } finally {
    src.close();
  }
});

test('an existing target is refused unless overwrite; overwrite replaces it', async () => {
  const src = openLedger(path.join(tmp, 'live2.db'), { create: true });
  try {
    journalSome(src, 1, 5);
    const target = path.join(tmp, 'existing.db');
    fs.writeFileSync(target, 'keep me');
    await assert.rejects(backupLedger(src, target), /already exists.*existing\.db/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me');

    await backupLedger(src, target, { overwrite: true });
    journalSome(src, 6, 9); // later changes are not in the copy
    const copy = openLedger(target);
    try {
      assert.equal(verifyJournal(copy).entries, 5);
    } finally {
      copy.close();
    }
    // Overwriting an existing backup (with its -wal/-shm sidecars) gives the newer state.
    await backupLedger(src, target, { overwrite: true });
    const again = openLedger(target);
    try {
      assert.deepEqual(verifyJournal(again), verifyJournal(src));
    } finally {
      again.close();
    }

    await assert.rejects(backupLedger(src, src.name, { overwrite: true }), /onto itself/);
    await assert.rejects(backupLedger(src, path.join(tmp, 'no-such-dir', 'x.db')), /does not exist/);
    let inTx: Promise<unknown> | undefined;
    src.transaction(() => {
      inTx = backupLedger(src, path.join(tmp, 'tx.db'));
    })();
    assert.ok(inTx);
    await assert.rejects(inTx, /inside a transaction/);
  } finally {
    src.close();
  }
});
