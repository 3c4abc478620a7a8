// Margin cycles and their per-account results.
import type { Database } from 'better-sqlite3';
import { POLICY_VERSION_NOW } from './policyRepo.ts';
import { prepared } from './stmtCache.ts';

export function insertCycle(db: Database, c: { asOf: string; runAt: string; actor: string; accounts: number }): number {
  return Number(
    db
      .prepare(`INSERT INTO margin_cycles(as_of, run_at, actor, accounts, summary, policy_version) VALUES (?, ?, ?, ?, ?, ${POLICY_VERSION_NOW})`)
      .run(c.asOf, c.runAt, c.actor, c.accounts, '{}').lastInsertRowid,
  );
}

export function setCycleSummary(db: Database, id: number, summaryJson: string): void {
  db.prepare('UPDATE margin_cycles SET summary = ? WHERE id = ?').run(summaryJson, id);
}

/** Every price tick asks this before deciding its calls: prepared once per connection (preparing cost ~0.1 ms a tick). */
export function latestCycle(db: Database): { id: number; asOf: string; summary: string } | undefined {
  const r = prepared(db, 'SELECT id, as_of AS asOf, summary FROM margin_cycles ORDER BY id DESC LIMIT 1').get() as
    | { id: bigint; asOf: string; summary: string }
    | undefined;
  return r ? { id: Number(r.id), asOf: r.asOf, summary: r.summary } : undefined;
}

/** The as-of time of the latest cycle (undefined before the first). */
export function latestCycleAsOf(db: Database): string | undefined {
  return db.prepare('SELECT as_of FROM margin_cycles ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined;
}

/** The as-of time of a cycle. */
export function cycleAsOf(db: Database, id: number): string {
  const r = db.prepare('SELECT as_of FROM margin_cycles WHERE id = ?').pluck().get(id) as string | undefined;
  if (r === undefined) throw new RangeError(`no margin cycle ${id}`);
  return r;
}

/** When a cycle ran (its run time, not its as-of time). */
export function cycleRunAt(db: Database, id: number): string {
  const r = db.prepare('SELECT run_at FROM margin_cycles WHERE id = ?').pluck().get(id) as string | undefined;
  if (r === undefined) throw new RangeError(`no margin cycle ${id}`);
  return r;
}
