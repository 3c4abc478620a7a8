// Helpers for tests of the `riskdesk` command line: run the real CLI against real ledger files, in this process
// (`riskdesk`: main(argv, io) with captured output, as fast as a function call) or as a child process
// (`riskdeskProcess`, `startRiskdesk`: bin/riskdesk.js under the project's pinned Node, for exit codes, signals and
// crash safety); make throw-away directories; and read a ledger directly with better-sqlite3 (read-only) to check
// what the CLI left in it. No mocks: everything here is the real program.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../main/cli/main.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'riskdesk.js');
const PINNED_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
/** The Node the project pins (22.18+, runs .ts directly); the running one when the pinned binary is absent. */
export const NODE = fs.existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath;

/** The demo users and their passwords (main/demo). */
export const PASSWORDS = {
  viewer: 'viewer-demo',
  operator: 'operator-demo',
  supervisor: 'supervisor-demo',
  supervisor2: 'supervisor2-demo',
  admin: 'admin-demo',
} as const;
export type DemoUser = keyof typeof PASSWORDS;

export interface CliOptions {
  /** Extra environment (merged over a cleaned copy of the test's environment). */
  env?: Record<string, string | undefined>;
  /** Text on stdin (default: empty and not a terminal, so a password prompt can never wait for a person). */
  input?: string;
}

export interface ProcessOptions extends CliOptions {
  cwd?: string;
  /** Hard limit for the process (default 60 s); the child is SIGKILLed and the helper throws when it is reached. */
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The command line, for assertion messages. */
  argv: string[];
  /** stdout parsed as JSON (throws with the output quoted when it is not JSON). */
  json<T = any>(): T;
  /** A one-line description for assertion messages. */
  describe(): string;
}

let configDir: string | null = null;

/** A private config folder for the CLI children of this test process (removed when it exits). */
export function testConfigDir(): string {
  if (configDir === null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-config-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    configDir = dir;
  }
  return configDir;
}

/** The environment a CLI child runs with: the test runner's own variables and any password removed. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'RISKDESK_PASSWORD']) delete env[k];
  // Checkpoints and their key go to this test process's own folder, never the user's config.
  env.RISKDESK_CONFIG_DIR = testConfigDir();
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function result(argv: string[], code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string): CliResult {
  const describe = () =>
    `riskdesk ${argv.join(' ')} -> code ${code}${signal ? ` signal ${signal}` : ''}\n--- stdout ---\n${stdout.slice(0, 2000)}\n--- stderr ---\n${stderr.slice(0, 2000)}`;
  return {
    code,
    signal,
    stdout,
    stderr,
    argv,
    describe,
    json<T>(): T {
      try {
        return JSON.parse(stdout) as T;
      } catch (e) {
        throw new Error(`stdout is not JSON (${(e as Error).message}): ${describe()}`, { cause: e });
      }
    },
  };
}

/**
 * Runs `riskdesk ...args` in this process (main/cli/main.ts with its output captured, stdin not a terminal) and
 * returns its exit code and output, as the process would have them.
 */
export async function riskdesk(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from(opts.input === undefined ? [] : [opts.input]),
    env: childEnv(opts.env),
  });
  return result(args, code, null, stdout, stderr);
}

/** Runs `riskdesk ...args` in this process, signed in as a demo user (--as USER, password from RISKDESK_PASSWORD). */
export function riskdeskAs(user: DemoUser, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return riskdesk([...args, '--as', user], { ...opts, env: { RISKDESK_PASSWORD: PASSWORDS[user], ...opts.env } });
}

/** Runs `riskdesk ...args` as a child process to completion (synchronously): its exit code, signal and output. */
export function riskdeskProcess(args: string[], opts: ProcessOptions = {}): CliResult {
  const timeout = opts.timeoutMs ?? 60_000;
  const r = spawnSync(NODE, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: childEnv(opts.env),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `did not finish within ${timeout} ms` : r.error.message;
    throw new Error(`riskdesk ${args.join(' ')}: ${why}\n--- stdout ---\n${r.stdout ?? ''}\n--- stderr ---\n${r.stderr ?? ''}`);
  }
  return result(args, r.status, r.signal, r.stdout, r.stderr);
}

/** riskdeskProcess signed in as a demo user (--as USER, password from RISKDESK_PASSWORD). */
export function riskdeskAsProcess(user: DemoUser, args: string[], opts: ProcessOptions = {}): CliResult {
  return riskdeskProcess([...args, '--as', user], { ...opts, env: { RISKDESK_PASSWORD: PASSWORDS[user], ...opts.env } });
}

/** Starts the CLI without waiting for it (for kill tests). stdout and stderr are collected. */
export function startRiskdesk(args: string[], opts: Pick<ProcessOptions, 'env' | 'cwd'> = {}): {
  child: ChildProcess;
  done: Promise<CliResult & { ms: number }>;
} {
  const t0 = performance.now();
  const child = spawn(NODE, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult & { ms: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ ...result(args, code, signal, stdout, stderr), ms: performance.now() - t0 }));
  });
  return { child, done };
}

// ---- temp dirs --------------------------------------------------------------------------------------------------

