// Prepared statements kept per connection: a cycle that writes thousands of proposals, orders and events would
// otherwise spend more time preparing the same SQL than running it. A statement is shared by its SQL text: one whose
// raw() or safeIntegers() mode is switched must be switched the same way at every use (one function owns that SQL).
import type { Database, Statement } from 'better-sqlite3';

const cache = new WeakMap<Database, Map<string, Statement>>();

export function prepared(db: Database, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map<string, Statement>()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
