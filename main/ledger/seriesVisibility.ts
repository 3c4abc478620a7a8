// Which rows of a series table a reader sees, and who may write one, while an import is published in chunks
// (seriesPublish.ts, schema step 17). Kept apart from the publish itself so that every reader of prices can use it.
import os from 'node:os';
import type { Database } from 'better-sqlite3';
import { BUSY_MESSAGE, LedgerFailure } from './failures.ts';
import { prepared } from './stmtCache.ts';

/** A reader's condition for a series table's row (alias with its dot, e.g. 'p.'): not part of a publish under way. */
export const visible = (alias = ''): string => `(${alias}publishing IS NULL OR ${alias}publishing NOT IN (SELECT generation FROM import_publishing))`;

/** Who publishes: this host and process, so that another process can tell a publish whose process died. */
export const OWNER = `${os.hostname()} ${process.pid}`;
/** The generations this process is publishing now. */
export const mine = new Set<number>();

function alive(owner: string, generation: number): boolean {
  if (owner === OWNER) return mine.has(generation);
  const m = /^(.*) (\d+)$/.exec(owner);
  // Another host's (a ledger on a shared folder): it cannot be asked, so it is taken to be alive.
  if (!m || m[1] !== os.hostname()) return true;
  try {
    process.kill(Number(m[2]), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Generation {
  generation: number;
  owner: string;
  started: string;
}

const generationsOf = (db: Database, table: string): Generation[] =>
  (prepared(db, 'SELECT generation, owner, started FROM import_publishing WHERE series = ? ORDER BY generation').all(table) as { generation: number | bigint; owner: string; started: string }[]).map(
    (g) => ({ ...g, generation: Number(g.generation) }),
  );

/**
 * Called in every writer's transaction of a series table: refused as busy while another publish of that table is
 * under way; a publish whose process died is cleared first (its hidden rows deleted, found by their partial index).
 */
export function refuseWhilePublishing(db: Database, table: string): void {
  for (const g of generationsOf(db, table)) {
    if (alive(g.owner, g.generation)) {
      throw new LedgerFailure('ledger_busy', `${BUSY_MESSAGE}: an import of ${table} is being published (generation ${g.generation}, started ${g.started} by ${g.owner}); nothing was changed`);
    }
    prepared(db, `DELETE FROM ${table} WHERE publishing = ?`).run(g.generation);
    prepared(db, 'DELETE FROM import_publishing WHERE generation = ?').run(g.generation);
  }
}

