// Tamper evidence (issue 14 item 7), end to end: the real CLI as a child process on real ledger files. verify --deep
// rebuilds the ledger from its journal and names the first difference with the file; an edit made in the file with
// SQL, which the plain chain walk cannot see, fails it with exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DeepVerifyResult } from '../shared/contractIntegrity.ts';
import { canonicalJson } from '../shared/canonicalJson.ts';
import { GENESIS_HASH, entryHash } from '../main/ledger/journal.ts';
import type { LiquidationSummary, LiquidationDetail, MarginCall } from '../shared/contract.ts';
import { BIN, NODE, PASSWORDS, ROOT, childEnv, copyLedger, journalOf, micros, riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 180_000 };
const AS_OF = '2026-03-12T21:00:00Z';

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

async function deep(db: string, code: number): Promise<DeepVerifyResult> {
  return ok(await riskdesk(['verify', '--deep', '--db', db, '--json']), code).json<DeepVerifyResult>();
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
async function busyLedger(dir: string): Promise<{ db: string; call: MarginCall }> {
  const db = path.join(dir, 'busy.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '300', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  ok(await riskdesk(['import', '--db', db, 'prices', path.join(ROOT, 'test', 'fixtures', 'cli', 'prices-good.csv'), '--now', '2026-03-12T20:30:00Z']));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF]));
  // Active calls: open, or overdue by the wall clock (the demo book's deadlines are in March).
  const calls = ok(await riskdesk(['calls', '--db', db, '--json'])).json<MarginCall[]>().filter((c) => c.status === 'open' || c.status === 'overdue');
  ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(calls[0]!.id), '--amount', '1250.5', '--note', 'wire']));
  ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(calls[1]!.id), '--reason', 'fee dispute settled']));
  const [l] = ok(await riskdesk(['liquidations', '--db', db, '--json'])).json<LiquidationSummary[]>();
  const d = ok(await riskdesk(['liquidations', 'show', '--db', db, '--id', String(l!.id), '--json'])).json<LiquidationDetail>();
  const o = d.orders[0]!;
  // Four eyes when it is large: a supervisor approves and a second one confirms.
  const first = ok(await riskdeskAs('supervisor', ['liquidations', 'approve', '--db', db, '--id', String(l!.id), '--orders', `${o.instrument}=${o.quantity}`, '--json'])).json<LiquidationDetail>();
  if (first.status === 'pending_second') ok(await riskdeskAs('supervisor2', ['liquidations', 'approve', '--db', db, '--id', String(l!.id)]));
  ok(await riskdeskAs('operator', ['liquidations', 'fill', '--db', db, '--id', String(l!.id), '--instrument', o.instrument, '--quantity', o.quantity, '--simulate']));
  ok(await riskdeskAs('supervisor', ['automation', 'on', '--db', db, '--reason', 'desk staffed']));
  return { db, call: calls[2]! };
}

test('verify --deep replays a busy ledger to the same state, and names an amount changed with SQL in the file', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-tamper-');
  const { db, call } = await busyLedger(dir);
  const good = await deep(db, 0);
  assert.equal(good.outcome, 'verified', good.message);
  assert.equal(good.replayed, good.entries);
  assert.ok(good.entries >= 9, `${good.entries} entries`);

  const edited = copyLedger(db, path.join(dir, 'edited.db'));
  sql(edited, `UPDATE margin_calls SET amount = 1 WHERE id = ${call.id}`);
  // The chain walk alone does not see it (the finding).
  ok(await riskdesk(['verify', '--db', edited]), 0);
  const r = await deep(edited, 1);
  assert.equal(r.outcome, 'differs');
  const stored = micros(call.amount);
  assert.deepEqual(r.difference, { table: 'margin_calls', key: { id: String(call.id) }, column: 'amount', file: '1', replay: String(stored) });
  const human = ok(await riskdesk(['verify', '--deep', '--db', edited]), 1);
  assert.match(human.stdout, new RegExp(`DIFFERS.*table margin_calls, key id=${call.id}, column amount: the file has 1, the journal's replay ${stored}`));
});

