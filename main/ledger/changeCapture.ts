// What a resident book (main/resident) needs to know after each command on its connection: which accounts' holdings
// changed, which accounts' margin calls changed, which instruments got a new mark, and whether anything it cannot
// follow in place changed (reference data, policy, asset prices, the accounts themselves). TEMP triggers record it
// in a TEMP table: they live on this connection only, are not part of the ledger file (backups, drills and the
// deep verify's state comparison never see them), and roll back with the command that fired them. A write by
// another process is not seen here: the resident book notices it by the journal's head instead.
import type { Database } from 'better-sqlite3';

/** Tables whose change the resident book does not follow in place: it reloads. */
const RELOAD_TABLES = ['accounts', 'instruments', 'instrument_tiers', 'instrument_impact', 'assets', 'asset_haircuts', 'asset_prices', 'policy', 'instrument_risk_arrays', 'spreads', 'spread_legs', 'volatilities'] as const;

export interface Captured {
  /** Accounts whose positions or collateral rows changed. */
  holdings: Set<string>;
  /** Accounts whose margin calls changed (issued, met, waived, escalated, cleared). */
  calls: Set<string>;
  /** Instruments that got a mark. */
  marks: Set<string>;
  /** The first table changed that the resident book cannot follow in place, or null. */
  reload: string | null;
}

const installed = new WeakSet<Database>();

function triggers(table: string, kind: string, key: string | null): string {
  return ['INSERT', 'UPDATE', 'DELETE']
    .map((op) => {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      const k = key === null ? `'${table}'` : `${row}.${key}`;
      return `CREATE TEMP TRIGGER IF NOT EXISTS resident_${table}_${op.toLowerCase()} AFTER ${op} ON main.${table}
        BEGIN INSERT INTO temp.resident_changes(kind, key) VALUES ('${kind}', ${k}); END;`;
    })
    .join('\n');
}

/** Starts recording on this connection (once per connection). */
export function installCapture(db: Database): void {
  if (installed.has(db)) return;
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS resident_changes (kind TEXT NOT NULL, key TEXT NOT NULL);
    ${triggers('positions', 'holdings', 'account_id')}
    ${triggers('collateral', 'holdings', 'account_id')}
    ${triggers('margin_calls', 'calls', 'account_id')}
    ${triggers('prices', 'marks', 'instrument_id')}
    ${RELOAD_TABLES.map((t) => triggers(t, 'reload', null)).join('\n')}`);
  installed.add(db);
}

/**
 * Rows a chunked import wrote earlier, hidden, and shows now (seriesPublish.ts flipPublish): recorded as the triggers
 * recorded them when they were written, since another command's settling may have taken those records meanwhile,
 * while the rows were still hidden. `keysFrom` is a table holding the rows' keys (the import's stage).
 */
export function recordShown(db: Database, table: string, keysFrom: string): void {
  if (!installed.has(db)) return;
  if (table === 'prices') db.prepare(`INSERT INTO temp.resident_changes(kind, key) SELECT DISTINCT 'marks', instrument_id FROM ${keysFrom}`).run();
  else db.prepare("INSERT INTO temp.resident_changes(kind, key) VALUES ('reload', ?)").run(table);
}

const statements = new WeakMap<Database, { read: import('better-sqlite3').Statement; clear: import('better-sqlite3').Statement }>();

/** What was recorded since the last call, and forgets it. */
export function takeCaptured(db: Database): Captured {
  let st = statements.get(db);
  if (!st) {
    // By position (raw), as the tick's other reads (bookRepo.ts tickReadsOf): this runs after every tick, and a row
    // by name cost ~5 us more a statement there.
    st = { read: db.prepare('SELECT DISTINCT kind, key FROM temp.resident_changes').raw(), clear: db.prepare('DELETE FROM temp.resident_changes') };
    statements.set(db, st);
  }
  const c: Captured = { holdings: new Set(), calls: new Set(), marks: new Set(), reload: null };
  for (const [kind, key] of st.read.all() as [string, string][]) {
    if (kind === 'reload') c.reload ??= key;
    else c[kind as 'holdings' | 'calls' | 'marks'].add(key);
  }
  st.clear.run();
  return c;
}

/** The journal entries after `seq` (another process's commands, for a resident book to follow). */
export function journalAfter(db: Database, seq: number): { seq: number; command: string; payload: string; result: string }[] {
  return db.prepare('SELECT seq, command, payload, result FROM journal WHERE seq > ? ORDER BY seq').all(seq) as {
    seq: number;
    command: string;
    payload: string;
    result: string;
  }[];
}
