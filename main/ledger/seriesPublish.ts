// A staged series file (importRepo.ts stageSeries) published in chunks, still all or nothing (issue 19, long imports;
// schema step 17). Its rows go into their table a chunk at a time, each chunk its own short immediate transaction, so
// another writer waits at most about one chunk; they carry their publish's generation and stay hidden from every
// reader (`visible`) while that generation has a row in import_publishing. The command's own transaction then makes
// them visible by deleting that row (flipPublish) and journals the import: one short transaction. Rows of the file
// whose keys the table already holds cannot wait hidden beside the rows they replace: they are kept in a temp table
// and written by the flip (so its time grows with what the file overwrites, not with what it adds).
// While a generation is being published, nobody else writes its table (refuseWhilePublishing: ledger busy), so that
// what the flip makes visible is exactly what a replay of the journal writes. A publish that fails, or whose process
// dies, leaves only hidden rows: they are deleted a chunk at a time (tidyChunk), or by the next writer of that table.
import type { Database } from 'better-sqlite3';
import { STAGE, seriesOf, upsertSql, type SeriesRows } from './importRepo.ts';
import { BUSY_MESSAGE, LedgerFailure } from './failures.ts';
import { prepared } from './stmtCache.ts';
import { OWNER, mine, refuseWhilePublishing } from './seriesVisibility.ts';
import { recordShown } from './changeCapture.ts';

type Kind = SeriesRows['kind'];
type Key = unknown[];

const OVERWRITES = 'temp.import_overwrites';

const keyList = (kind: Kind) => seriesOf(kind).key.join(', ');

/** The table of a series kind. */
export const tableOf = (kind: Kind): string => seriesOf(kind).table;

/**
 * Opens a publish of the staged file: its generation, hidden until flipPublish. Refused as busy while another publish
 * of the table is under way. Drops this connection's earlier overwrite list first (never inside a transaction).
 */
export function beginPublish(db: Database, kind: Kind, started: string): number {
  const table = tableOf(kind);
  db.exec(`DROP TABLE IF EXISTS ${OVERWRITES}`);
  db.exec(`CREATE TABLE ${OVERWRITES} AS SELECT * FROM ${STAGE} WHERE false`);
  return db
    .transaction(() => {
      refuseWhilePublishing(db, table);
      const generation = Number(db.prepare('INSERT INTO import_publishing(series, owner, started) VALUES (?, ?, ?)').run(table, OWNER, started).lastInsertRowid);
      mine.add(generation);
      return generation;
    })
    .immediate();
}

function stillMine(db: Database, generation: number): void {
  const owner = prepared(db, 'SELECT owner FROM import_publishing WHERE generation = ?').pluck().get(generation) as string | undefined;
  if (owner !== OWNER || !mine.has(generation)) {
    throw new LedgerFailure('ledger_busy', `${BUSY_MESSAGE}: this import's publish (generation ${generation}) was cleared by another process meanwhile; nothing was changed, import the file again`);
  }
}

/**
 * Writes the next `limit` staged rows after `after` (in key order) into the table, hidden, in one immediate
 * transaction; those whose key the table holds go to the overwrite list for the flip. The last key written, or null
 * when the stage is done.
 */
export function publishChunk(db: Database, kind: Kind, generation: number, after: Key | null, limit: number): Key | null {
  const s = seriesOf(kind);
  const key = keyList(kind);
  const marks = (k: Key) => k.map(() => '?').join(', ');
  return db
    .transaction(() => {
      stillMine(db, generation);
      const from = after ? `(${key}) > (${marks(after)})` : 'true';
      const upper = db.prepare(`SELECT ${key} FROM ${STAGE} WHERE ${from} ORDER BY ${key} LIMIT 1 OFFSET ?`).raw().safeIntegers(true).get(...(after ?? []), limit - 1) as Key | undefined;
      const range = upper ? `${from} AND (${key}) <= (${marks(upper)})` : from;
      const bounds = [...(after ?? []), ...(upper ?? [])];
      const exists = `EXISTS (SELECT 1 FROM main.${s.table} x WHERE ${s.key.map((k) => `x.${k} = s.${k}`).join(' AND ')})`;
      db.prepare(`INSERT INTO ${OVERWRITES} SELECT * FROM ${STAGE} s WHERE ${range} AND ${exists}`).run(...bounds);
      // The keys the table holds are on the overwrite list now: the insert passes over them (one look-up per row).
      db.prepare(`INSERT INTO main.${s.table}(${s.columns.join(', ')}, publishing) SELECT ${s.columns.join(', ')}, ? FROM ${STAGE} s WHERE ${range} ORDER BY ${key} ON CONFLICT DO NOTHING`).run(generation, ...bounds);
      return upper ?? null;
    })
    .immediate();
}

/** Inside the command's transaction: the overwrites written, and the generation's rows made visible at once. */
export function flipPublish(db: Database, kind: Kind, generation: number): void {
  stillMine(db, generation);
  const s = seriesOf(kind);
  db.prepare(upsertSql(s, `SELECT ${s.columns.join(', ')} FROM ${OVERWRITES} WHERE true`)).run();
  db.prepare('DELETE FROM import_publishing WHERE generation = ?').run(generation);
  recordShown(db, s.table, STAGE);
}

/** After the flip committed: the generation is no longer this process's to publish. */
export function publishDone(generation: number): void {
  mine.delete(generation);
}

/**
 * One chunk of tidying, in its own immediate transaction: up to `limit` rows of a failed publish deleted (the
 * generation's row last, once none is left), or of a published one their generation mark cleared (so that the partial
 * index holds only rows of publishes under way). Whether there is more to do.
 */
export function tidyChunk(db: Database, kind: Kind, generation: number, limit: number): boolean {
  const s = seriesOf(kind);
  const key = keyList(kind);
  return db
    .transaction(() => {
      const open = Number(prepared(db, 'SELECT count(*) FROM import_publishing WHERE generation = ?').pluck().get(generation)) !== 0;
      const some = `(${key}) IN (SELECT ${key} FROM ${s.table} WHERE publishing = ? LIMIT ?)`;
      const n = open
        ? db.prepare(`DELETE FROM ${s.table} WHERE ${some}`).run(generation, limit).changes
        : db.prepare(`UPDATE ${s.table} SET publishing = NULL WHERE ${some}`).run(generation, limit).changes;
      if (n === 0 && open) {
        db.prepare('DELETE FROM import_publishing WHERE generation = ?').run(generation);
        mine.delete(generation);
      }
      return n > 0;
    })
    .immediate();
}

/** Rows of this generation, visible or hidden (for tests and the bench). */
export function generationRows(db: Database, kind: Kind, generation: number): number {
  return Number(db.prepare(`SELECT count(*) FROM ${tableOf(kind)} WHERE publishing = ?`).pluck().get(generation));
}

/** Inside a transaction: the generation's hidden rows deleted at once (a publish given up under the lock). */
export function dropPublish(db: Database, kind: Kind, generation: number): void {
  db.prepare(`DELETE FROM ${tableOf(kind)} WHERE publishing = ?`).run(generation);
  db.prepare('DELETE FROM import_publishing WHERE generation = ?').run(generation);
}