test('verify --deep names a deleted row, an added row and a dropped journal trigger', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-tamper-');
  const db = path.join(dir, 'l.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '120', '--seed', '3', '--now', '2026-03-12T20:00:00Z']));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF]));
  assert.equal((await deep(db, 0)).outcome, 'verified');

  const gone = copyLedger(db, path.join(dir, 'gone.db'));
  sql(gone, 'DELETE FROM collateral WHERE (account_id, asset_id) = (SELECT account_id, asset_id FROM collateral ORDER BY 1, 2 LIMIT 1)');
  const g = await deep(gone, 1);
  assert.equal(g.difference?.table, 'collateral');
  assert.equal(g.difference?.file, null);
  assert.match(g.difference?.replay ?? '', /^row \(account_id=/);

  const added = copyLedger(db, path.join(dir, 'added.db'));
  sql(added, "INSERT INTO users(name, role, password_hash, created_at) SELECT 'mallory', 'admin', password_hash, created_at FROM users WHERE name = 'admin'");
  const a = await deep(added, 1);
  assert.equal(a.difference?.table, 'users');
  assert.deepEqual(a.difference?.key, { name: 'mallory' });
  assert.equal(a.difference?.replay, null);

  const untriggered = copyLedger(db, path.join(dir, 'untriggered.db'));
  sql(untriggered, 'DROP TRIGGER journal_no_update');
  const u = await deep(untriggered, 1);
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

async function verifyJson(db: string, code: number, env?: Record<string, string>): Promise<VerifyJson> {
  return ok(await riskdesk(['verify', '--db', db, '--json'], env ? { env } : {}), code).json<VerifyJson>();
}

/** A ledger of three entries (init, cycle, deposit) whose head two verifies have anchored: four checkpoints. */
async function anchoredLedger(dir: string, env: Record<string, string>): Promise<string> {
  const db = path.join(dir, 'anchored.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '120', '--seed', '5', '--now', '2026-03-12T20:00:00Z'], { env }));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', AS_OF, '--now', AS_OF], { env }));
  const [c] = ok(await riskdesk(['calls', '--db', db, '--json'], { env })).json<MarginCall[]>().filter((x) => x.status === 'open' || x.status === 'overdue');
  ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c!.id), '--amount', '500'], { env }));
  const v = await verifyJson(db, 0, env);
  assert.deepEqual([v.checkpoints.checkpoints, v.checkpoints.latest?.seq], [2, 2]);
  // The verify that passed anchored the head (entry 3) as well.
  assert.equal((await verifyJson(db, 0, env)).checkpoints.latest?.seq, 3);
  return db;
}

test('a journal rehashed after an edit passes the chain walk but fails against the checkpoints', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = await anchoredLedger(dir, env);
  rewriteJournal(db, (rw) => {
    const p = JSON.parse(rw.prepare('SELECT payload FROM journal WHERE seq = 3').pluck().get() as string) as { amount: string };
    rw.prepare('UPDATE journal SET payload = ? WHERE seq = 3').run(canonicalJson({ ...p, amount: '5000000' }));
  });
  const r = ok(await riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(r.stdout, /^journal verified: 3 entries/m);
  assert.match(r.stdout, /checkpoints FAIL: entry 3's hash is [0-9a-f]{64}, but the checkpoint of \S+ \(verify\) anchored [0-9a-f]{64}: the journal was rewritten at or before entry 3/);
  const j = await verifyJson(db, 1, env);
  assert.equal(j.ok, false);
  // A failed verify anchors nothing: the next one fails the same way.
  assert.match((await verifyJson(db, 1, env)).checkpoints.problem ?? '', /rewritten at or before entry 3/);
});

test('a journal with its tail deleted fails against the checkpoints; so does an edited checkpoint', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = await anchoredLedger(dir, env);
  const cut = copyLedger(db, path.join(dir, 'anchored-copy.db'));
  // The copy is another ledger (another path): it has no checkpoints of its own yet, and passes.
  assert.equal((await verifyJson(cut, 0, env)).checkpoints.ok, true);

  rewriteJournal(db, (rw) => rw.exec('DELETE FROM journal WHERE seq = 3'));
  const r = ok(await riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(r.stdout, /journal verified: 2 entries/);
  assert.match(r.stdout, /checkpoints FAIL: the journal ends at entry 2, but the checkpoint of \S+ \(verify\) anchored entry 3 \(hash [0-9a-f]{64}\): its tail was deleted/);

  // The checkpoints file itself: a line edited to match the cut journal no longer verifies its signature.
  const file = path.join(env.RISKDESK_CONFIG_DIR, 'checkpoints.ndjson');
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const kept = lines.filter((l) => !(JSON.parse(l) as { seq: number }).seq || (JSON.parse(l) as { seq: number }).seq < 3 || !l.includes(fs.realpathSync(db)));
  const forged = lines.find((l) => l.includes(fs.realpathSync(db)) && (JSON.parse(l) as { seq: number }).seq === 3)!.replace('"seq":3', '"seq":2');
  fs.writeFileSync(file, `${[...kept, forged].join('\n')}\n`);
  const f = ok(await riskdesk(['verify', '--db', db], { env }), 1);
  assert.match(f.stdout, /checkpoints FAIL: \S+checkpoints\.ndjson line \d+: its signature does not verify/);
});

test('checkpoints: a 0600 key beside the config, a listing, and an export that never overwrites', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = await anchoredLedger(dir, env);
  assert.equal(fs.statSync(path.join(env.RISKDESK_CONFIG_DIR, 'checkpoint.key')).mode & 0o777, 0o600);
  const list = ok(await riskdesk(['checkpoints', '--db', db, '--json'], { env })).json<{ checkpoints: { kind: string; seq: number }[] }>();
  assert.deepEqual(list.checkpoints.map((c) => [c.kind, c.seq]), [['init', 1], ['cycle', 2], ['verify', 3], ['verify', 3]]);
  const to = path.join(dir, 'kept.ndjson');
  const e = ok(await riskdesk(['checkpoints', 'export', '--db', db, '--to', to, '--json'], { env })).json<{ checkpoints: number }>();
  assert.equal(e.checkpoints, 4);
  assert.deepEqual(fs.readFileSync(to, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3, 3]);
  const again = ok(await riskdesk(['checkpoints', 'export', '--db', db, '--to', to], { env }), 2);
  assert.match(again.stderr, /already exists/);
  // A key others can read is refused, naming the file and the fix.
  fs.chmodSync(path.join(env.RISKDESK_CONFIG_DIR, 'checkpoint.key'), 0o644);
  const loose = ok(await riskdesk(['verify', '--db', db], { env }), 2);
  assert.match(loose.stderr, /checkpoint\.key is readable or writable by others \(mode 644\): chmod 600 it/);
});

