// Opening the ledger: one SQLite file (better-sqlite3), WAL, foreign keys on, schema migrated.
//
// INTEGER columns come back as bigint (db.defaultSafeIntegers(true)): amounts are int64 micro-units and a JS number
// would silently lose digits above 2^53. Counts and scales read from the ledger must be converted with Number();
// a statement that only reads small integers may opt out with stmt.safeIntegers(false).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS, latestVersion, runMigrations } from './migrations/index.ts';
import { InputError } from '../../shared/errors.ts';

export type Ledger = Database.Database;

/** The schema version this build of the application writes and expects. */
export const LATEST_VERSION: number = latestVersion(MIGRATIONS);

export interface OpenOptions {
  /** Open read-only: no pragmas that write, no migration (the file must already be at LATEST_VERSION). */
  readonly?: boolean;
  /** Create the file when it does not exist (otherwise a missing file is an error). */
  create?: boolean;
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * A file given as a ledger that cannot be one: empty (SQLite would silently make it a new, empty ledger) or not an
 * SQLite file at all. Only `init` makes a new ledger, and never over an existing file.
 */
function refuseNonLedger(file: string): void {
  const size = fs.statSync(file).size;
  if (size === 0) throw new InputError(`${file} is empty (0 bytes), not a Riskdesk ledger: it is left as it is (riskdesk init makes a new ledger in a new file)`);
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(SQLITE_MAGIC)) throw new InputError(`${file} is not a Riskdesk ledger (not an SQLite database file)`);
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A ledger this user may not write (a read-only file or folder): opened read-only, so that reads, verify and exports
 * still work and every change is refused by SQLite (main/ledger/failures.ts names it). Where the folder will not take
 * the WAL's side files and there are none, a copy in memory is read: with no -wal file, the file is all there is.
 */
function openReadOnly(file: string): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // SQLite finds out that it cannot make the WAL index only when it first reads.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (e) {
    db?.close();
    const code = e instanceof Database.SqliteError ? e.code : '';
    if (fs.existsSync(`${file}-wal`) || !(code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')) throw e;
    const image = fs.readFileSync(file);
    // Bytes 18 and 19 say WAL; an image in memory has no WAL, so it is read as a rollback-journal file.
    image[18] = 1;
    image[19] = 1;
    return new Database(image, { readonly: true });
  }
}

/**
 * Opens (and, unless read-only, migrates) a ledger file. Refuses: a missing file without `create`, a file that is
 * another application's database, and a file whose schema is newer than LATEST_VERSION (the message names both).
 * The returned connection has journal_mode=WAL, synchronous=NORMAL (FULL with RISKDESK_SYNC=full), foreign_keys=ON, busy_timeout=5000,
 * trusted_schema=OFF and returns INTEGER columns as bigint.
 */
export function openLedger(file: string, opts: OpenOptions = {}): Ledger {
  const create = opts.create === true;
  if (opts.readonly === true && create) throw new Error(`cannot create ledger ${file} read-only`);
  const inMemory = file === ':memory:';
  let made = false;
  if (!inMemory && !fs.existsSync(file)) {
    if (!create) throw new Error(`ledger file not found: ${file} (pass create to make a new ledger)`);
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw new Error(`cannot create ledger ${file}: directory ${dir} does not exist`);
    // The ledger holds password hashes: only its owner may read it. SQLite gives the -wal and -shm files the mode
    // of the database file, so they are 0600 too.
    fs.writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
    made = true;
  } else if (!inMemory && fs.statSync(file).isDirectory()) {
    throw new Error(`ledger path is a directory: ${file}`);
  } else if (!inMemory && !made) {
    refuseNonLedger(file);
  }
  // Not ours to write: read-only, whatever was asked (a change is then refused, saying why).
  const readonly = opts.readonly === true || (!inMemory && fs.existsSync(file) && (!writable(file) || !writable(path.dirname(path.resolve(file)))));

  let db: Ledger;
  try {
    db = readonly && !inMemory ? openReadOnly(file) : new Database(file, { readonly, fileMustExist: !create });
  } catch (e) {
    if (made) fs.rmSync(file, { force: true });
    throw new Error(`cannot open ledger ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    db.defaultSafeIntegers(true);
    db.pragma('busy_timeout = 5000');
    db.pragma('trusted_schema = OFF');
    db.pragma('foreign_keys = ON');

    const version = Number(db.pragma('user_version', { simple: true }));
    if (version > LATEST_VERSION) {
      throw new Error(
        `ledger ${file} has schema version ${version}, newer than this application's latest version ` +
          `${LATEST_VERSION}: use a newer Riskdesk to open it`,
      );
    }
    const appId = Number(db.pragma('application_id', { simple: true }));
    if (appId !== APPLICATION_ID) {
      const objects = Number(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get());
      if (appId !== 0 || version !== 0 || objects !== 0) {
        throw new Error(`${file} is not a Riskdesk ledger (application_id ${appId}, user_version ${version})`);
      }
      // An empty SQLite database is made a ledger only when a new one was asked for.
      if (!create && !inMemory) throw new InputError(`${file} is an empty database, not a Riskdesk ledger: it is left as it is (riskdesk init makes a new ledger in a new file)`);
    }

    if (readonly) {
      if (version < LATEST_VERSION) {
        throw new Error(
          `ledger ${file} has schema version ${version}, older than this application's version ` +
            `${LATEST_VERSION}: open it read-write once to migrate it`,
        );
      }
      return db;
    }

    if (!inMemory) {
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal') throw new Error(`ledger ${file} cannot use WAL journal mode (got ${mode})`);
    }
    // WAL with synchronous=NORMAL: a commit is in the WAL file (the OS has it) before it returns, so a killed or
    // crashed process loses nothing and the file is always consistent; only an OS crash or power cut can lose the
    // last commits since the latest checkpoint. FULL would fsync every commit (0.4 ms median, 1.5 ms p99 measured
    // here), which breaks the price-tick-to-call budget; RISKDESK_SYNC=full restores it for those who want it.
    db.pragma(process.env.RISKDESK_SYNC === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    runMigrations(db, MIGRATIONS);
    return db;
  } catch (e) {
    db.close();
    if (made) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    if (e instanceof Database.SqliteError) throw new Error(`ledger ${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * How long one attempt waits for another process's write lock, in SQLite (which blocks the thread). The console's
 * doors keep it short and wait between attempts off the event loop instead (main/commands/busy.ts).
 */
export function setBusyWait(db: Ledger, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(ms))}`);
}

/** SQLite's own check of the file (every page, index and constraint): the problems found, none when it is sound. */
export function integrityProblems(db: Ledger, max = 20): string[] {
  const rows = db.pragma(`integrity_check(${Math.max(1, Math.trunc(max))})`) as { integrity_check: string }[];
  const lines = rows.map((r) => r.integrity_check);
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}

/**
 * Makes a new ledger file and fills it with `init` (the demo book, a first admin): either the whole ledger is there
 * when this returns, open, or nothing is left at `file` (nor its -wal and -shm). The one "create, delete on failure"
 * of `riskdesk init`, `riskdesk serve --demo-if-missing` and the app's first start. A file that exists, or a path
 * where none can be made, is bad input.
 */
export function createLedger<T>(file: string, init: (db: Ledger) => T): { db: Ledger; value: T } {
  if (fs.existsSync(file)) throw new InputError(`${file} already exists: a new ledger never overwrites one`);
  const removeAll = () => {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  };
  let db: Ledger;
  try {
    db = openLedger(file, { create: true });
  } catch (e) {
    // A missing directory, an unwritable place: the path given is the problem, not the program.
    removeAll();
    throw new InputError((e as Error).message);
  }
  try {
    return { db, value: init(db) };
  } catch (e) {
    db.close();
    removeAll();
    throw e;
  }
}

/**
 * A passive checkpoint (it never waits for readers or writers) that, when it has copied every frame into the
 * database file, also restarts the WAL at once. The first commit into a restarted WAL fsyncs the WAL's header
 * (SQLite does, so that a write reordered after a restart cannot corrupt the file), and without this the commit
 * that paid for it was the next command's: on the live ticker, the next price tick's path to its calls (0.5 to
 * 0.7 ms more measured on the 100k ledger). The restart is a write that changes nothing: user_version set to the
 * value it has, read and written under the write lock. Returns whether the WAL was restarted.
 */
export function checkpointWal(db: Ledger): boolean {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: bigint | number; log: bigint | number; checkpointed: bigint | number }[];
  if (!row || Number(row.busy) !== 0 || Number(row.log) <= 0 || Number(row.checkpointed) !== Number(row.log)) return false;
  db.transaction(() => {
    const version = Number(db.pragma('user_version', { simple: true }));
    db.pragma(`user_version = ${version}`);
  }).immediate();
  return true;
}

/**
 * Turns the connection's automatic checkpoint off, for a writer that checkpoints on its own schedule (the live
 * ticker: commands/tickCommit.ts). The returned function makes a passive checkpoint and gives the connection its
 * setting back.
 */
export function pauseAutoCheckpoint(db: Ledger): () => void {
  const setting = Number(db.pragma('wal_autocheckpoint', { simple: true }));
  db.pragma('wal_autocheckpoint = 0');
  return () => {
    db.pragma('wal_checkpoint(PASSIVE)');
    db.pragma(`wal_autocheckpoint = ${setting}`);
  };
}

/** Copies every frame of the WAL into the database file and empties the WAL, so that the file alone is the ledger. */
export function foldWal(db: Ledger): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * A transaction held open across turns of the event loop (a console cycle run in slices: commands/dispatch.ts
 * dispatchSliced), where better-sqlite3's transaction functions cannot span an await. The caller keeps every other
 * statement off this connection until it ends.
 */
export const openTransaction = {
  begin(db: Ledger): void {
    db.exec('BEGIN IMMEDIATE');
  },
  commit(db: Ledger): void {
    db.exec('COMMIT');
  },
  /** Rolls back what is open (a failed COMMIT may already have ended it). */
  rollback(db: Ledger): void {
    if (db.inTransaction) db.exec('ROLLBACK');
  },
};
