// The margin cycle's liquidation step (design.md §2.1, methodology §7): plan every account in status liquidation
// (or bankrupt, or with an overdue or escalated call), plan again the proposals the desk has not decided on (the
// same proposal, for as long as the account stays in trouble), and let automation execute, at the prices of the
// cycle that executes it, the proposals that waited a whole cycle untouched and that every switch, breaker and the
// four-eyes threshold allow.
//
// A proposal stores a decision (docs/liquidations.md, "What a proposal stores"): which account closes what, how many
// lots, which side, and why. Its figures (estimated prices, notional, fees, before and after) are those of the cycle
// that made that decision; a cycle that only moves the marks writes nothing to it.
import type { CommandContext } from '../context.ts';
import type { Book } from '../../engine/model.ts';
import type { Evaluation } from '../../engine/evaluate.ts';
import { planInputOf } from '../../engine/evaluate.ts';
import { planAccount, planContext, type AccountPlan, type PlanContext, type PlanReason } from '../../engine/liquidationPlan.ts';
import type { Settlement } from '../../engine/closeMath.ts';
import {
  liveLiquidationHeads,
  insertLiquidation,
  insertOrders,
  readOrders,
  setLiquidation,
  addLiquidationEvent,
  getLiquidation,
  refreshLiquidation,
  type LiquidationHead,
  type LiquidationRow,
  type OrderRow,
} from '../../ledger/liquidationRepo.ts';
import { automationState, verdictFor } from './automation.ts';
import { figuresJson, orderRowOf } from './views.ts';
import { recordFill, settlementAt } from './execute.ts';
import { formatAmount } from '../../../shared/units.ts';
import { policyVersion } from '../../ledger/policyRepo.ts';
import type { PlanMemo } from '../../resident/residentBook.ts';
import { drain, type Steps } from '../steps.ts';

export interface LiquidationCounts {
  proposed: number;
  superseded: number;
  executed: number;
  /** Live proposals a person has decided on (approved, awaiting a second approval, filling): left as they are. */
  inReview: number;
}

export interface ProposeArgs {
  cycle: number;
  asOf: string;
  book: Book;
  ev: Evaluation;
  /** Accounts (book index) in status liquidation or bankrupt after the cycle's call rules. */
  troubled: number[];
  /** Accounts whose call is overdue or escalated: planned down to targetHealth even above liquidationHealth. */
  forced: Map<number, PlanReason>;
  /**
   * A resident book's plans of earlier cycles (main/resident): an account whose planning inputs have not changed
   * (memo.key(i)) keeps its plan, and its proposal, written by that plan, keeps its orders: only its cycle moves.
   */
  memo?: { key(i: number, forced: PlanReason | undefined): string; plans: Map<number, PlanMemo> };
  /**
   * Replaying a cycle journalled before proposals stored decisions only: every live proposal's figures follow the
   * marks, as that cycle wrote them (integrity/replayEntry.ts).
   */
  figuresFollowMarks?: boolean;
}

const DECIDED = new Set(['pending_second', 'approved', 'executing']);

export function proposeLiquidations(ctx: CommandContext, a: ProposeArgs): LiquidationCounts {
  return drain(proposeSteps(ctx, a));
}

/** Accounts planned between two pauses (commands/steps.ts): a plan and its writes take up to a few hundred µs each. */
const PLANS_PER_STEP = 32;

