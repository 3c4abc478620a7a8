// Prepared statements kept per connection: a cycle that writes thousands of proposals, orders and events would
// otherwise spend more time preparing the same SQL than running it. Only for statements used as they come from
// prepare() (no raw() or safeIntegers() mode switched on a shared statement).
import type { Database, Statement } from 'better-sqlite3';

const cache = new WeakMap<Database, Map<string, Statement>>();

export function prepared(db: Database, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
