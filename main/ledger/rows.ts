// Rows by column name with every INTEGER as a bigint (the ledger's amounts), for the repositories that map rows
// themselves. Statements come from the connection's cache (stmtCache.ts): each SQL text here is always read this way.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export type Row = Record<string, unknown>;

export function rows(db: Database, sql: string, ...params: unknown[]): Row[] {
  return prepared(db, sql).safeIntegers(true).all(...params) as Row[];
}
