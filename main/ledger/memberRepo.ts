// Members: their standing and its history (automation stops for a defaulted or suspended member), their default-fund
// contribution and multiple, and their accounts.
import type { Database } from 'better-sqlite3';
import type { MemberStatus } from '../../shared/contractRecovery.ts';

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
  const rows = db.prepare('SELECT id, status FROM members').all() as { id: string; status: string }[];
  return new Map(rows.map((r) => [r.id, r.status]));
}

export interface MemberRow {
  id: string;
  name: string;
  status: MemberStatus;
  defaultFund: bigint;
  /** ppm of the contribution. */
  assessmentMultiple: bigint;
}

interface MemberDbRow {
  id: string;
  name: string;
  status: MemberStatus;
  default_fund: bigint;
  assessment_multiple: bigint;
}

const toMember = (r: MemberDbRow): MemberRow => ({
  id: r.id,
  name: r.name,
  status: r.status,
  defaultFund: r.default_fund,
  assessmentMultiple: r.assessment_multiple,
});

export function readMembers(db: Database): MemberRow[] {
  return (db.prepare('SELECT id, name, status, default_fund, assessment_multiple FROM members ORDER BY id').safeIntegers(true).all() as MemberDbRow[]).map(toMember);
}

export function readMember(db: Database, id: string): MemberRow | undefined {
  const r = db.prepare('SELECT id, name, status, default_fund, assessment_multiple FROM members WHERE id = ?').safeIntegers(true).get(id) as MemberDbRow | undefined;
  return r ? toMember(r) : undefined;
}

export function setMemberStatus(
  db: Database,
  e: { member: string; from: MemberStatus; to: MemberStatus; at: string; actor: string; reason: string; case: number | null },
): void {
  db.prepare('UPDATE members SET status = ? WHERE id = ?').run(e.to, e.member);
  db.prepare('INSERT INTO member_events(member_id, at, actor, from_status, to_status, reason, case_id) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    e.member,
    e.at,
    e.actor,
    e.from,
    e.to,
    e.reason,
    e.case,
  );
}

export interface MemberEventRow {
  at: string;
  actor: string;
  from: MemberStatus;
  to: MemberStatus;
  reason: string;
  case: number | null;
}

export function memberEvents(db: Database, member: string): MemberEventRow[] {
  return (
    db.prepare('SELECT at, actor, from_status, to_status, reason, case_id FROM member_events WHERE member_id = ? ORDER BY id').all(member) as {
      at: string;
      actor: string;
      from_status: MemberStatus;
      to_status: MemberStatus;
      reason: string;
      case_id: bigint | null;
    }[]
  ).map((r) => ({ at: r.at, actor: r.actor, from: r.from_status, to: r.to_status, reason: r.reason, case: r.case_id === null ? null : Number(r.case_id) }));
}

/** Accounts of each member, counted by kind. */
export function accountCounts(db: Database): Map<string, { house: number; client: number }> {
  const out = new Map<string, { house: number; client: number }>();
  const rows = db.prepare('SELECT member_id, kind, count(*) AS n FROM accounts GROUP BY member_id, kind').all() as {
    member_id: string;
    kind: 'house' | 'client';
    n: bigint;
  }[];
  for (const r of rows) {
    const c = out.get(r.member_id) ?? { house: 0, client: 0 };
    c[r.kind] = Number(r.n);
    out.set(r.member_id, c);
  }
  return out;
}

export function memberAccounts(db: Database, member: string): { id: string; kind: 'house' | 'client'; mode: 'cross' | 'isolated' }[] {
  return (db.prepare('SELECT id, kind, mode FROM accounts WHERE member_id = ? ORDER BY id').all(member) as { id: string; kind: 'house' | 'client'; mode: 'cross' | 'isolated' }[]).map(
    (r) => ({ id: r.id, kind: r.kind, mode: r.mode }),
  );
}

export function setAccountMember(db: Database, account: string, member: string): void {
  db.prepare('UPDATE accounts SET member_id = ? WHERE id = ?').run(member, account);
}
