// The runner that applies the numbered schema steps (index.ts lists them, one file per step beside this one).
//
// Rules for every step:
// - every table is STRICT; money, quantities, prices and rates are INTEGER counts of their unit (methodology §1):
//   amounts micro-USD, rates ppm, instrument quantities lots, instrument prices ticks, asset prices
//   10^-price_scale USD, asset quantities 10^-quantity_scale units; decimals that define a unit (multiplier, lot,
//   tick, spread ratio) are TEXT decimal strings;
// - times are ISO-8601 UTC TEXT with milliseconds, exactly '2026-03-12T16:00:00.000Z' (a CHECK enforces the shape,
//   so text order is time order);
// - foreign keys are NO ACTION (nothing cascades: a delete of referenced data is refused, importers upsert);
// - a step never contains BEGIN/COMMIT: the runner wraps all pending steps in one transaction;
// - a step's SQL is one literal string that calls no helper: a released step is frozen (frozen.test.ts pins its
//   hash), and a helper edited later would silently change it.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  /** SQL, one or more statements. */
  up: string;
}

/** PRAGMA application_id of a Riskdesk ledger ('RSKD'). */
export const APPLICATION_ID = 0x52534b44;

function checkSteps(steps: readonly Migration[]): number {
  steps.forEach((s, i) => {
    if (s.version !== i + 1) {
      throw new Error(`migration steps must be numbered 1, 2, 3, ...: step ${i + 1} is "${s.name}" v${s.version}`);
    }
  });
  return steps.length;
}

/** The latest schema version of a list of steps (the number of steps). */
export function latestVersion(steps: readonly Migration[]): number {
  return checkSteps(steps);
}

export interface MigrationReport {
  from: number;
  to: number;
  /** Versions applied, in order (empty when the database was current). */
  applied: number[];
}

/**
 * Applies every pending step (version > PRAGMA user_version) in ONE immediate transaction, setting
 * user_version (and, from an empty file, application_id) inside it, then checks foreign keys before committing.
 * Any failure rolls everything back: the file stays at its old version with its old schema.
 * A database newer than the steps is refused. `steps` is injectable so tests can add a failing step.
 * Must not be called inside another transaction.
 */
export function runMigrations(db: Database.Database, steps: readonly Migration[]): MigrationReport {
  const latest = checkSteps(steps);
  if (db.inTransaction) throw new Error('runMigrations must not run inside a transaction');
  const readVersion = (): number => Number(db.pragma('user_version', { simple: true }));
  // A ledger already at this version is not written to: opening it needs no write lock (another process may hold
  // it) and works on a read-only file.
  const current = readVersion();
  if (current === latest) return { from: current, to: current, applied: [] };

  const apply = db.transaction((): MigrationReport => {
    const from = readVersion();
    if (from > latest) {
      throw new Error(
        `ledger schema version ${from} is newer than this application's latest version ${latest}: ` +
          'use a newer Riskdesk to open it',
      );
    }
    const applied: number[] = [];
    for (const step of steps) {
      if (step.version <= from) continue;
      try {
        db.exec(step.up);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(`migration ${step.version} "${step.name}" failed: ${msg}`, { cause: e });
      }
      applied.push(step.version);
    }
    if (applied.length === 0) return { from, to: from, applied };
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new Error(`migration to version ${latest} leaves ${violations.length} foreign key violation(s)`);
    }
    if (from === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${latest}`);
    return { from, to: latest, applied };
  });
  return apply.immediate();
}
