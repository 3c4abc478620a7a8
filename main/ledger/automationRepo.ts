// Automation switches: what the ticker and the cycle may do on their own, globally, per instrument or per account.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export type SwitchScope = 'global' | 'instrument' | 'account';

export interface SwitchRow {
  scope: SwitchScope;
  target: string;
  enabled: boolean;
  reason: string;
  updatedBy: string;
  updatedAt: string;
}

export function readSwitches(db: Database): SwitchRow[] {
  return (
    prepared(db, 'SELECT scope, target, enabled, reason, updated_by, updated_at FROM automation_switches ORDER BY scope, target').all() as {
      scope: SwitchScope;
      target: string;
      enabled: number;
      reason: string;
      updated_by: string;
      updated_at: string;
    }[]
  ).map((r) => ({ scope: r.scope, target: r.target, enabled: Number(r.enabled) === 1, reason: r.reason, updatedBy: r.updated_by, updatedAt: r.updated_at }));
}

export function writeSwitch(db: Database, s: SwitchRow): void {
  db.prepare(
    `INSERT INTO automation_switches(scope, target, enabled, reason, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(scope, target) DO UPDATE SET enabled = excluded.enabled, reason = excluded.reason,
       updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  ).run(s.scope, s.target, s.enabled ? 1 : 0, s.reason, s.updatedBy, s.updatedAt);
}