/** proposeLiquidations as steps, for the cycle's (runCycle.ts cycleSteps). */
export function* proposeSteps(ctx: CommandContext, a: ProposeArgs): Steps<LiquidationCounts> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const actor = ctx.actor.name;
  const counts: LiquidationCounts = { proposed: 0, superseded: 0, executed: 0, inReview: 0 };
  const live = liveLiquidationHeads(db);
  const st = automationState(db);
  const pc = planContext(a.book);
  const index = a.ev.cols.accountIndex;
  const version = policyVersion(db);
  const candidates = new Set([...a.troubled, ...[...live.keys()].map((id) => index.get(id)).filter((i): i is number => i !== undefined)]);
  let settlement: Settlement | null = null;

  const supersede = (l: LiquidationHead, note: string): void => {
    setLiquidation(db, l.id, { status: 'superseded' }, at);
    addLiquidationEvent(db, l.id, { at, actor, kind: 'superseded', note, detail: JSON.stringify({ cycle: a.cycle }) });
    counts.superseded++;
  };

  let n = 0;
  for (const i of [...candidates].sort((x, y) => x - y)) {
    if (++n % PLANS_PER_STEP === 0) yield;
    const acct = a.book.accounts[i]!;
    const existing = live.get(acct.id);
    if (existing && DECIDED.has(existing.status)) {
      counts.inReview++;
      continue;
    }
    const key = a.memo?.key(i, a.forced.get(i));
    const memo = key === undefined ? undefined : a.memo!.plans.get(i);
    const known = memo !== undefined && memo.key === key;
    const plan = known ? memo.plan : planAccount(pc, planInputOf(a.ev, i), a.forced.get(i) ?? null);
    const usable = plan !== null && plan.orders.length > 0;
    if (!usable) {
      if (existing) supersede(existing, `cycle ${a.cycle}: the account no longer needs liquidation`);
      continue;
    }
    // While the account's trouble lasts it keeps one proposal: the desk's reference, its hold and its history
    // survive the cycles; only its figures and orders follow the market. A proposal the same plan wrote last cycle,
    // and nobody touched since, already holds them.
    // The plan the resident book last wrote to this proposal, if nobody has touched the proposal since.
    const untouched = memo !== undefined && existing !== undefined && existing.id === memo.liquidation && existing.cycle === memo.cycle && !existing.edited ? memo : null;
    const { id, cycle } = existing
      ? refresh(ctx, existing, a.cycle, plan, at, untouched, version, a.figuresFollowMarks === true)
      : { id: insert(ctx, a.cycle, plan, 'proposed', at), cycle: a.cycle };
    if (key !== undefined) a.memo!.plans.set(i, { key, plan, liquidation: id, cycle });
    counts.proposed++;
    // Automation acts on a proposal that waited a whole cycle untouched: the desk always has one cycle to step in.
    if (existing?.status !== 'proposed') continue;
    const verdict = verdictFor(st, {
      status: 'proposed',
      account: acct.id,
      member: acct.member,
      notional: plan.notional,
      instruments: plan.orders.map((o) => o.instrument),
    });
    if (!verdict.allowed) continue;
    settlement ??= settlementAt(db, a.asOf);
    // It executes at this cycle's estimates: the proposal may still hold the figures of the cycle that decided it.
    takePlan(ctx, id, a.cycle, plan, at);
    executeByAutomation(ctx, pc, id, settlement, a.asOf, at);
    counts.executed++;
  }
  return counts;
}

function figuresOf(cycle: number, plan: AccountPlan, at: string) {
  return {
    cycle,
    reasons: JSON.stringify(plan.reasons),
    before: JSON.stringify(figuresJson(plan.before)),
    after: JSON.stringify(figuresJson(plan.after)),
    notional: plan.notional,
    at,
  };
}

function proposedEvent(ctx: CommandContext, id: number, cycle: number, plan: AccountPlan, at: string, how: string): void {
  addLiquidationEvent(ctx.db, id, {
    at,
    actor: ctx.actor.name,
    kind: 'proposed',
    note: `cycle ${cycle}${how}: ${plan.reasons.map((r) => r.text).join('; ')}`,
    detail: JSON.stringify({ cycle, targetMet: plan.targetMet, shortfall: formatAmount(plan.shortfall), ...(how ? { refreshed: true } : {}) }),
  });
}

function insert(ctx: CommandContext, cycle: number, plan: AccountPlan, status: 'proposed' | 'held', at: string): number {
  const id = insertLiquidation(ctx.db, { account: plan.account, status, ...figuresOf(cycle, plan, at) });
  insertOrders(ctx.db, id, plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots)));
  proposedEvent(ctx, id, cycle, plan, at, '');
  return id;
}

