// Margin calls and their history.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';
import type { CallStatus } from '../../shared/contract.ts';
import { POLICY_VERSION_NOW } from './policyRepo.ts';

export interface CallRow {
  id: number;
  account: string;
  member: string;
  cycle: number;
  amount: bigint;
  deposited: bigint;
  deadline: string;
  status: CallStatus;
  createdAt: string;
  updatedAt: string;
  waiverRequest: { by: string; at: string; reason: string; amount: bigint } | null;
}

export interface CallEventRow {
  at: string;
  actor: string;
  kind: string;
  amount: bigint | null;
  note: string;
}

const SELECT = `SELECT c.id, c.account_id, a.member_id, c.cycle_id, c.amount, c.deposited, c.deadline, c.status,
  c.created_at, c.updated_at, c.waiver_requested_by, c.waiver_requested_at, c.waiver_reason, c.waiver_amount
  FROM margin_calls c JOIN accounts a ON a.id = c.account_id`;

/** A row of SELECT, as read with safeIntegers. */
interface CallDbRow {
  id: bigint;
  account_id: string;
  member_id: string;
  cycle_id: bigint;
  amount: bigint;
  deposited: bigint;
  deadline: string;
  status: CallStatus;
  created_at: string;
  updated_at: string;
  waiver_requested_by: string | null;
  waiver_requested_at: string | null;
  waiver_reason: string | null;
  waiver_amount: bigint | null;
}

function toCall(r: CallDbRow): CallRow {
  return {
    id: Number(r.id),
    account: r.account_id,
    member: r.member_id,
    cycle: Number(r.cycle_id),
    amount: r.amount,
    deposited: r.deposited,
    deadline: r.deadline,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    waiverRequest: r.waiver_requested_by
      ? { by: r.waiver_requested_by, at: r.waiver_requested_at as string, reason: r.waiver_reason ?? '', amount: r.waiver_amount ?? 0n }
      : null,
  };
}

/**
 * Per account, its latest waived or escalated call that has not been cleared: such a call holds off new calls
 * (an escalated one entirely, a waived one up to the amount that was waived) until the account is back above its
 * call line.
 */
export function heldCallsByAccount(db: Database): Map<string, CallRow> {
  const rows = prepared(db, `${SELECT} WHERE c.status IN ('waived', 'escalated') AND c.cleared_at IS NULL ORDER BY c.id`)
    .safeIntegers(true)
    .all() as CallDbRow[];
  return new Map(rows.map((r) => [r.account_id, toCall(r)]));
}

/**
 * Accounts the live ticker must leave alone: those with a live call or a held one. Their ids only, through the
 * status index: the resident book asks after every cycle that changed many calls, and reading whole calls joined to
 * their accounts (thousands on the 100k book) held the console's thread for tens of milliseconds after the commit.
 */
export function accountsWithCalls(db: Database): string[] {
  return prepared(
    db,
    `SELECT account_id FROM margin_calls WHERE status IN ('open', 'overdue')
     UNION SELECT account_id FROM margin_calls WHERE status IN ('waived', 'escalated') AND cleared_at IS NULL`,
  )
    .pluck()
    .all() as string[];
}

export function clearHeldCalls(db: Database, account: string, at: string, actor: string, note: string): void {
  const ids = db
    .prepare("SELECT id FROM margin_calls WHERE account_id = ? AND status IN ('waived', 'escalated') AND cleared_at IS NULL")
    .pluck()
    .all(account) as bigint[];
  const upd = db.prepare('UPDATE margin_calls SET cleared_at = ? WHERE id = ?');
  const ev = db.prepare("INSERT INTO margin_call_events(call_id, at, actor, kind, amount, note) VALUES (?, ?, ?, 'cleared', NULL, ?)");
  for (const id of ids) {
    upd.run(at, id);
    ev.run(id, at, actor, note);
  }
}

