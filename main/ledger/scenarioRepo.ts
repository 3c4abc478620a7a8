// Stress scenarios, and what a scenario may shock.
import type { Database } from 'better-sqlite3';
import type { StressScenarioView } from '../../shared/contractRecovery.ts';

/** A scenario as stored is the scenario the console shows: one shape, in the contract. */
export type ScenarioRow = StressScenarioView;

/** What a stress scenario may shock: every underlying of an instrument and every collateral asset. */
export function readShockKeys(db: Database): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT underlying FROM instruments UNION SELECT id FROM assets').pluck().all() as string[]);
}

export function readScenarios(db: Database): ScenarioRow[] {
  return (
    db.prepare('SELECT id, name, kind, description, shocks, updated_by, updated_at FROM stress_scenarios ORDER BY kind, id').all() as {
      id: string;
      name: string;
      kind: ScenarioRow['kind'];
      description: string;
      shocks: string;
      updated_by: string;
      updated_at: string;
    }[]
  ).map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    description: r.description,
    shocks: JSON.parse(r.shocks) as Record<string, string>,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  }));
}

export function upsertScenario(db: Database, s: ScenarioRow): void {
  db.prepare(
    `INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, description = excluded.description, shocks = excluded.shocks,
       updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  ).run(s.id, s.name, s.kind, s.description, JSON.stringify(s.shocks), s.updatedBy, s.updatedAt);
}

export function deleteScenario(db: Database, id: string): boolean {
  return db.prepare('DELETE FROM stress_scenarios WHERE id = ?').run(id).changes > 0;
}