/**
 * A live proposal planned again by this cycle. It is written only when its decision changes: what its orders would
 * close (instrument, margin unit, side, lots) or the kind of reason it closes for (a call gone overdue, bankruptcy);
 * then it takes the new cycle's figures and its history gains an entry. A plan that differs only in figures that
 * follow the marks (estimated prices, notional, fees, bankruptcy prices, before and after, the figures its reasons
 * quote) leaves it as it is, still naming the cycle whose figures it holds. (Writing every moved proposal on every
 * cycle was two thirds of a console cycle on the 100k-account book after a 0.3% futures move: ~4,000 rows and their
 * orders rewritten to say what the next mark would change again.) A proposal edited by the desk, or made under an
 * earlier policy, takes the new plan whole.
 *
 * What the proposal holds is known without reading it when the resident book planned it last and nobody touched it
 * since (`written`: the decision it holds is that plan's); otherwise it is read, so that a cold cycle and a replay
 * write exactly what the console wrote. `follow`: a replay of a cycle journalled when figures followed every mark.
 */
function refresh(
  ctx: CommandContext,
  head: LiquidationHead,
  cycle: number,
  plan: AccountPlan,
  at: string,
  written: PlanMemo | null,
  version: number,
  follow: boolean,
): { id: number; cycle: number } {
  const kept = { id: head.id, cycle: head.cycle };
  const current = !head.edited && head.policyVersion === version;
  if (current && written?.plan === plan) return kept;
  if (written && !follow) {
    // The decision the proposal holds is the resident book's last plan's: nothing needs reading to compare it.
    const decided = decisionOf(written.plan) === decisionOf(plan);
    if (current && decided) return kept;
    const sameInstruments = written.plan.orders.length === plan.orders.length && written.plan.orders.every((o, k) => o.instrument === plan.orders[k]!.instrument);
    rewrite(ctx, head, cycle, plan, at, sameInstruments, decided);
    return { id: head.id, cycle };
  }
  const orders = plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots));
  const held = written ? heldByPlan(written.plan) : storedPlan(ctx, head.id);
  const decided = sameDecision(reasonKinds(held.reasons), held.orders, plan, orders);
  if (current && (follow ? sameFigures(held, figuresOf(cycle, plan, at)) && sameOrders(held.orders, orders, ORDER_FIELDS) : decided)) return kept;
  rewrite(ctx, head, cycle, plan, at, sameOrders(held.orders, orders, ['seq', 'instrument']), decided);
  return { id: head.id, cycle };
}

/** The proposal takes this cycle's plan whole; its history gains an entry when the decision changed. */
function rewrite(ctx: CommandContext, head: LiquidationHead, cycle: number, plan: AccountPlan, at: string, sameInstruments: boolean, decided: boolean): void {
  refreshLiquidation(ctx.db, head.id, figuresOf(cycle, plan, at), plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots)), sameInstruments);
  if (!decided) proposedEvent(ctx, head.id, cycle, plan, at, ` planned again${head.status === 'held' ? ' (kept on hold)' : ''}`);
}

/** Whether a plan decides what the proposal holds: the same kinds of reason, the same closes (CLOSE_FIELDS). */
function sameDecision(heldKinds: string, heldOrders: readonly OrderFields[], plan: AccountPlan, orders: readonly OrderFields[]): boolean {
  return sameOrders(heldOrders, orders, CLOSE_FIELDS) && heldKinds === kindsOf(plan.reasons);
}

/** A plan's decision as one string: its kinds of reason and, per order in sequence, what it closes (CLOSE_FIELDS). */
function decisionOf(plan: AccountPlan): string {
  let d = decisions.get(plan);
  if (d === undefined) {
    d = `${kindsOf(plan.reasons)}|${plan.orders.map((o) => `${o.instrument}:${o.isolated}:${o.side}:${o.lots}`).join(',')}`;
    decisions.set(plan, d);
  }
  return d;
}
/** A resident book's plans are compared again at every cycle: each plan's decision is spelled once. */
const decisions = new WeakMap<AccountPlan, string>();

