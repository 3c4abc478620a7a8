// The ledger's bad days, each through the real `riskdesk` process on real files (issue 19): a 0-byte or foreign file
// given as --db, a damaged page, a read-only file or folder, a full disk. Each ends in one clear line and the exit
// code of the README's table (2 bad input, 5 cannot write, 6 damaged), never a stack trace, and the file is left as
// it was: an empty file is never made into a ledger, a read-only ledger still reads and verifies.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { BIN, NODE, ROOT, childEnv, PASSWORDS, copyLedger, sha256File, journalOf, type CliResult } from './support/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-fail-'));
// The unprivileged runs below must reach their folders.
fs.chmodSync(dir, 0o755);
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const golden = path.join(dir, 'golden.db');

before(() => {
  const db = openLedger(golden, { create: true });
  initLedger(db, { demo: true, accounts: 60, seed: 9 }, new Date(Date.now() - 3_600_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const s of ['-wal', '-shm']) fs.rmSync(golden + s, { force: true });
});

const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

/** `riskdesk ...args` as a child process; `asNobody` runs it as an unprivileged user (root ignores file modes). */
function cli(args: string[], o: { as?: keyof typeof PASSWORDS; asNobody?: boolean; env?: Record<string, string> } = {}): CliResult {
  const argv = o.as ? [...args, '--as', o.as] : args;
  const env = childEnv({ ...(o.as ? { RISKDESK_PASSWORD: PASSWORDS[o.as] } : {}), ...o.env });
  const r = spawnSync(NODE, [BIN, ...argv], {
    cwd: ROOT,
    env,
    input: '',
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
    ...(o.asNobody && IS_ROOT ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const describe = () => `riskdesk ${argv.join(' ')} -> ${r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, argv, describe, json: () => JSON.parse(r.stdout) };
}

/** Exactly one line on stderr, without a stack trace. */
function oneLine(r: CliResult, pattern: RegExp): void {
  assert.match(r.stderr, /^riskdesk: [^\n]+\n$/, r.describe());
  assert.doesNotMatch(r.stderr, /\n\s+at /, r.describe());
  assert.match(r.stderr, pattern, r.describe());
}

function fresh(name: string): string {
  const sub = fs.mkdtempSync(path.join(dir, `${name}-`));
  return copyLedger(golden, path.join(sub, 'desk.db'));
}

test('a 0-byte file as --db is refused (exit 2) and left at 0 bytes: it is never made into an empty ledger', () => {
  const file = path.join(dir, 'empty.db');
  fs.writeFileSync(file, '');
  for (const args of [['calls', '--db', file], ['verify', '--db', file], ['import', '--db', file, 'prices', path.join(ROOT, 'test', 'fixtures', 'csv', 'good', 'prices.csv')]]) {
    const r = cli(args);
    assert.equal(r.code, 2, r.describe());
    oneLine(r, /empty \(0 bytes\), not a Riskdesk ledger/);
  }
  const r = cli(['cycle', '--db', file], { as: 'operator' });
  assert.equal(r.code, 2, r.describe());
  assert.equal(fs.statSync(file).size, 0);
  assert.equal(fs.existsSync(`${file}-wal`), false);
  // init makes a ledger only in a new file.
  const init = cli(['init', '--db', file, '--demo', '--accounts', '10']);
  assert.equal(init.code, 2, init.describe());
  assert.equal(fs.statSync(file).size, 0);
});

test("a foreign file (text, another program's empty SQLite database) as --db is refused and left unchanged", () => {
  const text = path.join(dir, 'notes.db');
  fs.writeFileSync(text, 'account,amount\nA1,100\n');
  const sqliteEmpty = path.join(dir, 'other.db');
  new Database(sqliteEmpty).close();
  for (const file of [text, sqliteEmpty]) {
    const before = sha256File(file);
    const r = cli(['calls', '--db', file]);
    assert.equal(r.code, 2, r.describe());
    oneLine(r, /not a Riskdesk ledger/);
    assert.equal(sha256File(file), before, `${file} was changed`);
  }
});

/** Overwrites the root page of the positions table with garbage: the damage a bad disk or a stray write does. */
function damage(file: string): void {
  const db = new Database(file, { readonly: true });
  const root = Number(db.prepare("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'positions'").pluck().get());
  const page = Number(db.pragma('page_size', { simple: true }));
  db.close();
  assert.ok(root > 1);
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(page, 0xa5), 0, page, (root - 1) * page);
  } finally {
    fs.closeSync(fd);
  }
}

test('a damaged page: verify names it from integrity_check (exit 6, one line); the next cycle says the ledger is damaged, no stack', () => {
  const file = fresh('damaged');
  damage(file);
  const v = cli(['verify', '--db', file]);
  assert.equal(v.code, 6, v.describe());
  oneLine(v, /is damaged: PRAGMA integrity_check (says "[^"]+"|could not read it).*; restore it from a backup/);
  const c = cli(['cycle', '--db', file], { as: 'operator' });
  assert.equal(c.code, 6, c.describe());
  oneLine(c, /is damaged.*restore it from a backup/);
});

test('a read-only ledger file: reads and verify work (exit 0); a change is refused with exit 5, nothing changed', () => {
  const file = fresh('rofile');
  fs.chmodSync(path.dirname(file), 0o777);
  fs.chmodSync(file, 0o444);
  const before = journalOf(file).length;
  const env = { RISKDESK_CONFIG_DIR: fs.mkdtempSync(path.join(dir, 'cfg-')) };
  fs.chmodSync(env.RISKDESK_CONFIG_DIR, 0o777);
  if (!IS_ROOT) assert.equal(fs.statSync(file).mode & 0o222, 0);
  const calls = cli(['calls', '--db', file], { asNobody: true, env });
  assert.equal(calls.code, 0, calls.describe());
  const verify = cli(['verify', '--db', file], { asNobody: true, env });
  assert.equal(verify.code, 0, verify.describe());
  assert.match(verify.stdout, /journal verified/);
  const cycle = cli(['cycle', '--db', file], { as: 'operator', asNobody: true, env });
  assert.equal(cycle.code, 5, cycle.describe());
  oneLine(cycle, /cannot be written \(the file or its folder is read-only, or not yours\): nothing was changed; reading still works/);
  assert.equal(journalOf(file).length, before);
});

test('a ledger in a read-only folder (no room for its WAL files): reads and verify work; a change is refused with exit 5', () => {
  const file = fresh('rodir');
  const folder = path.dirname(file);
  fs.chmodSync(file, 0o644);
  fs.chmodSync(folder, 0o555);
  const env = { RISKDESK_CONFIG_DIR: fs.mkdtempSync(path.join(dir, 'cfg-')) };
  fs.chmodSync(env.RISKDESK_CONFIG_DIR, 0o777);
  try {
    const calls = cli(['calls', '--db', file], { asNobody: true, env });
    assert.equal(calls.code, 0, calls.describe());
    const verify = cli(['verify', '--db', file], { asNobody: true, env });
    assert.equal(verify.code, 0, verify.describe());
    const cycle = cli(['cycle', '--db', file], { as: 'operator', asNobody: true, env });
    assert.equal(cycle.code, 5, cycle.describe());
    oneLine(cycle, /cannot be written/);
    assert.deepEqual(fs.readdirSync(folder), ['desk.db']);
  } finally {
    fs.chmodSync(folder, 0o755);
  }
});

test('a full disk: the cycle is refused with exit 5 and one line; with space again the ledger verifies and the cycle runs', (t) => {
  const mnt = fs.mkdtempSync(path.join(dir, 'mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    t.skip('a small file system cannot be mounted here (needs root): the full disk is not tried');
    return;
  }
  try {
    const file = copyLedger(golden, path.join(mnt, 'desk.db'));
    // Fill what is left, but for room for the WAL index (32 KiB): the cycle's writes are what finds the disk full.
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    fs.truncateSync(filler, fs.statSync(filler).size - 64 * 1024);
    const before = journalOf(file).length;
    const cycle = cli(['cycle', '--db', file], { as: 'operator' });
    assert.equal(cycle.code, 5, cycle.describe());
    oneLine(cycle, /the disk holding .* is full: nothing was changed; free some space and try again/);
    fs.rmSync(filler);
    const verify = cli(['verify', '--db', file]);
    assert.equal(verify.code, 0, verify.describe());
    assert.equal(journalOf(file).length, before);
    const again = cli(['cycle', '--db', file], { as: 'operator' });
    assert.equal(again.code, 0, again.describe());
  } finally {
    execFileSync('umount', [mnt]);
  }
});
