// Default management's ledger (schema v3): member standing and its history, default cases with their timeline,
// ports, close-out records, auction bids, waterfall layers, default-fund movements and replenishments,
// assessments and payments, recovery allocations, and the recovery policy keys. The only SQL of default management.
import type { Database } from 'better-sqlite3';
import type { MemberStatus, DefaultCaseStatus, AssessmentStatus, LedgerRecoveryTool } from '../../shared/contractRecovery.ts';
import { parseAmount, parseRate } from '../../shared/units.ts';

// ---- members ----

export interface MemberRow {
  id: string;
  name: string;
  status: MemberStatus;
  defaultFund: bigint;
  /** ppm of the contribution. */
  assessmentMultiple: bigint;
}

const toMember = (r: unknown[]): MemberRow => ({
  id: r[0] as string,
  name: r[1] as string,
  status: r[2] as MemberStatus,
  defaultFund: r[3] as bigint,
  assessmentMultiple: r[4] as bigint,
});

export function readMembers(db: Database): MemberRow[] {
  return (db.prepare('SELECT id, name, status, default_fund, assessment_multiple FROM members ORDER BY id').raw().safeIntegers(true).all() as unknown[][]).map(toMember);
}

export function readMember(db: Database, id: string): MemberRow | undefined {
  const r = db.prepare('SELECT id, name, status, default_fund, assessment_multiple FROM members WHERE id = ?').raw().safeIntegers(true).get(id) as unknown[] | undefined;
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
  return (db.prepare('SELECT at, actor, from_status, to_status, reason, case_id FROM member_events WHERE member_id = ? ORDER BY id').raw().all(member) as unknown[][]).map(
    (r) => ({ at: r[0] as string, actor: r[1] as string, from: r[2] as MemberStatus, to: r[3] as MemberStatus, reason: r[4] as string, case: r[5] === null ? null : Number(r[5]) }),
  );
}

export function setDefaultFund(db: Database, member: string, amount: bigint): void {
  db.prepare('UPDATE members SET default_fund = ? WHERE id = ?').run(amount, member);
}

export function addDefaultFundEntry(db: Database, e: { member: string; at: string; actor: string; kind: 'used' | 'replenished'; amount: bigint; case: number | null; note: string }): void {
  if (e.amount === 0n) return;
  db.prepare('INSERT INTO default_fund_entries(member_id, at, actor, kind, amount, case_id, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    e.member,
    e.at,
    e.actor,
    e.kind,
    e.amount,
    e.case,
    e.note,
  );
}

/** Accounts of each member, counted by kind. */
export function accountCounts(db: Database): Map<string, { house: number; client: number }> {
  const out = new Map<string, { house: number; client: number }>();
  for (const r of db.prepare('SELECT member_id, kind, count(*) FROM accounts GROUP BY member_id, kind').raw().all() as [string, string, bigint][]) {
    const c = out.get(r[0]) ?? { house: 0, client: 0 };
    c[r[1] as 'house' | 'client'] = Number(r[2]);
    out.set(r[0], c);
  }
  return out;
}

export function memberAccounts(db: Database, member: string): { id: string; kind: 'house' | 'client'; mode: 'cross' | 'isolated' }[] {
  return (db.prepare('SELECT id, kind, mode FROM accounts WHERE member_id = ? ORDER BY id').raw().all(member) as string[][]).map((r) => ({
    id: r[0]!,
    kind: r[1] as 'house' | 'client',
    mode: r[2] as 'cross' | 'isolated',
  }));
}

export function setAccountMember(db: Database, account: string, member: string): void {
  db.prepare('UPDATE accounts SET member_id = ? WHERE id = ?').run(member, account);
}

// ---- default cases ----

export interface CaseRow {
  id: number;
  member: string;
  status: DefaultCaseStatus;
  reason: string;
  priorStatus: MemberStatus;
  declaredBy: string;
  declaredAt: string;
  confirmedBy: string | null;
  confirmedAt: string | null;
  baselineCycle: number | null;
  closeOutMethod: 'liquidation' | 'auction' | null;
  closedOutAt: string | null;
  margin: bigint | null;
  equityAfter: bigint | null;
  closeOutLoss: bigint | null;
  waterfallAt: string | null;
  waterfallBy: string | null;
  residual: bigint | null;
  recoveryTools: LedgerRecoveryTool[] | null;
  recoveredAt: string | null;
  uncovered: bigint | null;
  updatedAt: string;
}

