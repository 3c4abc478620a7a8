// Default management's cases (schema v3): each case with its timeline, ports, close-out records, auction bids,
// waterfall layers and members' allocations, and its recovery allocations. Members' standing is in memberRepo.ts,
// the default fund in defaultFundRepo.ts, assessments in assessmentRepo.ts, shortfalls in shortfallRepo.ts.
import type { Database } from 'better-sqlite3';
import type { MemberStatus, DefaultCaseStatus, LedgerRecoveryTool } from '../../shared/contractRecovery.ts';

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

/** A default_cases row of CASE_COLS, as read with safeIntegers. */
interface CaseDbRow {
  id: bigint;
  member_id: string;
  status: DefaultCaseStatus;
  reason: string;
  prior_status: MemberStatus;
  declared_by: string;
  declared_at: string;
  confirmed_by: string | null;
  confirmed_at: string | null;
  baseline_cycle: bigint | null;
  close_out_method: 'liquidation' | 'auction' | null;
  closed_out_at: string | null;
  margin: bigint | null;
  equity_after: bigint | null;
  close_out_loss: bigint | null;
  waterfall_at: string | null;
  waterfall_by: string | null;
  residual: bigint | null;
  recovery_tools: string | null;
  recovered_at: string | null;
  uncovered: bigint | null;
  updated_at: string;
}

function toCase(r: CaseDbRow): CaseRow {
  return {
    id: Number(r.id),
    member: r.member_id,
    status: r.status,
    reason: r.reason,
    priorStatus: r.prior_status,
    declaredBy: r.declared_by,
    declaredAt: r.declared_at,
    confirmedBy: r.confirmed_by ?? null,
    confirmedAt: r.confirmed_at ?? null,
    baselineCycle: r.baseline_cycle === null ? null : Number(r.baseline_cycle),
    closeOutMethod: r.close_out_method ?? null,
    closedOutAt: r.closed_out_at ?? null,
    margin: r.margin ?? null,
    equityAfter: r.equity_after ?? null,
    closeOutLoss: r.close_out_loss ?? null,
    waterfallAt: r.waterfall_at ?? null,
    waterfallBy: r.waterfall_by ?? null,
    residual: r.residual ?? null,
    recoveryTools: r.recovery_tools === null ? null : (JSON.parse(r.recovery_tools) as LedgerRecoveryTool[]),
    recoveredAt: r.recovered_at ?? null,
    uncovered: r.uncovered ?? null,
    updatedAt: r.updated_at,
  };
}

export function getCase(db: Database, id: number): CaseRow | undefined {
  const r = db.prepare(`SELECT ${CASE_COLS} FROM default_cases WHERE id = ?`).safeIntegers(true).get(id) as CaseDbRow | undefined;
  return r ? toCase(r) : undefined;
}

export function listCases(db: Database): CaseRow[] {
  return (db.prepare(`SELECT ${CASE_COLS} FROM default_cases ORDER BY id DESC`).safeIntegers(true).all() as CaseDbRow[]).map(toCase);
}

/** The member's case that is not withdrawn, if any. */
export function liveCaseOf(db: Database, member: string): CaseRow | undefined {
  const r = db.prepare(`SELECT ${CASE_COLS} FROM default_cases WHERE member_id = ? AND status <> 'withdrawn'`).safeIntegers(true).get(member) as CaseDbRow | undefined;
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
  return (
    db.prepare('SELECT at, actor, kind, note, detail FROM default_events WHERE case_id = ? ORDER BY id').all(id) as {
      at: string;
      actor: string;
      kind: CaseEventKind;
      note: string;
      detail: string;
    }[]
  ).map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, note: r.note, detail: JSON.parse(r.detail) as unknown }));
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
    db
      .prepare('SELECT account_id, from_member, to_member, at, actor, equity, im FROM default_ports WHERE case_id = ? ORDER BY account_id')
      .safeIntegers(true)
      .all(caseId) as { account_id: string; from_member: string; to_member: string; at: string; actor: string; equity: bigint; im: bigint }[]
  ).map((r) => ({ account: r.account_id, from: r.from_member, to: r.to_member, at: r.at, actor: r.actor, equity: r.equity, im: r.im }));
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
      .safeIntegers(true)
      .all(caseId) as {
      account_id: string;
      instrument_id: string;
      quantity: bigint;
      entry_value: bigint;
      mark: bigint;
      price: bigint;
      liquidation_id: bigint | null;
      bid_id: bigint | null;
    }[]
  ).map((r) => ({
    account: r.account_id,
    instrument: r.instrument_id,
    quantity: r.quantity,
    entryValue: r.entry_value,
    mark: r.mark,
    price: r.price,
    liquidation: r.liquidation_id === null ? null : Number(r.liquidation_id),
    bid: r.bid_id === null ? null : Number(r.bid_id),
  }));
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
    db.prepare('SELECT id, lot, member_id, account_id, amount, at, actor, status, note FROM default_bids WHERE case_id = ? ORDER BY id').safeIntegers(true).all(caseId) as {
      id: bigint;
      lot: string;
      member_id: string;
      account_id: string;
      amount: bigint;
      at: string;
      actor: string;
      status: BidRow['status'];
      note: string;
    }[]
  ).map((r) => ({
    id: Number(r.id),
    lot: r.lot,
    member: r.member_id,
    account: r.account_id,
    amount: r.amount,
    at: r.at,
    actor: r.actor,
    status: r.status,
    note: r.note,
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
  return (db.prepare('SELECT name, available, used, remaining FROM default_layers WHERE case_id = ? ORDER BY seq').safeIntegers(true).all(caseId) as LayerRow[]).map((r) => ({
    name: r.name,
    available: r.available,
    used: r.used,
    remaining: r.remaining,
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
      .safeIntegers(true)
      .all(caseId) as { member_id: string; default_fund: bigint; default_fund_used: bigint; assessment: bigint; assessment_cap: bigint }[]
  ).map((r) => ({
    member: r.member_id,
    defaultFund: r.default_fund,
    defaultFundUsed: r.default_fund_used,
    assessment: r.assessment,
    assessmentCap: r.assessment_cap,
  }));
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
  return (
    db.prepare('SELECT tool, member_id, account_id, amount, detail FROM recovery_allocations WHERE case_id = ? ORDER BY id').safeIntegers(true).all(caseId) as {
      tool: LedgerRecoveryTool;
      member_id: string;
      account_id: string | null;
      amount: bigint;
      detail: string;
    }[]
  ).map((r) => ({ tool: r.tool, member: r.member_id, account: r.account_id ?? null, amount: r.amount, detail: r.detail }));
}
