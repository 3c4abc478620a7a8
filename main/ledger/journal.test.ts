import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openLedger } from './db.ts';
import {
  appendJournal,
  entryHash,
  exportJournal,
  GENESIS_HASH,
  journalHead,
  listJournal,
  verifyJournal,
  type JournalInput,
} from './journal.ts';
import { canonicalJson } from '../../shared/canonicalJson.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-ledger-journal-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newLedger = (): Database.Database => openLedger(path.join(tmp, `journal-${++n}.db`), { create: true });

function at(i: number): string {
  return new Date(Date.UTC(2026, 2, 12, 16, 0, 0) + i * 1000).toISOString();
}

function entry(i: number): JournalInput {
  return {
    at: at(i),
    actor: i % 3 === 0 ? 'supervisor.sam' : 'operator.olga',
    command: i % 2 === 0 ? 'calls.deposit' : 'cycle.run',
    payload: { account: `A${i}`, amount: BigInt(i) * 1_000_000n, note: i === 42 ? '100% of the_call' : 'ok' },
    result: { ok: true, seq: i },
  };
}

/** Appends entries first..last, `perTx` per immediate transaction. */
function fill(db: Database.Database, first: number, last: number, perTx = 100): void {
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i <= to; i++) appendJournal(db, entry(i));
  });
  for (let i = first; i <= last; i += perTx) batch.immediate(i, Math.min(last, i + perTx - 1));
}

test('append and verify 1,000 entries; the hash follows the documented formula', () => {
  const db = newLedger();
  try {
    assert.deepEqual(verifyJournal(db), { ok: true, entries: 0, headHash: GENESIS_HASH });
    assert.deepEqual(journalHead(db), { seq: 0, hash: GENESIS_HASH });
    const first = db.transaction(() => appendJournal(db, entry(1))).immediate();
    assert.equal(first.seq, 1);
    const expected = createHash('sha256')
      .update(
        `${GENESIS_HASH}\n${canonicalJson([1, at(1), 'operator.olga', 'cycle.run', canonicalJson(entry(1).payload), canonicalJson(entry(1).result)])}`,
      )
      .digest('hex');
    assert.equal(first.hash, expected);
    const stored = db.prepare('SELECT payload, prev_hash FROM journal WHERE seq = 1').get() as {
      payload: string;
      prev_hash: string;
    };
    assert.equal(stored.payload, '{"account":"A1","amount":"1000000","note":"ok"}');
    assert.equal(stored.prev_hash, GENESIS_HASH);

    fill(db, 2, 1000);
    const head = journalHead(db);
    assert.equal(head.seq, 1000);
    const report = verifyJournal(db);
    assert.deepEqual(report, { ok: true, entries: 1000, headHash: head.hash });
  } finally {
    db.close();
  }
});

test('appending outside a transaction throws and writes nothing; a failed transaction leaves no entry', () => {
  const db = newLedger();
  try {
    assert.throws(() => appendJournal(db, entry(1)), /inside the transaction/);
    assert.equal(journalHead(db).seq, 0);
    const failing = db.transaction(() => {
      db.prepare("INSERT INTO policy VALUES ('cureMinutes', '45')").run();
      appendJournal(db, entry(1));
      throw new Error('command failed after journaling');
    });
    assert.throws(() => failing.immediate(), /command failed/);
    assert.equal(journalHead(db).seq, 0);
    assert.equal(db.prepare('SELECT count(*) FROM policy').pluck().get(), 0n);
    // A payload canonicalJson refuses is refused before anything is written.
    assert.throws(() => db.transaction(() => appendJournal(db, { ...entry(1), payload: { x: Number.NaN } }))(), /non-finite/);
    // A time of the wrong shape is refused by the schema.
    assert.throws(
      () => db.transaction(() => appendJournal(db, { ...entry(1), at: '2026-03-12T16:00:00Z' }))(),
      /CHECK constraint failed/,
    );
    assert.equal(verifyJournal(db).entries, 0);
  } finally {
    db.close();
  }
});

