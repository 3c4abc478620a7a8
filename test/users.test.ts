// Users and roles (issue 14 item 3) on real ledgers: a demoted, disabled or revoked user's browser session refused at
// its very next call (also when the change comes from another process, the CLI); lockout after repeated failures,
// each failure journalled; a grant of admin or supervisor taken by a second admin; a password an admin set changed
// before anything else; a hash at older parameters re-hashed at sign-in; a non-demo ledger's first admin from init.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scryptSync } from 'node:crypto';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { startServer, type RunningServer } from '../main/serve/server.ts';
import { dispatchAsync } from '../main/commands/dispatch.ts';
import { signIn } from '../main/commands/auth.ts';
import { verifyPassword } from '../main/commands/passwords.ts';
import { DEMO_PASSWORD_HASHES } from '../main/demo/demoHashes.ts';
import { insertUser, findUser } from '../main/ledger/userRepo.ts';
import type { Actor } from '../main/commands/context.ts';
import { RuleError } from '../shared/errors.ts';
import { riskdesk, riskdeskAs, startRiskdesk, tempDir, PASSWORDS } from './support/cli.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { setPolicy } from './support/policy.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-users-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const rendererDir = path.join(dir, 'renderer');
fs.mkdirSync(rendererDir);
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test console</title>');

let n = 0;
function demoLedger(): { db: Ledger; file: string } {
  const file = path.join(dir, `l${n++}.db`);
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 60, seed: 7 }, new Date());
  return { db, file };
}

const ADMIN: Actor = { name: 'admin', role: 'admin' };
const now = () => new Date();
const run = (db: Ledger, actor: Actor, channel: string, payload: unknown) => dispatchAsync({ db, actor, now }, channel, payload);
const refusal = (code: string, re?: RegExp) => (e: unknown) => e instanceof RuleError && e.code === code && (!re || re.test(e.message));

// ---- browser mode ----------------------------------------------------------------------------------------------

let desk: { db: Ledger; file: string };
let server: RunningServer;

before(async () => {
  desk = demoLedger();
  server = await startServer({ db: desk.db, rendererDir, port: 0, log: () => {} });
});
after(async () => {
  await server.close();
  desk.db.close();
});

