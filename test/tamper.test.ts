// Tamper evidence (issue 14 item 7), end to end: the real CLI as a child process on real ledger files. verify --deep
// rebuilds the ledger from its journal and names the first difference with the file; an edit made in the file with
// SQL, which the plain chain walk cannot see, fails it with exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DeepVerifyResult } from '../shared/contractIntegrity.ts';
import { canonicalJson } from '../shared/canonicalJson.ts';
import { GENESIS_HASH, entryHash } from '../main/ledger/journal.ts';
import type { LiquidationSummary, LiquidationDetail, MarginCall } from '../shared/contract.ts';
import { ROOT, copyLedger, micros, riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 180_000 };
const AS_OF = '2026-03-12T21:00:00Z';

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

function deep(db: string, code: number): DeepVerifyResult {
  return ok(riskdesk(['verify', '--deep', '--db', db, '--json']), code).json<DeepVerifyResult>();
}

function sql(db: string, statement: string): void {
  const rw = new Database(db);
  try {
    rw.exec(statement);
  } finally {
    rw.close();
  }
}

/** A demo ledger with a history of every kind the desk makes often: an import, a cycle, calls, a liquidation, a switch. */
function busyLedger(dir: string): { db: string; call: MarginCall } {
  const db = path.join(dir, 'busy.db');
  ok(riskdesk(['init', '--db', db, '--demo', '--accounts', '300', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  ok(riskdesk(['import', '--db', db, 'prices', path.join(ROOT, 'test', 'fixtures', 'cli', 'prices-good.csv'), '--now', '2026-03-12T20:30:00Z']));
  ok(riskdesk(['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF]));
  const calls = ok(riskdesk(['calls', '--db', db, '--status', 'open', '--json'])).json<MarginCall[]>();
  ok(riskdeskAs('operator', ['deposit', '--db', db, '--id', String(calls[0]!.id), '--amount', '1250.5', '--note', 'wire']));
  ok(riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(calls[1]!.id), '--reason', 'fee dispute settled']));
  const [l] = ok(riskdesk(['liquidations', '--db', db, '--json'])).json<LiquidationSummary[]>();
  const d = ok(riskdesk(['liquidations', 'show', '--db', db, '--id', String(l!.id), '--json'])).json<LiquidationDetail>();
  const o = d.orders[0]!;
  // Four eyes when it is large: a supervisor approves and a second one confirms.
  const first = ok(riskdeskAs('supervisor', ['liquidations', 'approve', '--db', db, '--id', String(l!.id), '--orders', `${o.instrument}=${o.quantity}`, '--json'])).json<LiquidationDetail>();
  if (first.status === 'pending_second') ok(riskdeskAs('supervisor2', ['liquidations', 'approve', '--db', db, '--id', String(l!.id)]));
  ok(riskdeskAs('operator', ['liquidations', 'fill', '--db', db, '--id', String(l!.id), '--instrument', o.instrument, '--quantity', o.quantity, '--simulate']));
  ok(riskdeskAs('supervisor', ['automation', 'on', '--db', db, '--reason', 'desk staffed']));
  return { db, call: calls[2]! };
}

test('verify --deep replays a busy ledger to the same state, and names an amount changed with SQL in the file', T, (t) => {
  const dir = tempDir(t, 'riskdesk-tamper-');
  const { db, call } = busyLedger(dir);
  const good = deep(db, 0);
  assert.equal(good.outcome, 'verified', good.message);
  assert.equal(good.replayed, good.entries);
  assert.ok(good.entries >= 9, `${good.entries} entries`);

  const edited = copyLedger(db, path.join(dir, 'edited.db'));
  sql(edited, `UPDATE margin_calls SET amount = 1 WHERE id = ${call.id}`);
  // The chain walk alone does not see it (the finding).
  ok(riskdesk(['verify', '--db', edited]), 0);
  const r = deep(edited, 1);
  assert.equal(r.outcome, 'differs');
  const stored = micros(call.amount);
  assert.deepEqual(r.difference, { table: 'margin_calls', key: { id: String(call.id) }, column: 'amount', file: '1', replay: String(stored) });
  const human = ok(riskdesk(['verify', '--deep', '--db', edited]), 1);
  assert.match(human.stdout, new RegExp(`DIFFERS.*table margin_calls, key id=${call.id}, column amount: the file has 1, the journal's replay ${stored}`));
});

test('verify --deep names a deleted row, an added row and a dropped journal trigger', T, (t) => {
  const dir = tempDir(t, 'riskdesk-tamper-');
  const db = path.join(dir, 'l.db');
  ok(riskdesk(['init', '--db', db, '--demo', '--accounts', '120', '--seed', '3', '--now', '2026-03-12T20:00:00Z']));
  ok(riskdesk(['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF]));
  assert.equal(deep(db, 0).outcome, 'verified');

  const gone = copyLedger(db, path.join(dir, 'gone.db'));
  sql(gone, 'DELETE FROM collateral WHERE (account_id, asset_id) = (SELECT account_id, asset_id FROM collateral ORDER BY 1, 2 LIMIT 1)');
  const g = deep(gone, 1);
  assert.equal(g.difference?.table, 'collateral');
  assert.equal(g.difference?.file, null);
  assert.match(g.difference?.replay ?? '', /^row \(account_id=/);

  const added = copyLedger(db, path.join(dir, 'added.db'));
  sql(added, "INSERT INTO users(name, role, password_hash, created_at) SELECT 'mallory', 'admin', password_hash, created_at FROM users WHERE name = 'admin'");
  const a = deep(added, 1);
  assert.equal(a.difference?.table, 'users');
  assert.deepEqual(a.difference?.key, { name: 'mallory' });
  assert.equal(a.difference?.replay, null);

  const untriggered = copyLedger(db, path.join(dir, 'untriggered.db'));
  sql(untriggered, 'DROP TRIGGER journal_no_update');
  const u = deep(untriggered, 1);
  assert.deepEqual([u.difference?.table, u.difference?.key], ['sqlite_schema', { object: 'trigger journal_no_update' }]);
});

test('verify --deep says a ledger created before the journal carried enough to replay cannot be checked, and why', async (t) => {
  const { openLedger } = await import('../main/ledger/db.ts');
  const { appendJournal } = await import('../main/ledger/journal.ts');
  const { deepVerify } = await import('../main/commands/integrity/deepVerify.ts');
  const db = openLedger(path.join(tempDir(t, 'riskdesk-tamper-'), 'old.db'), { create: true });
  try {
    // The init entry as this program wrote it before (no format, no users): its history cannot be rebuilt.
    db.transaction(() => appendJournal(db, { at: '2026-03-12T20:00:00.000Z', actor: 'init', command: 'ledger.init', payload: { demo: false, accounts: 0, seed: 1, asOf: null }, result: {} })).immediate();
    const r = deepVerify(db);
    assert.equal(r.ok, false);
    assert.equal(r.outcome, 'unreplayable');
    assert.equal(r.entry?.seq, 1);
    assert.match(r.message, /cannot replay entry 1 \(ledger\.init\): the ledger was created before the journal carried/);
  } finally {
    db.close();
  }
});

// ---- checkpoints: the chain's head anchored outside the ledger ----

/** Drops the journal's guards and applies `edit`, then recomputes every hash from the first changed entry on. */
function rewriteJournal(db: string, edit: (rw: Database.Database) => void): void {
  const rw = new Database(db);
  try {
    rw.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER journal_append_only_chain;');
    edit(rw);
    const rows = rw.prepare('SELECT seq, at, actor, command, payload, result FROM journal ORDER BY seq').safeIntegers(false).all() as {
      seq: number; at: string; actor: string; command: string; payload: string; result: string;
    }[];
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const h = entryHash(prev, r.seq, r.at, r.actor, r.command, r.payload, r.result);
      rw.prepare('UPDATE journal SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, h, r.seq);
      prev = h;
    }
  } finally {
    rw.close();
  }
}

interface VerifyJson {
  ok: boolean;
  checkpoints: { ok: boolean; checkpoints: number; problem: string | null; latest: { seq: number } | null };
}

function verifyJson(db: string, code: number, env?: Record<string, string>): VerifyJson {
  return ok(riskdesk(['verify', '--db', db, '--json'], env ? { env } : {}), code).json<VerifyJson>();
}

/** A ledger of three entries (init, cycle, deposit) whose head two verifies have anchored: four checkpoints. */
function anchoredLedger(dir: string, env: Record<string, string>): string {
  const db = path.join(dir, 'anchored.db');
  ok(riskdesk(['init', '--db', db, '--demo', '--accounts', '120', '--seed', '5', '--now', '2026-03-12T20:00:00Z'], { env }));
  ok(riskdesk(['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF], { env }));
  const [c] = ok(riskdesk(['calls', '--db', db, '--status', 'open', '--json'], { env })).json<MarginCall[]>();
  ok(riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c!.id), '--amount', '500'], { env }));
  const v = verifyJson(db, 0, env);
  assert.deepEqual([v.checkpoints.checkpoints, v.checkpoints.latest?.seq], [2, 2]);
  // The verify that passed anchored the head (entry 3) as well.
  assert.equal(verifyJson(db, 0, env).checkpoints.latest?.seq, 3);
  return db;
}

test('a journal rehashed after an edit passes the chain walk but fails against the checkpoints', T, (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = anchoredLedger(dir, env);
  rewriteJournal(db, (rw) => {
    const p = JSON.parse(rw.prepare('SELECT payload FROM journal WHERE seq = 3').pluck().get() as string) as { amount: string };
    rw.prepare('UPDATE journal SET payload = ? WHERE seq = 3').run(canonicalJson({ ...p, amount: '5000000' }));
  });
  const r = ok(riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(r.stdout, /^journal verified: 3 entries/m);
  assert.match(r.stdout, /checkpoints FAIL: entry 3's hash is [0-9a-f]{64}, but the checkpoint of \S+ \(verify\) anchored [0-9a-f]{64}: the journal was rewritten at or before entry 3/);
  const j = verifyJson(db, 1, env);
  assert.equal(j.ok, false);
  // A failed verify anchors nothing: the next one fails the same way.
  assert.match(verifyJson(db, 1, env).checkpoints.problem ?? '', /rewritten at or before entry 3/);
});

test('a journal with its tail deleted fails against the checkpoints; so does an edited checkpoint', T, (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = anchoredLedger(dir, env);
  const cut = copyLedger(db, path.join(dir, 'anchored-copy.db'));
  // The copy is another ledger (another path): it has no checkpoints of its own yet, and passes.
  assert.equal(verifyJson(cut, 0, env).checkpoints.ok, true);

  rewriteJournal(db, (rw) => rw.exec('DELETE FROM journal WHERE seq = 3'));
  const r = ok(riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(r.stdout, /journal verified: 2 entries/);
  assert.match(r.stdout, /checkpoints FAIL: the journal ends at entry 2, but the checkpoint of \S+ \(verify\) anchored entry 3 \(hash [0-9a-f]{64}\): its tail was deleted/);

  // The checkpoints file itself: a line edited to match the cut journal no longer verifies its signature.
  const file = path.join(env.RISKDESK_CONFIG_DIR, 'checkpoints.ndjson');
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const kept = lines.filter((l) => !(JSON.parse(l) as { seq: number }).seq || (JSON.parse(l) as { seq: number }).seq < 3 || !l.includes(fs.realpathSync(db)));
  const forged = lines.find((l) => l.includes(fs.realpathSync(db)) && (JSON.parse(l) as { seq: number }).seq === 3)!.replace('"seq":3', '"seq":2');
  fs.writeFileSync(file, `${[...kept, forged].join('\n')}\n`);
  const f = ok(riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(f.stdout, /checkpoints FAIL: \S+checkpoints\.ndjson line \d+: its signature does not verify/);
});

test('checkpoints: a 0600 key beside the config, a listing, and an export that never overwrites', T, (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = anchoredLedger(dir, env);
  assert.equal(fs.statSync(path.join(env.RISKDESK_CONFIG_DIR, 'checkpoint.key')).mode & 0o777, 0o600);
  const list = ok(riskdesk(['checkpoints', '--db', db, '--json'], { env })).json<{ checkpoints: { kind: string; seq: number }[] }>();
  assert.deepEqual(list.checkpoints.map((c) => [c.kind, c.seq]), [['init', 1], ['cycle', 2], ['verify', 3], ['verify', 3]]);
  const to = path.join(dir, 'kept.ndjson');
  const e = ok(riskdesk(['checkpoints', 'export', '--db', db, '--to', to, '--json'], { env })).json<{ checkpoints: number }>();
  assert.equal(e.checkpoints, 4);
  assert.deepEqual(fs.readFileSync(to, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3, 3]);
  const again = ok(riskdesk(['checkpoints', 'export', '--db', db, '--to', to], { env }), 2);
  assert.match(again.stderr, /already exists/);
  // A key others can read is refused, naming the file and the fix.
  fs.chmodSync(path.join(env.RISKDESK_CONFIG_DIR, 'checkpoint.key'), 0o644);
  const loose = ok(riskdesk(['verify', '--db', db], { env }), 2);
  assert.match(loose.stderr, /checkpoint\.key is readable or writable by others \(mode 644\): chmod 600 it/);
});