function kindsOf(reasons: readonly PlanReason[]): string {
  return reasons.map((r) => `${r.code}:${r.unit}`).join(',');
}

/**
 * The proposal brought to this cycle's plan of the same decision before automation executes it: its figures, its
 * orders' estimated prices and fees become this cycle's, with no history entry (the close is the one it showed).
 */
function takePlan(ctx: CommandContext, id: number, cycle: number, plan: AccountPlan, at: string): void {
  const held = storedPlan(ctx, id);
  const figures = figuresOf(cycle, plan, at);
  const orders = plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots));
  if (sameFigures(held, figures) && sameOrders(held.orders, orders, ORDER_FIELDS)) return;
  refreshLiquidation(ctx.db, id, figures, orders, sameOrders(held.orders, orders, ['seq', 'instrument']));
}

const ORDER_FIELDS = ['seq', 'instrument', 'isolated', 'side', 'proposedLots', 'lots', 'mark', 'price', 'notional', 'liquidationFee', 'insuranceFee', 'bankruptcyPrice'] as const;
/** What an order would close: a change of these is a new step in the proposal's history; the rest follows marks. */
const CLOSE_FIELDS = ['seq', 'instrument', 'isolated', 'side', 'proposedLots', 'lots'] as const;

type OrderFields = Pick<OrderRow, (typeof ORDER_FIELDS)[number]>;
interface HeldPlan {
  reasons: string;
  before: string;
  proposedAfter: string;
  after: string;
  notional: bigint;
  orders: OrderFields[];
}

/** What a proposal holds once `plan` was written to it (refreshLiquidation stores after as proposed_after too). */
function heldByPlan(plan: AccountPlan): HeldPlan {
  const f = figuresOf(0, plan, '');
  return { reasons: f.reasons, before: f.before, proposedAfter: f.after, after: f.after, notional: f.notional, orders: plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots)) };
}

function storedPlan(ctx: CommandContext, id: number): HeldPlan {
  const l: LiquidationRow = getLiquidation(ctx.db, id)!;
  return { reasons: l.reasons, before: l.before, proposedAfter: l.proposedAfter, after: l.after, notional: l.notional, orders: readOrders(ctx.db, id) };
}

/** Why a plan closes, without the figures its reasons quote (those follow every mark). */
function reasonKinds(reasons: string): string {
  return kindsOf(JSON.parse(reasons) as PlanReason[]);
}

function sameFigures(h: HeldPlan, f: ReturnType<typeof figuresOf>): boolean {
  return h.reasons === f.reasons && h.before === f.before && h.proposedAfter === f.after && h.after === f.after && h.notional === f.notional;
}

function sameOrders(a: readonly OrderFields[], b: readonly OrderFields[], fields: readonly (keyof OrderFields)[]): boolean {
  return a.length === b.length && a.every((x, k) => fields.every((field) => x[field] === b[k]![field]));
}

function executeByAutomation(ctx: CommandContext, pc: PlanContext, id: number, settlement: Settlement, asOf: string, at: string): void {
  const { db } = ctx;
  const actor = ctx.actor.name;
  setLiquidation(db, id, { status: 'approved', approvedBy: actor, approvedAt: at, automated: true }, at);
  addLiquidationEvent(db, id, {
    at,
    actor,
    kind: 'approved',
    note: 'automation: the proposal waited a cycle untouched and every switch allows it',
    detail: '{"automation":true}',
  });
  for (const order of readOrders(db, id)) {
    if (order.lots === 0n) continue;
    recordFill(db, pc.policy, pc.instruments.get(order.instrument)!, settlement, {
      liquidation: getLiquidation(db, id)!,
      order,
      lots: order.lots,
      price: order.price,
      simulated: true,
      actor,
      at,
      priceTime: asOf,
    });
  }
}