const CASE_COLS = `id, member_id, status, reason, prior_status, declared_by, declared_at, confirmed_by, confirmed_at, baseline_cycle,
  close_out_method, closed_out_at, margin, equity_after, close_out_loss, waterfall_at, waterfall_by, residual, recovery_tools,
  recovered_at, uncovered, updated_at`;

const nn = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (v as T));

function toCase(r: unknown[]): CaseRow {
  return {
    id: Number(r[0]),
    member: r[1] as string,
    status: r[2] as DefaultCaseStatus,
    reason: r[3] as string,
    priorStatus: r[4] as MemberStatus,
    declaredBy: r[5] as string,
    declaredAt: r[6] as string,
    confirmedBy: nn<string>(r[7]),
    confirmedAt: nn<string>(r[8]),
    baselineCycle: r[9] === null ? null : Number(r[9]),
    closeOutMethod: nn<'liquidation' | 'auction'>(r[10]),
    closedOutAt: nn<string>(r[11]),
    margin: nn<bigint>(r[12]),
    equityAfter: nn<bigint>(r[13]),
    closeOutLoss: nn<bigint>(r[14]),
    waterfallAt: nn<string>(r[15]),
    waterfallBy: nn<string>(r[16]),
    residual: nn<bigint>(r[17]),
    recoveryTools: r[18] === null ? null : (JSON.parse(r[18] as string) as LedgerRecoveryTool[]),
    recoveredAt: nn<string>(r[19]),
    uncovered: nn<bigint>(r[20]),
    updatedAt: r[21] as string,
  };
}

export function getCase(db: Database, id: number): CaseRow | undefined {
  const r = db.prepare(`SELECT ${CASE_COLS} FROM default_cases WHERE id = ?`).raw().safeIntegers(true).get(id) as unknown[] | undefined;
  return r ? toCase(r) : undefined;
}

export function listCases(db: Database): CaseRow[] {
  return (db.prepare(`SELECT ${CASE_COLS} FROM default_cases ORDER BY id DESC`).raw().safeIntegers(true).all() as unknown[][]).map(toCase);
}

/** The member's case that is not withdrawn, if any. */
export function liveCaseOf(db: Database, member: string): CaseRow | undefined {
  const r = db.prepare(`SELECT ${CASE_COLS} FROM default_cases WHERE member_id = ? AND status <> 'withdrawn'`).raw().safeIntegers(true).get(member) as unknown[] | undefined;
  return r ? toCase(r) : undefined;
}

export function insertCase(db: Database, c: { member: string; reason: string; priorStatus: MemberStatus; by: string; at: string }): number {
  return Number(
    db
      .prepare(
        `INSERT INTO default_cases(member_id, status, reason, prior_status, declared_by, declared_at, updated_at)
         VALUES (?, 'pending_second', ?, ?, ?, ?, ?)`,
      )
      .run(c.member, c.reason, c.priorStatus, c.by, c.at, c.at).lastInsertRowid,
  );
}

const CASE_FIELDS: Record<string, string> = {
  status: 'status',
  confirmedBy: 'confirmed_by',
  confirmedAt: 'confirmed_at',
  baselineCycle: 'baseline_cycle',
  closeOutMethod: 'close_out_method',
  closedOutAt: 'closed_out_at',
  margin: 'margin',
  equityAfter: 'equity_after',
  closeOutLoss: 'close_out_loss',
  waterfallAt: 'waterfall_at',
  waterfallBy: 'waterfall_by',
  residual: 'residual',
  recoveryTools: 'recovery_tools',
  recoveredAt: 'recovered_at',
  uncovered: 'uncovered',
};

