// Members' standing, as commands that depend on it read it (automation stops for a defaulted or suspended member).
import type { Database } from 'better-sqlite3';

export function memberStatuses(db: Database): Map<string, string> {
  const rows = db.prepare('SELECT id, status FROM members').raw().all() as [string, string][];
  return new Map(rows);
}