export function requestWaiver(db: Database, id: number, by: string, at: string, reason: string, amount: bigint): void {
  db.prepare(
    'UPDATE margin_calls SET waiver_requested_by = ?, waiver_requested_at = ?, waiver_reason = ?, waiver_amount = ?, updated_at = ? WHERE id = ?',
  ).run(by, at, reason, amount, at, id);
}

/** The one open or overdue call of each account that has one. */
export function activeCallsByAccount(db: Database): Map<string, CallRow> {
  const rows = prepared(db, `${SELECT} WHERE c.status IN ('open', 'overdue')`).safeIntegers(true).all() as CallDbRow[];
  return new Map(rows.map((r) => [r.account_id, toCall(r)]));
}

export function getCall(db: Database, id: number): CallRow | undefined {
  const r = db.prepare(`${SELECT} WHERE c.id = ?`).safeIntegers(true).get(id) as CallDbRow | undefined;
  return r ? toCall(r) : undefined;
}

/**
 * Calls by status as the desk means it at `now`: an open call whose deadline has passed is overdue from that moment
 * (the dashboard counts it so), not only from the next cycle that records it.
 */
export function listCalls(db: Database, f: { status?: CallStatus; account?: string; limit?: number; now?: string }): CallRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status === 'overdue' && f.now) {
    where.push("(c.status = 'overdue' OR (c.status = 'open' AND c.deadline <= ?))");
    params.push(f.now);
  } else if (f.status === 'open' && f.now) {
    where.push("c.status = 'open' AND c.deadline > ?");
    params.push(f.now);
  } else if (f.status) {
    where.push('c.status = ?');
    params.push(f.status);
  }
  if (f.account) {
    where.push('c.account_id = ?');
    params.push(f.account);
  }
  const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.deadline, c.id LIMIT ?`;
  params.push(f.limit ?? 100_000);
  return (db.prepare(sql).safeIntegers(true).all(...params) as CallDbRow[]).map(toCall);
}

/** Whether a member has a call overdue at `now` (its deadline passed while open, or already marked overdue). */
export function memberHasOverdueCall(db: Database, member: string, now: string): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM margin_calls c JOIN accounts a ON a.id = c.account_id
          WHERE a.member_id = ? AND (c.status = 'overdue' OR (c.status = 'open' AND c.deadline <= ?)) LIMIT 1`,
      )
      .pluck()
      .get(member, now) !== undefined
  );
}

/** Open or overdue calls with a waiver one supervisor asked for and nobody confirmed yet. */
export function pendingWaivers(db: Database): CallRow[] {
  const sql = `${SELECT} WHERE c.waiver_requested_by IS NOT NULL AND c.status IN ('open', 'overdue') ORDER BY c.waiver_requested_at, c.id`;
  return (db.prepare(sql).safeIntegers(true).all() as CallDbRow[]).map(toCall);
}

export function callEvents(db: Database, id: number): CallEventRow[] {
  const rows = db
    .prepare('SELECT at, actor, kind, amount, note FROM margin_call_events WHERE call_id = ? ORDER BY id')
    .safeIntegers(true)
    .all(id) as { at: string; actor: string; kind: string; amount: bigint | null; note: string }[];
  return rows.map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, amount: r.amount ?? null, note: r.note }));
}

export interface CallWriter {
  insert(c: { account: string; cycle: number; amount: bigint; deadline: string; at: string }): number;
  /**
   * Issues open calls that share a cycle, deadline, time, actor and note (a price tick's): each call row, then
   * every one's 'issued' event in one statement from the rows just written. Returns the calls' ids, in order.
   */
  issueAll(
    calls: readonly { account: string; amount: bigint }[],
    c: { cycle: number; deadline: string; at: string; actor: string; note: string },
  ): number[];
  update(id: number, c: { amount: bigint; deposited: bigint; deadline: string; status: CallStatus; at: string }): void;
  /**
   * A call whose amount alone moves (a cycle after a move raises or lowers thousands): only amount and updated_at are
   * written, so the indexes on its status and deadline, and their checks, are left alone.
   */
  setAmount(id: number, amount: bigint, at: string): void;
  event(id: number, e: { at: string; actor: string; kind: string; amount: bigint | null; note: string }): void;
}

