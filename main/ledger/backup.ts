// Online backup of a live ledger (SQLite backup API through better-sqlite3's db.backup): a consistent copy of the
// committed state, taken while the desk keeps working. Also how drills get their sandbox copy (design §2).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface BackupOptions {
  /** Replace an existing file at toFile (atomically, by rename). Default false: an existing file is refused. */
  overwrite?: boolean;
}

/**
 * Copies the ledger to `toFile`. The copy is written to a temporary file beside the target and moved into place
 * only when complete, so a crash mid-backup never leaves a half-written file under the target's name. Without
 * `overwrite` an existing target is refused (also when it appears while the backup runs). Refuses to back up a
 * ledger onto itself. Must not be called inside a transaction of `db` (the copy holds committed data only).
 */
export async function backupLedger(
  db: Database.Database,
  toFile: string,
  opts: BackupOptions = {},
): Promise<{ pages: number }> {
  const overwrite = opts.overwrite === true;
  if (db.inTransaction) throw new Error('backupLedger must not be called inside a transaction');
  const target = path.resolve(toFile);
  if (db.name !== ':memory:' && db.name !== '' && path.resolve(db.name) === target) {
    throw new Error(`cannot back up ledger ${db.name} onto itself`);
  }
  if (fs.existsSync(target)) {
    if (!overwrite) throw new Error(`backup target already exists: ${toFile} (pass overwrite to replace it)`);
    if (fs.statSync(target).isDirectory()) throw new Error(`backup target is a directory: ${toFile}`);
  }
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new Error(`backup directory does not exist: ${dir}`);

  const temp = path.join(dir, `.${path.basename(target)}.partial-${process.pid}-${randomBytes(6).toString('hex')}`);
  const removeWithSidecars = (f: string): void => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(f + suffix, { force: true });
  };
  try {
    // A copy of the ledger holds what it holds (password hashes too): only its owner may read it.
    fs.writeFileSync(temp, '', { flag: 'wx', mode: 0o600 });
    const { totalPages } = await db.backup(temp);
    // The backup connection is closed by now; a WAL-mode copy may leave empty sidecar files behind.
    for (const suffix of ['-wal', '-shm']) {
      const side = temp + suffix;
      if (fs.existsSync(side) && fs.statSync(side).size > 0 && suffix === '-wal') {
        throw new Error(`backup left a non-empty write-ahead log at ${side}`);
      }
      fs.rmSync(side, { force: true });
    }
    if (overwrite) {
      // Stale sidecars of the old target would be replayed into the new file: remove them first.
      for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(target + suffix, { force: true });
      fs.renameSync(temp, target);
    } else {
      try {
        fs.linkSync(temp, target); // fails with EEXIST if the target appeared meanwhile: never clobbers
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new Error(`backup target already exists: ${toFile} (pass overwrite to replace it)`, { cause: e });
        }
        // A file system without hard links: check, then rename (a narrow race, but never a partial file).
        if (fs.existsSync(target)) {
          throw new Error(`backup target already exists: ${toFile} (pass overwrite to replace it)`, { cause: e });
        }
        fs.renameSync(temp, target);
      }
      fs.rmSync(temp, { force: true });
    }
    return { pages: totalPages };
  } catch (e) {
    removeWithSidecars(temp);
    throw e;
  }
}