/** A fresh directory under the OS temp dir. Pass the test context (anything with after()) to remove it afterwards. */
export function tempDir(t?: { after(fn: () => void): void }, prefix = 'riskdesk-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t?.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Copies a closed ledger (with its -wal/-shm sidecars when present) to `to`. */
export function copyLedger(from: string, to: string): string {
  fs.copyFileSync(from, to);
  for (const s of ['-wal', '-shm']) {
    if (fs.existsSync(from + s)) fs.copyFileSync(from + s, to + s);
    else fs.rmSync(to + s, { force: true });
  }
  return to;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// ---- reading a ledger directly ----------------------------------------------------------------------------------

export type Ledger = Database.Database;

/** Opens a ledger read-only (an open WAL left by a crash is recovered for reading, not written back). */
export function openReadOnly(file: string): Ledger {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  return db;
}

/**
 * The ledger as a database sees it, committed pages of its WAL included, hashed: what "not a byte changed" means for a
 * ledger a console holds open. The files alone are not that: the console's checkpoint thread (ledger/checkpointThread.ts)
 * copies committed WAL frames into the main file at any moment, which changes its bytes and not the ledger.
 */
export function ledgerImageSha(file: string): string {
  return withLedger(file, (db) => createHash('sha256').update(db.serialize()).digest('hex'));
}

/** Opens a ledger read-only, runs fn, closes it. */
export function withLedger<T>(file: string, fn: (db: Ledger) => T): T {
  const db = openReadOnly(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** SELECT count(*) of a table (a plain number). */
export function count(db: Ledger, table: string, where = '', ...params: unknown[]): number {
  return Number(db.prepare(`SELECT count(*) FROM "${table}" ${where ? `WHERE ${where}` : ''}`).pluck().get(...params) as bigint);
}

export function tableNames(db: Ledger): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
}

function cell(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  return v;
}

/** Every row of one table, ordered by all its columns, as JSON-safe values (bigint 'Nn', blobs x'hex'). */
export function tableRows(db: Ledger, table: string): unknown[][] {
  const cols = (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]);
  const order = cols.map((_, i) => String(i + 1)).join(', ');
  return (db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).raw().all() as unknown[][]).map((r) => r.map(cell));
}

/**
 * A table's rows as the ledger's state, which is what its readers see (and what verify --deep compares): the rows of a
 * series import still being published in chunks, or left by one whose process died, are hidden and not state, nor is
 * the generation mark a row carries, nor the bookkeeping of those publishes (main/ledger/seriesPublish.ts).
 */
function stateRows(db: Ledger, table: string): unknown[][] {
  const cols = db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[];
  if (table === 'sqlite_sequence') return tableRows(db, table).filter((r) => r[0] !== 'import_publishing');
  if (!cols.includes('publishing')) return tableRows(db, table);
  const shown = cols.filter((c) => c !== 'publishing');
  const order = shown.map((_, i) => String(i + 1)).join(', ');
  const sql = `SELECT ${shown.map((c) => `"${c}"`).join(', ')} FROM "${table}" WHERE publishing IS NULL OR publishing NOT IN (SELECT generation FROM import_publishing) ORDER BY ${order}`;
  return (db.prepare(sql).raw().all() as unknown[][]).map((r) => r.map(cell));
}

export interface LedgerDump {
  /** table -> sha256 of its rows (ordered), and row counts. */
  tables: Record<string, { rows: number; sha256: string }>;
  /** The schema (tables, indexes, triggers) as stored. */
  schema: string;
  journalHead: { seq: number; hash: string } | null;
}

/** A fingerprint of every table of a ledger, for "nothing changed" assertions. */
export function dumpLedger(file: string): LedgerDump {
  return withLedger(file, (db) => {
    const tables: LedgerDump['tables'] = {};
    for (const t of tableNames(db)) {
      if (t === 'import_publishing') continue;
      const rows = stateRows(db, t);
      tables[t] = { rows: rows.length, sha256: createHash('sha256').update(JSON.stringify(rows)).digest('hex') };
    }
    const schema = (db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').raw().all() as unknown[][])
      .map((r) => r.join('|'))
      .join('\n');
    const head = db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').get() as { seq: bigint; hash: string } | undefined;
    return { tables, schema, journalHead: head ? { seq: Number(head.seq), hash: head.hash } : null };
  });
}

export interface JournalRow {
  seq: number;
  at: string;
  actor: string;
  command: string;
  payload: any;
  result: any;
  hash: string;
  prevHash: string;
}

/** The journal, oldest first, payload and result parsed. */
export function journal(db: Ledger): JournalRow[] {
  const rows = db.prepare('SELECT seq, at, actor, command, payload, result, hash, prev_hash FROM journal ORDER BY seq').all() as {
    seq: bigint;
    at: string;
    actor: string;
    command: string;
    payload: string;
    result: string;
    hash: string;
    prev_hash: string;
  }[];
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    command: r.command,
    payload: JSON.parse(r.payload),
    result: JSON.parse(r.result),
    hash: r.hash,
    prevHash: r.prev_hash,
  }));
}

export function journalOf(file: string): JournalRow[] {
  return withLedger(file, journal);
}

// ---- exact decimals ---------------------------------------------------------------------------------------------

/** A decimal string of USD as an exact count of micro-USD (the ledger's amount unit). */
export function micros(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) throw new Error(`not a decimal with at most 6 places: ${s}`);
  const v = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -v : v;
}

/** Micro-USD as the shortest decimal string ("1000.5", "0"). */
export function fromMicros(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / 1_000_000n}${frac ? `.${frac}` : ''}`;
}

// ---- seeded randomness ------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
