// Members' standing, as commands that depend on it read it (automation stops for a defaulted or suspended member).
import type { Database } from 'better-sqlite3';

/** A member's own accounts, each with its number of positions, in id order. */
export function readMemberAccounts(db: Database, member: string): { id: string; kind: 'house' | 'client'; member: string; positions: number }[] {
  const rows = db
    .prepare(
      'SELECT a.id, a.kind, a.member_id AS member, (SELECT count(*) FROM positions p WHERE p.account_id = a.id) AS positions FROM accounts a WHERE a.member_id = ? ORDER BY a.id',
    )
    .all(member) as { id: string; kind: 'house' | 'client'; member: string; positions: bigint | number }[];
  return rows.map((r) => ({ ...r, positions: Number(r.positions) }));
}

/** How many positions an account holds. */
export function positionCount(db: Database, account: string): number {
  return Number(db.prepare('SELECT count(*) FROM positions WHERE account_id = ?').pluck().get(account) as bigint | number);
}

export function memberStatuses(db: Database): Map<string, string> {
  const rows = db.prepare('SELECT id, status FROM members').raw().all() as [string, string][];
  return new Map(rows);
}