test('UPDATE, DELETE and out-of-chain INSERTs on the journal are refused by triggers', () => {
  const db = newLedger();
  try {
    fill(db, 1, 10);
    assert.throws(() => db.exec("UPDATE journal SET actor = 'mallory' WHERE seq = 5"), /journal is append-only/);
    assert.throws(() => db.exec('DELETE FROM journal WHERE seq = 10'), /journal is append-only/);
    assert.throws(() => db.exec('DELETE FROM journal'), /journal is append-only/);
    const row = db.prepare('SELECT * FROM journal WHERE seq = 10').get() as Record<string, unknown>;
    const insert = db.prepare(
      'INSERT OR REPLACE INTO journal (seq, at, actor, command, payload, result, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const args = (seq: unknown, prev: unknown): unknown[] => [seq, row.at, row.actor, row.command, '{}', '{}', prev, row.hash];
    assert.throws(() => insert.run(...args(10, row.prev_hash)), /previous seq \+ 1/); // replace an entry
    assert.throws(() => insert.run(...args(12, row.hash)), /previous seq \+ 1/); // a gap
    assert.throws(() => insert.run(...args(11, GENESIS_HASH)), /prev_hash must be/); // a broken link
    assert.throws(
      () => db.exec("INSERT INTO journal (at, actor, command, payload, result, prev_hash, hash) SELECT at, actor, command, payload, result, hash, hash FROM journal WHERE seq = 10"),
      /previous seq \+ 1/, // no implicit rowid
    );
    assert.deepEqual(verifyJournal(db).ok, true);
    assert.equal(verifyJournal(db).entries, 10);
  } finally {
    db.close();
  }
});

test('tampering is found: the first broken entry and why', () => {
  const db = newLedger();
  try {
    fill(db, 1, 1000, 250);
    const good = verifyJournal(db);
    assert.equal(good.ok, true);
    db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete');

    db.exec(`UPDATE journal SET payload = '{"account":"A500","amount":"1","note":"ok"}' WHERE seq = 500`);
    let report = verifyJournal(db);
    assert.equal(report.ok, false);
    assert.equal(report.broken?.seq, 500);
    assert.match(report.broken?.reason ?? '', /^hash mismatch/);
    assert.equal(report.entries, 499);
    assert.equal(report.headHash, (db.prepare('SELECT hash FROM journal WHERE seq = 499').get() as { hash: string }).hash);

    // Tamper later entries too: the report still names the FIRST broken one.
    db.exec("UPDATE journal SET actor = 'mallory' WHERE seq = 800");
    assert.equal(verifyJournal(db).broken?.seq, 500);

    // A re-hashed forgery at 500 breaks the link at 501.
    const r500 = db.prepare('SELECT * FROM journal WHERE seq = 500').get() as Record<string, string>;
    const forged = createHash('sha256')
      .update(`${r500.prev_hash}\n${canonicalJson([500, r500.at, r500.actor, r500.command, r500.payload, r500.result])}`)
      .digest('hex');
    db.prepare('UPDATE journal SET hash = ? WHERE seq = 500').run(forged);
    report = verifyJournal(db);
    assert.deepEqual(report.broken?.seq, 501);
    assert.match(report.broken?.reason ?? '', /^prev_hash mismatch/);

    // A deleted entry is a sequence gap.
    db.exec('DELETE FROM journal WHERE seq = 300');
    report = verifyJournal(db);
    assert.deepEqual(report.broken, { seq: 301, reason: 'sequence gap: expected seq 300, found 301' });
    assert.equal(report.entries, 299);
  } finally {
    db.close();
  }
});

test('listJournal pages, searches (parameterised, % and _ literal) and orders', () => {
  const db = newLedger();
  try {
    fill(db, 1, 60);
    const page1 = listJournal(db, { limit: 25 });
    assert.deepEqual(
      page1.map((e) => e.seq),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    const last = page1.at(-1);
    assert.ok(last);
    const page2 = listJournal(db, { afterSeq: last.seq, limit: 25 });
    assert.equal(page2[0]?.seq, 26);
    assert.equal(listJournal(db, { afterSeq: 50, limit: 25 }).length, 10);
    assert.deepEqual(
      listJournal(db, { limit: 3, newestFirst: true }).map((e) => e.seq),
      [60, 59, 58],
    );
    assert.deepEqual(
      listJournal(db, { limit: 2, newestFirst: true, beforeSeq: 58 }).map((e) => e.seq),
      [57, 56],
    );
    assert.equal(listJournal(db, { limit: 100, search: 'supervisor' }).length, 20);
    assert.equal(listJournal(db, { limit: 100, search: 'CALLS.DEPOSIT' }).length, 30); // case-insensitive
    assert.deepEqual(
      listJournal(db, { limit: 100, search: '100% of the_call' }).map((e) => e.seq),
      [42],
    );
    assert.equal(listJournal(db, { limit: 100, search: '%' }).length, 1); // literal %, only entry 42
    assert.equal(listJournal(db, { limit: 100, search: "' OR 1=1 --" }).length, 0);
    assert.equal(listJournal(db, { limit: 100, search: '"A7"' })[0]?.seq, 7);
    const e7 = listJournal(db, { afterSeq: 6, limit: 1 })[0];
    assert.ok(e7);
    assert.equal(e7.payload, '{"account":"A7","amount":"7000000","note":"ok"}');
    assert.equal(e7.prevHash, listJournal(db, { afterSeq: 5, limit: 1 })[0]?.hash);
    assert.throws(() => listJournal(db, { limit: 0 }), RangeError);
    assert.throws(() => listJournal(db, { limit: 1.5 }), RangeError);
  } finally {
    db.close();
  }
});

test('exportJournal writes one canonical JSON object per entry, from which every hash recomputes', () => {
  const db = newLedger();
  try {
    fill(db, 1, 120);
    const lines: string[] = [];
    assert.deepEqual(exportJournal(db, (l) => lines.push(l)), { entries: 120 });
    assert.equal(lines.length, 120);
    let prev = GENESIS_HASH;
    for (const [i, line] of lines.entries()) {
      assert.ok(!line.includes('\n'));
      const o = JSON.parse(line) as {
        seq: number;
        at: string;
        actor: string;
        command: string;
        payload: unknown;
        result: unknown;
        prevHash: string;
        hash: string;
      };
      assert.equal(canonicalJson(o), line);
      assert.equal(o.seq, i + 1);
      assert.equal(o.prevHash, prev);
      const h = createHash('sha256')
        .update(`${prev}\n${canonicalJson([o.seq, o.at, o.actor, o.command, canonicalJson(o.payload), canonicalJson(o.result)])}`)
        .digest('hex');
      assert.equal(h, o.hash);
      prev = o.hash;
    }
    assert.equal(prev, verifyJournal(db).headHash);
  } finally {
    db.close();
  }
});

// Every ledger's chain was hashed with this format; a change of the hashing code must give the same bytes. The
// vector has a non-ASCII actor (the hashed string is UTF-8) and JSON texts that are quoted inside the array.
test('an entry hash is sha256 over the documented string, pinned by a fixed vector', () => {
  const args = [GENESIS_HASH, 1, '2026-03-12T16:00:00.000Z', 'opérateur', 'calls.deposit', '{"amount":"1.50","id":7}', '{"status":"met"}'] as const;
  const text = `${GENESIS_HASH}\n[1,"2026-03-12T16:00:00.000Z","opérateur","calls.deposit","{\\"amount\\":\\"1.50\\",\\"id\\":7}","{\\"status\\":\\"met\\"}"]`;
  assert.equal(entryHash(...args), createHash('sha256').update(text, 'utf8').digest('hex'));
  assert.equal(entryHash(...args), 'f53013961de7baaec228a04fab9d9e8d216178d2e601be90ec942d34746d162f');
});