/** Prepared writers, for the cycle's loop over thousands of calls. Use inside a transaction. */
export function callWriter(db: Database): CallWriter {
  const ins = db.prepare(
    `INSERT INTO margin_calls(account_id, cycle_id, amount, deposited, deadline, status, created_at, updated_at, policy_version)
     VALUES (?, ?, ?, 0, ?, 'open', ?, ?, ${POLICY_VERSION_NOW})`,
  );
  const upd = db.prepare('UPDATE margin_calls SET amount = ?, deposited = ?, deadline = ?, status = ?, updated_at = ? WHERE id = ?');
  const amt = db.prepare('UPDATE margin_calls SET amount = ?, updated_at = ? WHERE id = ?');
  const ev = db.prepare('INSERT INTO margin_call_events(call_id, at, actor, kind, amount, note) VALUES (?, ?, ?, ?, ?, ?)');
  // One statement for a tick's events: one per call cost ~2 us more a call, on the tick's path to its calls. Its
  // parameters are positional: binding five named ones from an object cost ~5 us more a tick.
  const issued = db.prepare(
    `INSERT INTO margin_call_events(call_id, at, actor, kind, amount, note)
     SELECT id, ?, ?, 'issued', amount, ? FROM margin_calls WHERE id BETWEEN ? AND ? ORDER BY id`,
  );
  return {
    insert: (c) => Number(ins.run(c.account, c.cycle, c.amount, c.deadline, c.at, c.at).lastInsertRowid),
    issueAll(calls, c) {
      const ids = calls.map((x) => Number(ins.run(x.account, c.cycle, x.amount, c.deadline, c.at, c.at).lastInsertRowid));
      if (ids.length === 0) return ids;
      // The ids are the transaction's own inserts, ascending (AUTOINCREMENT under the write lock): the range holds
      // exactly these calls, which the count confirms.
      const n = issued.run(c.at, c.actor, c.note, ids[0]!, ids.at(-1)!).changes;
      if (n !== ids.length) throw new Error(`issued events for ${n} of ${ids.length} new calls (ids ${ids[0]}..${ids.at(-1)})`);
      return ids;
    },
    update: (id, c) => void upd.run(c.amount, c.deposited, c.deadline, c.status, c.at, id),
    setAmount: (id, amount, at) => void amt.run(amount, at, id),
    event: (id, e) => void ev.run(id, e.at, e.actor, e.kind, e.amount, e.note),
  };
}

/** Cash deposited against margin calls per account in (from, to]: money the member paid in, not a market gain. */
export function depositsBetween(db: Database, from: string, to: string): Map<string, bigint> {
  const rows = db
    .prepare(
      `SELECT c.account_id, sum(e.amount) AS deposited FROM margin_call_events e JOIN margin_calls c ON c.id = e.call_id
       WHERE e.kind = 'deposit' AND e.at > ? AND e.at <= ? GROUP BY c.account_id`,
    )
    .safeIntegers(true)
    .all(from, to) as { account_id: string; deposited: bigint }[];
  return new Map(rows.map((r) => [r.account_id, r.deposited]));
}

/** Whether an account has a call the live ticker must leave alone: a live one, or a held one not cleared. */
export function hasCallOrHeld(db: Database, account: string): boolean {
  let stmt = callOrHeld.get(db);
  if (!stmt) {
    stmt = db.prepare(
      `SELECT 1 FROM margin_calls WHERE account_id = ? AND (status IN ('open', 'overdue')
         OR (status IN ('waived', 'escalated') AND cleared_at IS NULL)) LIMIT 1`,
    );
    callOrHeld.set(db, stmt);
  }
  return stmt.get(account) !== undefined;
}

const callOrHeld = new WeakMap<Database, import('better-sqlite3').Statement>();