// ---- read-only start: the console refuses changes on a ledger whose chain fails its checkpoints ----

interface Served {
  stderr: () => string;
  call(channel: string, payload: unknown, sid?: string): Promise<{ status: number; body: any; sid: string | null }>;
  login(user: keyof typeof PASSWORDS): Promise<string>;
  stop(): Promise<void>;
}

/** `riskdesk serve` as a process on the ledger, with a stand-in for the built renderer. */
async function serve(dir: string, db: string, env: Record<string, string>): Promise<Served> {
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(renderer, { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>test</title>');
  const child = spawn(NODE, [BIN, 'serve', '--db', db], { env: childEnv({ ...env, RISKDESK_RENDERER_DIR: renderer }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${stderr}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const m = /Riskdesk console: (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const token = url.searchParams.get('token')!;
  const call: Served['call'] = async (channel, payload, sid) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
    if (sid) headers['X-Riskdesk-Session'] = sid;
    const r = await fetch(new URL(`/api/invoke/${channel}`, url), { method: 'POST', headers, body: JSON.stringify(payload) });
    return { status: r.status, body: await r.json(), sid: r.headers.get('x-riskdesk-session') };
  };
  return {
    stderr: () => stderr,
    call,
    async login(user) {
      const r = await call('session.login', { name: user, password: PASSWORDS[user] });
      assert.equal(r.body.ok, true, JSON.stringify(r.body));
      return r.sid!;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test('serve opens a ledger whose journal was cut read-only, refuses every change until an admin acknowledges with a reason', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-anchor-');
  const env = { RISKDESK_CONFIG_DIR: path.join(dir, 'config') };
  const db = await anchoredLedger(dir, env);
  rewriteJournal(db, (rw) => rw.exec('DELETE FROM journal WHERE seq = 3'));
  const [call] = ok(await riskdesk(['calls', '--db', db, '--json'], { env })).json<MarginCall[]>().filter((x) => x.status === 'open' || x.status === 'overdue');

  const s = await serve(dir, db, env);
  try {
    assert.match(s.stderr(), /the ledger is open READ-ONLY: the journal ends at entry 2, but .* its tail was deleted/);
    const operator = await s.login('operator');
    const status = await s.call('ledger.integrity', {}, operator);
    assert.equal(status.body.value.readOnly, true);
    assert.match(status.body.value.problem, /its tail was deleted/);
    // Reads still answer; every change is refused with its own code, and nothing is written.
    assert.equal((await s.call('calls.list', {}, operator)).body.ok, true);
    const refused = await s.call('calls.deposit', { id: call!.id, amount: '10' }, operator);
    assert.equal(refused.body.ok, false);
    assert.equal(refused.body.error.code, 'ledger_read_only');
    assert.match(refused.body.error.message, /read-only, so calls\.deposit is refused: the journal ends at entry 2.*An admin acknowledges/);
    assert.equal((await s.call('cycle.run', {}, operator)).body.error.code, 'ledger_read_only');
    // Only an admin acknowledges, and only with a reason.
    assert.equal((await s.call('ledger.acknowledge', { reason: 'checked' }, operator)).body.error.code, 'forbidden');
    const admin = await s.login('admin');
    assert.equal((await s.call('ledger.acknowledge', { reason: ' ' }, admin)).body.error.code, 'bad_input');
    const ack = await s.call('ledger.acknowledge', { reason: 'entry 3 lost with the disk; restored from backup and checked by hand' }, admin);
    assert.deepEqual(ack.body, { ok: true, value: { readOnly: false, problem: null } });
    const again = await s.call('ledger.acknowledge', { reason: 'twice' }, admin);
    assert.equal(again.body.error.code, 'not_read_only');
    const deposit = await s.call('calls.deposit', { id: call!.id, amount: '10' }, operator);
    assert.equal(deposit.body.ok, true, JSON.stringify(deposit.body));
  } finally {
    await s.stop();
  }
  // The acknowledgement is journalled, with who, why and the problem it accepted; the record starts again there.
  const last = journalOf(db).slice(-2);
  assert.deepEqual(last.map((e) => [e.command, e.actor]), [['ledger.acknowledge', 'admin'], ['calls.deposit', 'operator']]);
  assert.match((last[0]!.payload as { problem: string }).problem, /its tail was deleted/);
  const v = await verifyJson(db, 0, env);
  assert.equal(v.checkpoints.ok, true);
  const s2 = await serve(dir, db, env);
  try {
    assert.doesNotMatch(s2.stderr(), /READ-ONLY/);
  } finally {
    await s2.stop();
  }
});

test('the Electron key is sealed by safeStorage in a 0600 file, opens to the same key, and falls back to the key file without a keychain', async (t) => {
  const { sealedKey } = await import('../main/electron/anchorKey.ts');
  const dir = tempDir(t, 'riskdesk-sealed-');
  // A stand-in for safeStorage: sealing that is not the plain text, and opens back to it.
  const storage = {
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8'),
  };
  const k1 = sealedKey(dir, storage).key();
  assert.equal(k1.length, 32);
  const sealed = path.join(dir, 'checkpoint.key.sealed');
  assert.equal(fs.statSync(sealed).mode & 0o777, 0o600);
  assert.equal(fs.readFileSync(sealed).includes(Buffer.from(k1.toString('hex'))), false);
  assert.deepEqual(sealedKey(dir, storage).key(), k1);
  const said: string[] = [];
  const plain = sealedKey(dir, { ...storage, isEncryptionAvailable: () => false }, (why) => said.push(why)).key();
  assert.equal(plain.length, 32);
  assert.match(said[0]!, /keychain is not available/);
  assert.equal(fs.statSync(path.join(dir, 'checkpoint.key')).mode & 0o777, 0o600);
});

test('verify --deep replays user administration and sign-ins: a new user, a failed sign-in, a password changed and reset, a role change', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-tamper-users-');
  const db = path.join(dir, 'users.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '100', '--seed', '3', '--now', '2026-03-12T20:00:00Z']));
  ok(await riskdeskAs('admin', ['users', 'create', '--db', db, '--name', 'dana', '--role', 'operator', '--reason', 'new desk member'], { env: { RISKDESK_NEW_PASSWORD: 'a first password 1' } }));
  assert.equal((await riskdesk(['calls', '--db', db, '--as', 'dana'], { env: { RISKDESK_PASSWORD: 'not the password' } })).code, 1, 'a wrong password is refused');
  ok(await riskdesk(['password', '--db', db, '--as', 'dana'], { env: { RISKDESK_PASSWORD: 'a first password 1', RISKDESK_NEW_PASSWORD: 'my own choice 22' } }));
  ok(await riskdeskAs('admin', ['users', 'reset-password', '--db', db, '--name', 'dana', '--reason', 'forgotten'], { env: { RISKDESK_NEW_PASSWORD: 'a reset password 3' } }));
  ok(await riskdeskAs('admin', ['users', 'role', '--db', db, '--name', 'dana', '--role', 'viewer', '--reason', 'moved to reporting']));
  const r = await deep(db, 0);
  assert.equal(r.outcome, 'verified', JSON.stringify(r));
  // The hash an entry carries is the one the users table holds: an edit to it is named.
  sql(db, "UPDATE users SET password_hash = 'scrypt$1$1$1$AA==$AA==' WHERE name = 'dana'");
  const bad = await deep(db, 1);
  assert.match(JSON.stringify(bad), /users/);
});