async function call(channel: string, payload: unknown, session?: string): Promise<{ json: any; session: string | null }> {
  const r = await fetch(`${server.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', ...(session ? { 'X-Riskdesk-Session': session } : {}) },
    body: JSON.stringify(payload),
  });
  return { json: await r.json(), session: r.headers.get('x-riskdesk-session') };
}

async function login(name: string, password: string): Promise<string> {
  const r = await call('session.login', { name, password });
  assert.equal(r.json.ok, true, JSON.stringify(r.json));
  return r.session!;
}

test('browser mode: a demoted user is refused at the very next call, and signs in again with the new role', async () => {
  const admin = await login('admin', PASSWORDS.admin);
  const sup = await login('supervisor2', PASSWORDS.supervisor2);
  assert.equal((await call('calls.list', {}, sup)).json.ok, true);

  const demoted = await call('users.setRole', { name: 'supervisor2', role: 'operator', reason: 'moved to the operations desk' }, admin);
  assert.equal(demoted.json.ok, true, JSON.stringify(demoted.json));
  assert.equal(demoted.json.value.users.find((u: { name: string }) => u.name === 'supervisor2').role, 'operator');

  const next = await call('calls.list', {}, sup);
  assert.equal(next.json.ok, false);
  assert.equal(next.json.error.code, 'unauthenticated');
  assert.match(next.json.error.message, /ended by admin \(role changed from supervisor to operator\)/);

  const again = await login('supervisor2', PASSWORDS.supervisor2);
  const who = (await call('session.whoami', {}, again)).json.value;
  assert.deepEqual([who.name, who.role], ['supervisor2', 'operator']);
  // Its capabilities are the new role's: a supervisor's waiver is no longer among them.
  assert.equal(who.capabilities['calls.waive'].allowed, false);
  // The journal records the change with who made it, and no password anywhere.
  const entry = desk.db.prepare("SELECT actor, result FROM journal WHERE command = 'users.setRole'").get() as { actor: string; result: string };
  assert.equal(entry.actor, 'admin');
  assert.match(entry.result, /"sessionsEnded":\[\d+\]/);
});

test('browser mode: a disable, and a revoke from the CLI (another process), end sessions at once', async () => {
  const admin = await login('admin', PASSWORDS.admin);
  const viewer = await login('viewer', PASSWORDS.viewer);
  const disabled = await call('users.disable', { name: 'viewer', reason: 'left the desk' }, admin);
  assert.equal(disabled.json.ok, true, JSON.stringify(disabled.json));
  assert.match((await call('dashboard.summary', {}, viewer)).json.error.message, /ended by admin \(disabled: left the desk\)/);
  const refused = await call('session.login', { name: 'viewer', password: PASSWORDS.viewer });
  assert.equal(refused.json.error.code, 'disabled');
  assert.equal(refused.session, null);
  await call('users.enable', { name: 'viewer', reason: 'back' }, admin);

  const operator = await login('operator', PASSWORDS.operator);
  // Not spawnSync: this process serves the console, and must keep answering while the CLI runs.
  const asAdmin = (args: string[]) => startRiskdesk([...args, '--as', 'admin'], { env: { RISKDESK_PASSWORD: PASSWORDS.admin } }).done;
  const listed = await asAdmin(['sessions', '--db', desk.file, '--json']);
  assert.equal(listed.code, 0, listed.describe());
  const mine = listed.json<{ id: number; user: string }[]>().filter((s) => s.user === 'operator');
  assert.equal(mine.length, 1);
  const revoked = await asAdmin(['sessions', 'revoke', '--db', desk.file, '--session', String(mine[0]!.id), '--reason', 'shared screen']);
  assert.equal(revoked.code, 0, revoked.describe());
  assert.match((await call('calls.list', {}, operator)).json.error.message, /ended by admin \(revoked: shared screen\)/);
  // The admin may not do this to a viewer: the contract's role, checked by the command layer.
  assert.equal((await call('users.list', {}, await login('viewer', PASSWORDS.viewer))).json.error.code, 'forbidden');
});

// ---- the command layer on a real ledger ------------------------------------------------------------------------

test('granting admin or supervisor takes a second admin; the sole admin may make the second one', async () => {
  const { db } = demoLedger();
  // With one admin, the only way to ever have two: made alone, and journalled as such.
  await run(db, ADMIN, 'users.create', { name: 'ada', role: 'admin', password: 'correct horse battery', reason: 'second admin' });
  assert.equal(findUser(db, 'ada')!.role, 'admin');
  assert.match(db.prepare("SELECT result FROM journal WHERE command = 'users.create'").pluck().get() as string, /"soleAdmin":true/);
  assert.doesNotMatch(db.prepare("SELECT payload FROM journal WHERE command = 'users.create'").pluck().get() as string, /horse/);

  // Now there are two: the operator's promotion waits for the other admin.
  const asked = (await run(db, ADMIN, 'users.setRole', { name: 'operator', role: 'admin', reason: 'runs the desk now' })) as any;
  assert.equal(findUser(db, 'operator')!.role, 'operator');
  const grant = asked.grants.find((g: { user: string }) => g.user === 'operator');
  assert.equal(grant.role, 'admin');
  await assert.rejects(run(db, ADMIN, 'users.confirmGrant', { grant: grant.id }), refusal('four_eyes', /a second admin must confirm/));
  await assert.rejects(
    run(db, ADMIN, 'users.setRole', { name: 'operator', role: 'supervisor', reason: 'again' }),
    refusal('pending', /waiting for a second admin/),
  );
  await run(db, { name: 'ada', role: 'admin' }, 'users.confirmGrant', { grant: grant.id, note: 'agreed' });
  assert.equal(findUser(db, 'operator')!.role, 'admin');
  // Demoting back is at once; the last admin who can sign in is kept.
  await run(db, ADMIN, 'users.setRole', { name: 'operator', role: 'viewer', reason: 'back' });
  await run(db, ADMIN, 'users.disable', { name: 'ada', reason: 'gone' });
  await assert.rejects(run(db, ADMIN, 'users.setRole', { name: 'admin', role: 'viewer', reason: 'x y z' }), refusal('last_admin'));
  await assert.rejects(run(db, ADMIN, 'users.disable', { name: 'admin', reason: 'x y z' }), refusal('self'));
});

test('a user an admin created must change the password before anything else; old hashes are re-hashed at sign-in', async () => {
  const { db } = demoLedger();
  await assert.rejects(run(db, ADMIN, 'users.create', { name: 'dana', role: 'operator', password: 'short' }), /at least 12 characters/);
  await run(db, ADMIN, 'users.create', { name: 'dana', role: 'operator', password: 'first password 1' });
  const { actor } = await signIn(db, { name: 'dana', password: 'first password 1', source: 'test' }, now);
  assert.equal(actor.mustChangePassword, true);
  await assert.rejects(run(db, actor, 'calls.list', {}), refusal('password_change_required'));
  await assert.rejects(run(db, actor, 'session.changePassword', { current: 'wrong', next: 'second password 2' }), refusal('bad_credentials'));
  await run(db, actor, 'session.changePassword', { current: 'first password 1', next: 'second password 2' });
  const after = await signIn(db, { name: 'dana', password: 'second password 2', source: 'test' }, now);
  assert.equal(after.actor.mustChangePassword, undefined);
  assert.ok(Array.isArray(await run(db, after.actor, 'calls.list', {})));

  // A hash made at N=16384 (today's main) verifies, and is replaced by one at the current parameters.
  const salt = Buffer.alloc(16, 7);
  const old = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync('legacy password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
  insertUser(db, { name: 'legacy', role: 'viewer', passwordHash: old, createdAt: new Date().toISOString() });
  await signIn(db, { name: 'legacy', password: 'legacy password', source: 'test' }, now);
  assert.match(findUser(db, 'legacy')!.passwordHash, /^scrypt\$131072\$8\$1\$/);
});

test('the demo hashes are those of the demo passwords', async () => {
  const checks = Object.entries(PASSWORDS).map(([name, pw]) => verifyPassword(pw, DEMO_PASSWORD_HASHES[name]!));
  assert.deepEqual(await Promise.all(checks), [true, true, true, true, true]);
});

// ---- the CLI as a process ---------------------------------------------------------------------------------------

test('CLI: failed sign-ins are journalled, then lock the user; an admin reset lifts the lock', async (t) => {
  const d = tempDir(t);
  const db = path.join(d, 'desk.db');
  assert.equal((await riskdesk(['init', '--db', db, '--demo', '--accounts', '30'])).code, 0);
  const raw = openLedger(db);
  const now = <T,>(l: Ledger, a: Actor, ch: string, p: unknown) => dispatch({ db: l, actor: a, now: () => new Date() }, ch, p) as T;
  setPolicy(now, raw, 'signInLockAfter', '3');
  setPolicy(now, raw, 'signInBackoffSeconds', '0');
  raw.close();
  for (let i = 0; i < 3; i++) {
    const r = await riskdesk(['calls', '--db', db, '--as', 'operator'], { env: { RISKDESK_PASSWORD: 'guess' } });
    assert.equal(r.code, 1, r.describe());
    assert.match(r.stderr, /unknown user or wrong password/);
  }
  const locked = await riskdeskAs('operator', ['calls', '--db', db]);
  assert.equal(locked.code, 1, locked.describe());
  assert.match(locked.stderr, /sign-in for operator is locked after 3 failed attempts: try again after .*or ask an admin/);

  const check = openLedger(db);
  const failed = check.prepare("SELECT actor, payload, result FROM journal WHERE command = 'session.login'").all() as { actor: string; payload: string; result: string }[];
  check.close();
  assert.equal(failed.length, 3);
  assert.deepEqual(failed[0], { actor: 'anonymous', payload: `{"name":"operator","source":"cli:${os.userInfo().username}"}`, result: '{"failures":1,"ok":false}' });
  assert.match((await riskdesk(['verify', '--db', db])).stdout, /journal verified/);

  const reset = await riskdeskAs('admin', ['users', 'reset-password', '--db', db, '--name', 'operator', '--reason', 'locked out'], { env: { RISKDESK_NEW_PASSWORD: 'a new password 42' } });
  assert.equal(reset.code, 0, reset.describe());
  const first = await riskdesk(['calls', '--db', db, '--as', 'operator'], { env: { RISKDESK_PASSWORD: 'a new password 42' } });
  assert.equal(first.code, 1, first.describe());
  assert.match(first.stderr, /must change the password/);
  const changed = await riskdesk(['password', '--db', db, '--as', 'operator'], { env: { RISKDESK_PASSWORD: 'a new password 42', RISKDESK_NEW_PASSWORD: 'my own password 7' } });
  assert.equal(changed.code, 0, changed.describe());
  assert.equal((await riskdesk(['calls', '--db', db, '--as', 'operator'], { env: { RISKDESK_PASSWORD: 'my own password 7' } })).code, 0);
});

test('CLI: a ledger without the demo book starts with one admin whose password init takes from the environment', async (t) => {
  const d = tempDir(t);
  const db = path.join(d, 'desk.db');
  const none = await riskdesk(['init', '--db', db]);
  assert.equal(none.code, 2, none.describe());
  assert.match(none.stderr, /RISKDESK_ADMIN_PASSWORD/);
  assert.equal(fs.existsSync(db), false);
  const made = await riskdesk(['init', '--db', db, '--admin', 'root'], { env: { RISKDESK_ADMIN_PASSWORD: 'a long admin password' } });
  assert.equal(made.code, 0, made.describe());
  const list = await riskdesk(['users', '--db', db, '--as', 'root', '--json'], { env: { RISKDESK_PASSWORD: 'a long admin password' } });
  assert.equal(list.code, 0, list.describe());
  assert.deepEqual(list.json<{ users: { name: string; role: string }[] }>().users.map((u) => [u.name, u.role]), [['root', 'admin']]);
  // No demo user, no demo password.
  assert.equal((await riskdeskAs('admin', ['calls', '--db', db])).code, 1);
});
