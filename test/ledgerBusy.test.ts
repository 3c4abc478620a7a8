// A ledger another process is writing (issue 19): a real second process holds SQLite's write lock (BEGIN IMMEDIATE,
// as a long CLI import does) while the console and the CLI try to change the ledger. They must say the ledger is busy
// and how often they tried, after a bounded wait, with the console's event loop free all the while; never "internal
// error", never a change half made; and once the lock is gone, the change goes through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { Door } from '../main/doors/invoke.ts';
import { NODE, startRiskdesk, PASSWORDS, journalOf } from './support/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-busy-'));
const file = path.join(dir, 'desk.db');
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const SQLITE = createRequire(import.meta.url).resolve('better-sqlite3');

let db: Ledger;

before(() => {
  const made = openLedger(file, { create: true });
  initLedger(made, { demo: true, accounts: 40, seed: 11 }, new Date(Date.now() - 3_600_000));
  made.close();
  db = openLedger(file);
});

after(() => db.close());

/** A second process that takes the ledger's write lock and holds it until told to let go (or killed). */
async function holdWriteLock(): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const script = `
    const Database = require(${JSON.stringify(SQLITE)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
  `;
  const child = spawn(NODE, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    child.stdout!.setEncoding('utf8').once('data', (s: string) => (s.startsWith('locked') ? resolve() : reject(new Error(s))));
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    release: async () => {
      child.stdin!.write('go\n');
      await exited;
    },
  };
}

/** The longest the event loop went without running a 10 ms timer while `p` was pending. */
async function loopGapWhile<T>(p: Promise<T>): Promise<{ value: T; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  try {
    return { value: await p, maxGapMs };
  } finally {
    clearInterval(timer);
  }
}

async function signedInDoor(): Promise<{ door: Door; sid: string }> {
  const door = new Door({ db, log: () => {}, resident: false, busy: { retries: 6, pauseMs: 100, waitMs: 40 } });
  const r = await door.invokeAsync({ kind: 'browser', sid: null }, 'session.login', { name: 'operator', password: PASSWORDS.operator });
  assert.equal(r.result.ok, true, JSON.stringify(r.result));
  return { door, sid: r.session! };
}

test('the console, while another process writes: "the ledger is busy ... retried N times", nothing changed, the event loop free', async () => {
  const { door, sid } = await signedInDoor();
  const before = journalOf(file).length;
  const lock = await holdWriteLock();
  try {
    // A read is answered at once: WAL readers do not wait for the writer.
    const read = await door.invokeAsync({ kind: 'browser', sid }, 'session.whoami', {});
    assert.equal(read.result.ok, true);
    const { value, maxGapMs } = await loopGapWhile(door.invokeAsync({ kind: 'browser', sid }, 'cycle.run', {}));
    assert.equal(value.result.ok, false);
    const error = (value.result as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'ledger_busy');
    assert.match(error.message, /^the ledger is busy \(another process is writing\): retried 6 times over \d+\.\d s; nothing was changed/);
    // SQLite blocks the thread for one attempt's wait (40 ms) at most; the pauses between attempts are timers.
    assert.ok(maxGapMs < 400, `the event loop was held for ${maxGapMs.toFixed(0)} ms`);
  } finally {
    await lock.release();
  }
  assert.equal(journalOf(file).length, before, 'nothing was journalled');
});

test('the lock let go while the console is retrying: the change goes through', async () => {
  const { door, sid } = await signedInDoor();
  const before = journalOf(file).length;
  const lock = await holdWriteLock();
  const pending = door.invokeAsync({ kind: 'browser', sid }, 'cycle.run', {});
  setTimeout(() => void lock.release(), 250);
  const r = await pending;
  assert.equal(r.result.ok, true, JSON.stringify(r.result));
  assert.equal(journalOf(file).length, before + 1);
});

test('the CLI, while another process writes: exit 4 and one line saying the ledger is busy, no stack trace', async () => {
  const before = journalOf(file).length;
  const lock = await holdWriteLock();
  try {
    const { done } = startRiskdesk(['cycle', '--db', file, '--as', 'operator'], { env: { RISKDESK_PASSWORD: PASSWORDS.operator } });
    const r = await done;
    assert.equal(r.code, 4, r.describe());
    assert.match(r.stderr, /^riskdesk: the ledger is busy \(another process is writing\): retried 40 times over \d+\.\d s; nothing was changed, try again when it is done\n$/);
  } finally {
    await lock.release();
  }
  assert.equal(journalOf(file).length, before);
});
