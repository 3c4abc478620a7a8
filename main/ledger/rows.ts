// Rows by column name with every INTEGER as a bigint (the ledger's amounts), for the repositories that map rows
// themselves.
import type { Database } from 'better-sqlite3';

export type Row = Record<string, unknown>;

export function rows(db: Database, sql: string, ...params: unknown[]): Row[] {
  return db.prepare(sql).safeIntegers(true).all(...params) as Row[];
}
