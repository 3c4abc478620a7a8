// Opening the ledger: one SQLite file (better-sqlite3), WAL, foreign keys on, schema migrated.
//
// INTEGER columns come back as bigint (db.defaultSafeIntegers(true)): amounts are int64 micro-units and a JS number
// would silently lose digits above 2^53. Counts and scales read from the ledger must be converted with Number();
// a statement that only reads small integers may opt out with stmt.safeIntegers(false).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS, latestVersion, runMigrations } from './migrations.ts';
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

/**
 * Opens (and, unless read-only, migrates) a ledger file. Refuses: a missing file without `create`, a file that is
 * another application's database, and a file whose schema is newer than LATEST_VERSION (the message names both).
 * The returned connection has journal_mode=WAL, synchronous=NORMAL (FULL with RISKDESK_SYNC=full), foreign_keys=ON, busy_timeout=5000,
 * trusted_schema=OFF and returns INTEGER columns as bigint.
 */
export function openLedger(file: string, opts: OpenOptions = {}): Ledger {
  const readonly = opts.readonly === true;
  const create = opts.create === true;
  if (readonly && create) throw new Error(`cannot create ledger ${file} read-only`);
  const inMemory = file === ':memory:';
  if (!inMemory && !fs.existsSync(file)) {
    if (!create) throw new Error(`ledger file not found: ${file} (pass create to make a new ledger)`);
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw new Error(`cannot create ledger ${file}: directory ${dir} does not exist`);
  } else if (!inMemory && fs.statSync(file).isDirectory()) {
    throw new Error(`ledger path is a directory: ${file}`);
  }

  let db: Ledger;
  try {
    db = new Database(file, { readonly, fileMustExist: !create });
  } catch (e) {
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
    if (e instanceof Database.SqliteError) throw new Error(`ledger ${file}: ${e.message}`, { cause: e });
    throw e;
  }
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
