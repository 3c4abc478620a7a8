// Two ledgers compared table by table, row by row, column by column (verify --deep: the file against the ledger
// rebuilt from its journal), streaming both sides in key order so that a book of a million positions needs no more
// memory than one row of each. The first difference is named: table, key, column and both values.
import type Database from 'better-sqlite3';
import type { StateDifference } from '../../shared/contractIntegrity.ts';
import { visible } from './seriesVisibility.ts';

type Db = Database.Database;
type Value = bigint | number | string | Buffer | null;

export type { StateDifference };

/**
 * Tables that are not state: the journal (checked by its chain and by the replay, entry by entry), the imports being
 * published in chunks (a replay writes each import whole), and SQLite's own (sqlite_sequence follows the rows it
 * numbers, which are compared).
 */
const NOT_STATE = new Set(['journal', 'import_publishing']);

/**
 * A series row's publish generation (seriesPublish.ts) says how it was written, not what it holds: not compared, and
 * rows still hidden (a publish under way, or one whose process died) are not part of the state.
 */
const PUBLISH_MARK = 'publishing';

function objects(db: Db): { type: string; name: string; sql: string | null }[] {
  return db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; sql: string | null }[];
}

/** The state tables in creation order (the order in which a difference is looked for). */
function stateTables(db: Db): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").pluck().all() as string[];
  return rows.filter((t) => !NOT_STATE.has(t));
}

function quote(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

function show(v: Value): string | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return `x'${v.subarray(0, 32).toString('hex')}${v.length > 32 ? `...' (${v.length} bytes)` : "'"}`;
  const s = String(v);
  return s.length > 200 ? `${s.slice(0, 200)}... (${s.length} characters)` : s;
}

function same(a: Value, b: Value): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  return a === b;
}

/** SQLite's order of values under the BINARY collation (the only one the schema uses): NULL, numbers, text, blobs. */
function rank(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'bigint' || typeof v === 'number') return 1;
  return typeof v === 'string' ? 2 : 3;
}

function compareValues(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) return a! < b! ? -1 : a! > b! ? 1 : 0;
  if (ra === 2) return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
  return Buffer.compare(a as Buffer, b as Buffer);
}

interface Shape {
  keys: string[];
  columns: string[];
  sql: string;
}

function shape(db: Db, table: string): Shape {
  const info = db.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`).all(table) as { name: string; pk: bigint }[];
  const pk = info.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => c.name);
  const keys = pk.length > 0 ? pk : ['rowid'];
  const columns = info.map((c) => c.name).filter((c) => c !== PUBLISH_MARK);
  const hidden = info.length > columns.length ? ` WHERE ${visible()}` : '';
  const sql = `SELECT ${keys.map(quote).join(', ')}, ${columns.map(quote).join(', ')} FROM ${quote(table)}${hidden} ORDER BY ${keys.map(quote).join(', ')}`;
  return { keys, columns, sql };
}

function keyOf(keys: string[], row: Value[]): Record<string, string | null> {
  return Object.fromEntries(keys.map((k, i) => [k, show(row[i]!)]));
}

function compareKeys(n: number, a: Value[], b: Value[]): number {
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

function firstRowDifference(file: Db, replay: Db, table: string): StateDifference | null {
  const s = shape(file, table);
  const r = shape(replay, table);
  if (s.sql !== r.sql) return { table, key: {}, column: null, file: `columns ${s.columns.join(', ')}`, replay: `columns ${r.columns.join(', ')}` };
  const k = s.keys.length;
  const fileRows = file.prepare(s.sql).raw().iterate() as IterableIterator<Value[], undefined>;
  const replayRows = replay.prepare(r.sql).raw().iterate() as IterableIterator<Value[], undefined>;
  const whole = (row: Value[]) => `row (${s.columns.map((c, i) => `${c}=${show(row[k + i]!) ?? 'NULL'}`).join(', ')})`;
  try {
    let f = fileRows.next();
    let p = replayRows.next();
    while (!f.done || !p.done) {
      const c = f.done ? 1 : p.done ? -1 : compareKeys(k, f.value, p.value);
      if (c < 0) return { table, key: keyOf(s.keys, f.value!), column: null, file: whole(f.value!), replay: null };
      if (c > 0) return { table, key: keyOf(s.keys, p.value!), column: null, file: null, replay: whole(p.value!) };
      for (let i = 0; i < s.columns.length; i++) {
        const a = f.value![k + i]!;
        const b = p.value![k + i]!;
        if (!same(a, b)) return { table, key: keyOf(s.keys, f.value!), column: s.columns[i]!, file: show(a), replay: show(b) };
      }
      f = fileRows.next();
      p = replayRows.next();
    }
    return null;
  } finally {
    fileRows.return?.();
    replayRows.return?.();
  }
}

/**
 * The first difference between the two ledgers' state, or null when every state table holds the same rows. Also
 * compared: the schema's objects by name (a dropped table or index) and the triggers' text (a trigger that keeps
 * the journal append-only, dropped or rewritten).
 */
export function firstStateDifference(file: Db, replay: Db): StateDifference | null {
  const fo = new Map(objects(file).map((o) => [`${o.type} ${o.name}`, o]));
  const ro = new Map(objects(replay).map((o) => [`${o.type} ${o.name}`, o]));
  for (const name of new Set([...fo.keys(), ...ro.keys()])) {
    const a = fo.get(name);
    const b = ro.get(name);
    const sqlMatters = (a ?? b)!.type === 'trigger';
    if (!a || !b || (sqlMatters && a.sql !== b.sql)) {
      return { table: 'sqlite_schema', key: { object: name }, column: a && b ? 'sql' : null, file: a ? (a.sql ?? name) : null, replay: b ? (b.sql ?? name) : null };
    }
  }
  for (const table of stateTables(replay)) {
    const d = firstRowDifference(file, replay, table);
    if (d) return d;
  }
  return null;
}
