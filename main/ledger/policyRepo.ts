// Policy rows as text, for the policies that are not the engine's (sign-in limits) and for the Settings screen.
import type { Database } from 'better-sqlite3';

export function policyValue(db: Database, key: string): string | undefined {
  return (db.prepare('SELECT value FROM policy WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}