export function updateCase(db: Database, id: number, f: Partial<Omit<CaseRow, 'id' | 'member' | 'reason' | 'priorStatus' | 'declaredBy' | 'declaredAt' | 'updatedAt'>>, at: string): void {
  const cols = ['updated_at = ?'];
  const vals: unknown[] = [at];
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    const col = CASE_FIELDS[k];
    if (!col) throw new Error(`updateCase: unknown field ${k}`);
    cols.push(`${col} = ?`);
    vals.push(k === 'recoveryTools' && v !== null ? JSON.stringify(v) : v);
  }
  db.prepare(`UPDATE default_cases SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
}

export type CaseEventKind = 'declared' | 'confirmed' | 'withdrawn' | 'ported' | 'closed_out' | 'bid' | 'awarded' | 'waterfall' | 'assessed' | 'recovered';

export function addCaseEvent(db: Database, id: number, e: { at: string; actor: string; kind: CaseEventKind; note: string; detail?: unknown }): void {
  db.prepare('INSERT INTO default_events(case_id, at, actor, kind, note, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    id,
    e.at,
    e.actor,
    e.kind,
    e.note,
    JSON.stringify(e.detail ?? {}),
  );
}

export function caseEvents(db: Database, id: number): { at: string; actor: string; kind: CaseEventKind; note: string; detail: unknown }[] {
  return (db.prepare('SELECT at, actor, kind, note, detail FROM default_events WHERE case_id = ? ORDER BY id').raw().all(id) as string[][]).map((r) => ({
    at: r[0]!,
    actor: r[1]!,
    kind: r[2] as CaseEventKind,
    note: r[3]!,
    detail: JSON.parse(r[4]!) as unknown,
  }));
}

// ---- ports and close-out ----

export interface PortRow {
  account: string;
  from: string;
  to: string;
  at: string;
  actor: string;
  equity: bigint;
  im: bigint;
}

export function insertPort(db: Database, caseId: number, p: PortRow): void {
  db.prepare('INSERT INTO default_ports(case_id, account_id, from_member, to_member, at, actor, equity, im) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    caseId,
    p.account,
    p.from,
    p.to,
    p.at,
    p.actor,
    p.equity,
    p.im,
  );
}

export function casePorts(db: Database, caseId: number): PortRow[] {
  return (
    db.prepare('SELECT account_id, from_member, to_member, at, actor, equity, im FROM default_ports WHERE case_id = ? ORDER BY account_id').raw().safeIntegers(true).all(caseId) as unknown[][]
  ).map((r) => ({ account: r[0] as string, from: r[1] as string, to: r[2] as string, at: r[3] as string, actor: r[4] as string, equity: r[5] as bigint, im: r[6] as bigint }));
}

export interface CloseOutPositionRow {
  account: string;
  instrument: string;
  quantity: bigint;
  entryValue: bigint;
  mark: bigint;
  price: bigint;
  liquidation: number | null;
  bid: number | null;
}

export function insertCloseOutPosition(db: Database, caseId: number, p: CloseOutPositionRow): void {
  db.prepare(
    `INSERT INTO default_closeout_positions(case_id, account_id, instrument_id, quantity, entry_value, mark, price, liquidation_id, bid_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(caseId, p.account, p.instrument, p.quantity, p.entryValue, p.mark, p.price, p.liquidation, p.bid);
}

export function closeOutPositions(db: Database, caseId: number): CloseOutPositionRow[] {
  return (
    db
      .prepare(
        `SELECT account_id, instrument_id, quantity, entry_value, mark, price, liquidation_id, bid_id FROM default_closeout_positions
         WHERE case_id = ? ORDER BY account_id, instrument_id`,
      )
      .raw()
      .safeIntegers(true)
      .all(caseId) as unknown[][]
  ).map((r) => ({
    account: r[0] as string,
    instrument: r[1] as string,
    quantity: r[2] as bigint,
    entryValue: r[3] as bigint,
    mark: r[4] as bigint,
    price: r[5] as bigint,
    liquidation: r[6] === null ? null : Number(r[6]),
    bid: r[7] === null ? null : Number(r[7]),
  }));
}

/** Shortfalls recorded for the given liquidations (isolated positions closed with negative margin). */
export function shortfallsOfLiquidations(db: Database, ids: number[]): { account: string; amount: bigint; note: string }[] {
  if (ids.length === 0) return [];
  return (
    db.prepare(`SELECT account_id, amount, note FROM shortfalls WHERE liquidation_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`).raw().safeIntegers(true).all(...ids) as unknown[][]
  ).map((r) => ({ account: r[0] as string, amount: r[1] as bigint, note: r[2] as string }));
}

/** Marks the open shortfalls of a member's accounts as allocated (the case's waterfall covers them). */
export function allocateShortfalls(db: Database, member: string): number {
  return Number(db.prepare("UPDATE shortfalls SET status = 'allocated' WHERE member_id = ? AND status = 'open'").run(member).changes);
}

// ---- bids ----

export interface BidRow {
  id: number;
  lot: string;
  member: string;
  account: string;
  amount: bigint;
  at: string;
  actor: string;
  status: 'open' | 'won' | 'lost';
  note: string;
}

export function insertBid(db: Database, caseId: number, b: Omit<BidRow, 'id' | 'status'>): number {
  return Number(
    db
      .prepare('INSERT INTO default_bids(case_id, lot, member_id, account_id, amount, at, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(caseId, b.lot, b.member, b.account, b.amount, b.at, b.actor, b.note).lastInsertRowid,
  );
}

export function caseBids(db: Database, caseId: number): BidRow[] {
  return (
    db.prepare('SELECT id, lot, member_id, account_id, amount, at, actor, status, note FROM default_bids WHERE case_id = ? ORDER BY id').raw().safeIntegers(true).all(caseId) as unknown[][]
  ).map((r) => ({
    id: Number(r[0]),
    lot: r[1] as string,
    member: r[2] as string,
    account: r[3] as string,
    amount: r[4] as bigint,
    at: r[5] as string,
    actor: r[6] as string,
    status: r[7] as BidRow['status'],
    note: r[8] as string,
  }));
}

export function setBidStatus(db: Database, id: number, status: 'won' | 'lost'): void {
  db.prepare('UPDATE default_bids SET status = ? WHERE id = ?').run(status, id);
}

// ---- waterfall ----

export interface LayerRow {
  name: string;
  available: bigint;
  used: bigint;
  remaining: bigint;
}

export function insertLayers(db: Database, caseId: number, layers: readonly LayerRow[]): void {
  const next = Number((db.prepare('SELECT coalesce(max(seq), 0) FROM default_layers WHERE case_id = ?').pluck().get(caseId) as bigint | number) ?? 0);
  const stmt = db.prepare('INSERT INTO default_layers(case_id, seq, name, available, used, remaining) VALUES (?, ?, ?, ?, ?, ?)');
  layers.forEach((l, i) => stmt.run(caseId, next + i + 1, l.name, l.available, l.used, l.remaining));
}

export function caseLayers(db: Database, caseId: number): LayerRow[] {
  return (db.prepare('SELECT name, available, used, remaining FROM default_layers WHERE case_id = ? ORDER BY seq').raw().safeIntegers(true).all(caseId) as unknown[][]).map((r) => ({
    name: r[0] as string,
    available: r[1] as bigint,
    used: r[2] as bigint,
    remaining: r[3] as bigint,
  }));
}

export interface MemberAllocationRow {
  member: string;
  defaultFund: bigint;
  defaultFundUsed: bigint;
  assessment: bigint;
  assessmentCap: bigint;
}

export function insertMemberAllocations(db: Database, caseId: number, rows: readonly MemberAllocationRow[]): void {
  const stmt = db.prepare(
    'INSERT INTO default_member_allocations(case_id, member_id, default_fund, default_fund_used, assessment, assessment_cap) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const r of rows) stmt.run(caseId, r.member, r.defaultFund, r.defaultFundUsed, r.assessment, r.assessmentCap);
}

export function memberAllocations(db: Database, caseId: number): MemberAllocationRow[] {
  return (
    db
      .prepare('SELECT member_id, default_fund, default_fund_used, assessment, assessment_cap FROM default_member_allocations WHERE case_id = ? ORDER BY member_id')
      .raw()
      .safeIntegers(true)
      .all(caseId) as unknown[][]
  ).map((r) => ({ member: r[0] as string, defaultFund: r[1] as bigint, defaultFundUsed: r[2] as bigint, assessment: r[3] as bigint, assessmentCap: r[4] as bigint }));
}

// ---- replenishments ----

export interface ReplenishmentRow {
  id: number;
  case: number;
  member: string;
  amount: bigint;
  replenished: bigint;
  due: string;
  status: 'due' | 'met';
}

const toRepl = (r: unknown[]): ReplenishmentRow => ({
  id: Number(r[0]),
  case: Number(r[1]),
  member: r[2] as string,
  amount: r[3] as bigint,
  replenished: r[4] as bigint,
  due: r[5] as string,
  status: r[6] as 'due' | 'met',
});
const REPL = 'SELECT id, case_id, member_id, amount, replenished, due, status FROM default_fund_replenishments';

export function insertReplenishment(db: Database, r: { case: number; member: string; amount: bigint; due: string; at: string }): void {
  db.prepare('INSERT INTO default_fund_replenishments(case_id, member_id, amount, due, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    r.case,
    r.member,
    r.amount,
    r.due,
    r.at,
    r.at,
  );
}

export function caseReplenishments(db: Database, caseId: number): ReplenishmentRow[] {
  return (db.prepare(`${REPL} WHERE case_id = ? ORDER BY member_id`).raw().safeIntegers(true).all(caseId) as unknown[][]).map(toRepl);
}

export function dueReplenishments(db: Database, member?: string): ReplenishmentRow[] {
  const stmt = db.prepare(`${REPL} WHERE status = 'due' ${member === undefined ? '' : 'AND member_id = ?'} ORDER BY due, id`).raw().safeIntegers(true);
  return ((member === undefined ? stmt.all() : stmt.all(member)) as unknown[][]).map(toRepl);
}

export function setReplenished(db: Database, id: number, replenished: bigint, met: boolean, at: string): void {
  db.prepare('UPDATE default_fund_replenishments SET replenished = ?, status = ?, updated_at = ? WHERE id = ?').run(replenished, met ? 'met' : 'due', at, id);
}

// ---- assessments ----

export interface AssessmentRow {
  id: number;
  case: number;
  member: string;
  amount: bigint;
  cap: bigint;
  paid: bigint;
  due: string;
  status: AssessmentStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

const ASSESS = 'SELECT id, case_id, member_id, amount, cap, paid, due, status, created_at, created_by, updated_at FROM assessments';
const toAssessment = (r: unknown[]): AssessmentRow => ({
  id: Number(r[0]),
  case: Number(r[1]),
  member: r[2] as string,
  amount: r[3] as bigint,
  cap: r[4] as bigint,
  paid: r[5] as bigint,
  due: r[6] as string,
  status: r[7] as AssessmentStatus,
  createdAt: r[8] as string,
  createdBy: r[9] as string,
  updatedAt: r[10] as string,
});

export function insertAssessment(db: Database, a: { case: number; member: string; amount: bigint; cap: bigint; due: string; at: string; by: string }): number {
  return Number(
    db
      .prepare('INSERT INTO assessments(case_id, member_id, amount, cap, due, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.case, a.member, a.amount, a.cap, a.due, a.at, a.by, a.at).lastInsertRowid,
  );
}

export function getAssessment(db: Database, id: number): AssessmentRow | undefined {
  const r = db.prepare(`${ASSESS} WHERE id = ?`).raw().safeIntegers(true).get(id) as unknown[] | undefined;
  return r ? toAssessment(r) : undefined;
}

export function listAssessments(db: Database, f: { case?: number; member?: string; status?: AssessmentStatus }): AssessmentRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.case !== undefined) {
    where.push('case_id = ?');
    params.push(f.case);
  }
  if (f.member !== undefined) {
    where.push('member_id = ?');
    params.push(f.member);
  }
  if (f.status !== undefined) {
    where.push('status = ?');
    params.push(f.status);
  }
  return (db.prepare(`${ASSESS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`).raw().safeIntegers(true).all(...params) as unknown[][]).map(toAssessment);
}

/** Unpaid assessments whose due time is at or before `now` and that are not yet marked overdue. */
export function pastDueAssessments(db: Database, now: string): AssessmentRow[] {
  return (db.prepare(`${ASSESS} WHERE status = 'open' AND due <= ? ORDER BY id`).raw().safeIntegers(true).all(now) as unknown[][]).map(toAssessment);
}

export function setAssessment(db: Database, id: number, paid: bigint, status: AssessmentStatus, at: string): void {
  db.prepare('UPDATE assessments SET paid = ?, status = ?, updated_at = ? WHERE id = ?').run(paid, status, at, id);
}

export function insertPayment(db: Database, p: { assessment: number; at: string; actor: string; amount: bigint; note: string }): void {
  db.prepare('INSERT INTO assessment_payments(assessment_id, at, actor, amount, note) VALUES (?, ?, ?, ?, ?)').run(p.assessment, p.at, p.actor, p.amount, p.note);
}

export function assessmentPayments(db: Database, id: number): { at: string; actor: string; amount: bigint; note: string }[] {
  return (db.prepare('SELECT at, actor, amount, note FROM assessment_payments WHERE assessment_id = ? ORDER BY id').raw().safeIntegers(true).all(id) as unknown[][]).map((r) => ({
    at: r[0] as string,
    actor: r[1] as string,
    amount: r[2] as bigint,
    note: r[3] as string,
  }));
}

/**
 * Assessments levied on each member since `since` (the capped period): a member's cap covers every default in the
 * period, so what earlier cases demanded is taken off what a new one may demand.
 */
export function assessedSince(db: Database, since: string): Map<string, bigint> {
  const rows = db.prepare('SELECT member_id, sum(amount) FROM assessments WHERE created_at >= ? GROUP BY member_id').raw().safeIntegers(true).all(since) as [string, bigint][];
  return new Map(rows);
}

/** Per member, the net change of its default fund since `since` (used is negative, replenished positive). */
export function defaultFundMovesSince(db: Database, since: string): Map<string, bigint> {
  const rows = db.prepare('SELECT member_id, sum(amount) FROM default_fund_entries WHERE at >= ? GROUP BY member_id').raw().safeIntegers(true).all(since) as [string, bigint][];
  return new Map(rows);
}

// ---- recovery allocations ----

export interface RecoveryAllocationRow {
  tool: LedgerRecoveryTool;
  member: string;
  account: string | null;
  amount: bigint;
  detail: string;
}

export function insertRecoveryAllocation(db: Database, caseId: number, a: RecoveryAllocationRow): void {
  if (a.amount === 0n) return;
  db.prepare('INSERT INTO recovery_allocations(case_id, tool, member_id, account_id, amount, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    caseId,
    a.tool,
    a.member,
    a.account,
    a.amount,
    a.detail,
  );
}

export function recoveryAllocations(db: Database, caseId: number): RecoveryAllocationRow[] {
  return (db.prepare('SELECT tool, member_id, account_id, amount, detail FROM recovery_allocations WHERE case_id = ? ORDER BY id').raw().safeIntegers(true).all(caseId) as unknown[][]).map(
    (r) => ({ tool: r[0] as LedgerRecoveryTool, member: r[1] as string, account: nn<string>(r[2]), amount: r[3] as bigint, detail: r[4] as string }),
  );
}

// ---- the recovery policy (policy table keys) ----

export interface RecoveryPolicy {
  /** micro-USD */
  ccpFirstTranche: bigint;
  ccpSecondTranche: bigint;
  /** ppm: the assessment multiple of a member whose own is not set (every member row carries one). */
  assessmentMultiple: bigint;
  /** Days a member's assessment cap covers (further defaults in the period share it). */
  assessmentPeriodDays: number;
  /** Days a surviving member has to replenish the default-fund contribution a waterfall used. */
  replenishmentDays: number;
}

export const RECOVERY_POLICY_KEYS = ['ccpFirstTranche', 'ccpSecondTranche', 'assessmentMultiple', 'assessmentPeriodDays', 'replenishmentDays'] as const;

/** The recovery policy of a ledger with no row for a key (the Settings screen shows these as the defaults). */
export const DEFAULT_RECOVERY_POLICY: Readonly<RecoveryPolicy> = { ccpFirstTranche: 0n, ccpSecondTranche: 0n, assessmentMultiple: 2_000_000n, assessmentPeriodDays: 90, replenishmentDays: 30 };

export function readRecoveryPolicy(db: Database): RecoveryPolicy {
  const p: RecoveryPolicy = { ...DEFAULT_RECOVERY_POLICY };
  const rows = db.prepare(`SELECT key, value FROM policy WHERE key IN (${RECOVERY_POLICY_KEYS.map(() => '?').join(', ')})`).all(...RECOVERY_POLICY_KEYS) as { key: string; value: string }[];
  for (const r of rows) {
    switch (r.key) {
      case 'ccpFirstTranche':
      case 'ccpSecondTranche':
        p[r.key] = parseAmount(r.value, `policy ${r.key}`);
        break;
      case 'assessmentMultiple':
        p.assessmentMultiple = parseRate(r.value, 'policy assessmentMultiple');
        break;
      case 'assessmentPeriodDays':
      case 'replenishmentDays':
        p[r.key] = Number(r.value);
        break;
    }
  }
  return p;
}

// ---- stress scenarios ----

export interface ScenarioRow {
  id: string;
  name: string;
  kind: 'historical' | 'hypothetical';
  description: string;
  shocks: Record<string, string>;
  updatedBy: string;
  updatedAt: string;
}

/** What a stress scenario may shock: every underlying of an instrument and every collateral asset. */
export function readShockKeys(db: Database): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT underlying FROM instruments UNION SELECT id FROM assets').pluck().all() as string[]);
}

export function readScenarios(db: Database): ScenarioRow[] {
  return (db.prepare('SELECT id, name, kind, description, shocks, updated_by, updated_at FROM stress_scenarios ORDER BY kind, id').raw().all() as string[][]).map((r) => ({
    id: r[0]!,
    name: r[1]!,
    kind: r[2] as ScenarioRow['kind'],
    description: r[3]!,
    shocks: JSON.parse(r[4]!) as Record<string, string>,
    updatedBy: r[5]!,
    updatedAt: r[6]!,
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
