// The desk's review of liquidation proposals (design.md §2.3): list, detail, preview of edited quantities,
// approve (four eyes above fourEyesNotional), reject, hold and release, and fills. The engine's proposal stays
// beside the desk's orders in the ledger and in every journal entry, so an override is always visible.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf, LiquidationDetail, LiquidationPreview, LiquidationSummary } from '../../../shared/contract.ts';
import type { Instrument } from '../../engine/model.ts';
import { applyOrders, planContext, type AccountInput, type AccountPlan, type PlanContext } from '../../engine/liquidationPlan.ts';
import { exactAccount, exactContext } from '../../engine/exactAccount.ts';
import { readAccountBook, readPolicy, readInstruments, fillBandOf, ledgerMode } from '../../ledger/bookRepo.ts';
import { latestCycle, latestCycleAsOf, cycleAsOf } from '../../ledger/cycleRepo.ts';
import {
  getLiquidation,
  listLiquidations,
  countLiquidations,
  readOrders,
  updateOrder,
  restateLiquidation,
  setLiquidation,
  addLiquidationEvent,
  type LiquidationRow,
  type OrderRow,
} from '../../ledger/liquidationRepo.ts';
import { automationState, verdictOfRow } from './automation.ts';
import { judgeFillPrice, judgementText, offBandNeedsSecond } from './fourEyes.ts';
import { holdForSecond } from '../approvals.ts';
import { SIMULATE_REFUSED } from './simulate.ts';
import { lotsNotional } from '../../engine/lotValue.ts';
import { figuresJson, orderRowOf, orderView, summaryView, detailView } from './views.ts';
import { recordFill, settlementAt } from './execute.ts';
import { decimalPlaces, parseUnits, formatAmount, formatUnits, unitsOf, UnitError } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { approvableRule, approveFourEyesRule, confirmRule, fillableRule, fillFourEyesRule, transitionRule, type Transition } from '../allowed/liquidations.ts';
import { enforce, first, judge, roleAllows } from '../allowed/verdict.ts';

/** Whether any order of the liquidation has a fill. */
export function hasFills(db: Database, id: number): boolean {
  return readOrders(db, id).some((o) => o.filledLots > 0n);
}

function load(db: Database, id: number): LiquidationRow {
  const l = getLiquidation(db, id);
  if (!l) throw new InputError(`no liquidation ${id}`, { field: 'id' });
  return l;
}

function detail(db: Database, l: LiquidationRow): LiquidationDetail {
  return detailView(db, l, readPolicy(db).fourEyesNotional, verdictOfRow(db, automationState(db), l), estimateNow(db, l) ?? undefined);
}

/**
 * A proposal nobody has decided on, its orders estimated at the latest cycle's marks (what an approval would store:
 * see restate); null for any other, or when the account no longer holds what the proposal closes (the next cycle
 * plans it again).
 */
function estimateNow(db: Database, l: LiquidationRow): AccountPlan | null {
  if ((l.status !== 'proposed' && l.status !== 'held') || l.edited) return null;
  try {
    return planEdits(db, l, []).plan;
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
}

export function listLiquidationsCommand(ctx: CommandContext, input: InputOf<'liquidations.list'>): LiquidationSummary[] {
  const st = automationState(ctx.db);
  return listLiquidations(ctx.db, { ...input, limit: input.limit ?? 1000 }).map((l) => summaryView(l, st.fourEyesNotional, verdictOfRow(ctx.db, st, l)));
}

/** The number of proposals a filter of liquidations.list matches: the queue's header states it, not a page's length. */
export function countLiquidationsCommand(ctx: CommandContext, input: InputOf<'liquidations.count'>): { total: number } {
  return { total: countLiquidations(ctx.db, input) };
}

export function getLiquidationCommand(ctx: CommandContext, input: InputOf<'liquidations.get'>): LiquidationDetail {
  return detail(ctx.db, load(ctx.db, input.id));
}

/**
 * The account as the desk decides on it: holdings now, marks as of the latest cycle. (A proposal's own cycle is the
 * one that decided its close, possibly several cycles back: its figures are that cycle's.)
 */
function planInput(db: Database, l: LiquidationRow): { pc: PlanContext; input: AccountInput; instruments: Map<string, Instrument> } {
  const book = readAccountBook(db, l.account, latestCycleAsOf(db) ?? cycleAsOf(db, l.cycle));
  const result = exactAccount(exactContext(book), l.account, book.positions.map((_, i) => i), book.collateral.map((_, i) => i));
  const pc = planContext(book);
  return { pc, input: { id: l.account, positions: book.positions, collateral: book.collateral, cross: result }, instruments: pc.instruments };
}

/** A quantity in the instrument's units as whole lots; anything that is not a lot multiple is refused. */
export function quantityToLots(q: string, inst: Instrument, field: string): bigint {
  const lotDp = decimalPlaces(inst.lot);
  const lot = parseUnits(inst.lot, lotDp, 'lot');
  let units: bigint;
  try {
    units = parseUnits(q, lotDp, field);
  } catch (e) {
    if (e instanceof UnitError) throw new InputError(`${q} is not a multiple of the ${inst.id} lot ${inst.lot}`, { field });
    throw e;
  }
  if (units % lot !== 0n) throw new InputError(`${q} is not a multiple of the ${inst.id} lot ${inst.lot}`, { field });
  return units / lot;
}

function editsOf(
  orders: InputOf<'liquidations.preview'>['orders'],
  instruments: Map<string, Instrument>,
  input: AccountInput,
): { instrument: string; lots: bigint }[] {
  const seen = new Set<string>();
  return orders.map((o, i) => {
    const field = `orders[${i}].quantity`;
    const inst = instruments.get(o.instrument);
    const pos = input.positions.find((p) => p.instrument === o.instrument);
    if (!inst || !pos) throw new InputError(`account ${input.id} has no position in ${o.instrument}`, { field: `orders[${i}].instrument` });
    if (seen.has(o.instrument)) throw new InputError(`${o.instrument} is listed twice`, { field: `orders[${i}].instrument` });
    seen.add(o.instrument);
    const lots = quantityToLots(o.quantity, inst, field);
    const held = pos.quantity < 0n ? -pos.quantity : pos.quantity;
    if (lots > held) throw new InputError(`cannot close ${o.quantity} ${o.instrument}: the position is ${formatLots(held, inst)}`, { field });
    return { instrument: o.instrument, lots };
  });
}

function formatLots(lots: bigint, inst: Instrument): string {
  const dp = decimalPlaces(inst.lot);
  return formatAmount(lots * parseUnits(inst.lot, dp, 'lot') * 10n ** BigInt(6 - dp));
}

/** The desk's orders on top of the current ones: an instrument not named keeps its current quantity. */
function mergedEdits(current: OrderRow[], edits: { instrument: string; lots: bigint }[]): { instrument: string; lots: bigint }[] {
  const out = current.map((o) => ({ instrument: o.instrument, lots: edits.find((e) => e.instrument === o.instrument)?.lots ?? o.lots }));
  for (const e of edits) if (!current.some((o) => o.instrument === e.instrument)) out.push(e);
  return out;
}

type Edited = { plan: AccountPlan; current: OrderRow[]; instruments: Map<string, Instrument> };

function evaluateEdits(db: Database, l: LiquidationRow, orders: InputOf<'liquidations.preview'>['orders']): Edited {
  if (l.status !== 'proposed' && l.status !== 'held') {
    throw new RuleError('not_editable', `liquidation ${l.id} is ${l.status.replace('_', ' ')}: only a proposed or held liquidation can be edited`);
  }
  return planEdits(db, l, orders);
}

/** The plan with the desk's orders applied, at the latest cycle's marks; the caller has checked it may be edited. */
function planEdits(db: Database, l: LiquidationRow, orders: InputOf<'liquidations.preview'>['orders']): Edited {
  const { pc, input, instruments } = planInput(db, l);
  const current = readOrders(db, l.id);
  let plan: AccountPlan;
  try {
    plan = applyOrders(pc, input, mergedEdits(current, editsOf(orders, instruments, input)));
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(e.message, { field: 'orders' });
    throw e;
  }
  return { plan, current, instruments };
}

export function previewCommand(ctx: CommandContext, input: InputOf<'liquidations.preview'>): LiquidationPreview {
  const l = load(ctx.db, input.id);
  const { plan, current, instruments } = evaluateEdits(ctx.db, l, input.orders);
  const fourEyes = plan.notional > readPolicy(ctx.db).fourEyesNotional;
  return {
    orders: plan.orders.map((o, i) => {
      const was = current.find((c) => c.instrument === o.instrument);
      return orderView(orderRowOf(o, was?.seq ?? current.length + i + 1, was?.proposedLots ?? 0n), instruments.get(o.instrument)!);
    }),
    after: figuresJson(plan.after),
    targetMet: plan.targetMet,
    notional: formatAmount(plan.notional),
    fourEyes,
    // The verdict on approving these quantities, by the same rules the approval is held to.
    approve: judge(ctx.actor, 'liquidations.approve', true, () =>
      first(
        () => approvableRule(l),
        () => approveFourEyesRule(ctx.db, readPolicy(ctx.db), { ...l, notional: plan.notional }, ctx.actor, ctx.now()),
      ),
    ),
  };
}

function ordersJson(orders: OrderRow[]): { instrument: string; proposedLots: string; lots: string }[] {
  return orders.map((o) => ({ instrument: o.instrument, proposedLots: String(o.proposedLots), lots: String(o.lots) }));
}

/** What the journal records of a decision: the engine's orders beside the desk's. */
function decision(db: Database, l: LiquidationRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const orders = readOrders(db, l.id);
  const after = getLiquidation(db, l.id)!;
  return {
    id: l.id,
    account: l.account,
    status: after.status,
    proposed: orders.filter((o) => o.proposedLots > 0n).map((o) => ({ instrument: o.instrument, lots: String(o.proposedLots) })),
    desk: orders.filter((o) => o.lots > 0n).map((o) => ({ instrument: o.instrument, lots: String(o.lots) })),
    notional: formatAmount(after.notional),
    ...extra,
  };
}

export function approveCommand(ctx: CommandContext, input: InputOf<'liquidations.approve'>): Handled<'liquidations.approve'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const me = ctx.actor.name;
  let l = load(db, input.id);
  const policy = readPolicy(db);
  if (l.status === 'pending_second') {
    if (input.orders) throw new RuleError('four_eyes_bound', `liquidation ${l.id} awaits a second approval of the orders ${l.approvedBy} approved: reject it to change them`);
    enforce(confirmRule(l, ctx.actor));
    setLiquidation(db, l.id, { status: 'approved', confirmedBy: me, confirmedAt: at }, at);
    addLiquidationEvent(db, l.id, { at, actor: me, kind: 'confirmed', note: input.note ?? '', detail: JSON.stringify({ firstApproval: l.approvedBy }) });
    l = load(db, l.id);
    return { output: detail(db, l), journal: { result: decision(db, l, { confirmedBy: me }) } };
  }
  enforce(approvableRule(l));
  if (input.orders) {
    const { plan, current, instruments } = evaluateEdits(db, l, input.orders);
    const lotOf = (id: string): string => instruments.get(id)!.lot;
    plan.orders.forEach((o, i) => {
      const was = current.find((c) => c.instrument === o.instrument);
      updateOrder(db, l.id, orderRowOf(o, was?.seq ?? current.length + i + 1, was?.proposedLots ?? 0n));
    });
    for (const c of current) {
      if (!plan.orders.some((o) => o.instrument === c.instrument)) updateOrder(db, l.id, { ...c, lots: 0n, notional: 0n, liquidationFee: 0n, insuranceFee: 0n });
    }
    const edited = readOrders(db, l.id).some((o) => o.lots !== o.proposedLots);
    setLiquidation(db, l.id, { after: JSON.stringify(figuresJson(plan.after)), notional: plan.notional, edited }, at);
    if (edited) {
      addLiquidationEvent(db, l.id, {
        at,
        actor: me,
        kind: 'edited',
        // In the instrument's units, as the desk typed and saw them (15.801 -> 16), not in lots (15801 -> 16000).
        note:
          current.map((c) => `${c.instrument} ${unitsOf(c.proposedLots, lotOf(c.instrument))}`).join(', ') +
          ' -> ' +
          plan.orders.map((o) => `${o.instrument} ${unitsOf(o.lots, lotOf(o.instrument))}`).join(', '),
        detail: JSON.stringify({
          proposed: ordersJson(current),
          desk: plan.orders.map((o) => ({ instrument: o.instrument, lots: String(o.lots), quantity: unitsOf(o.lots, lotOf(o.instrument)) })),
        }),
      });
    }
    l = load(db, l.id);
  } else if (restate(db, l, at)) l = load(db, l.id);
  if (readOrders(db, l.id).every((o) => o.lots === 0n)) {
    throw new InputError(`liquidation ${l.id} would close nothing: reject it instead`, { field: 'orders' });
  }
  const why = enforce(approveFourEyesRule(db, policy, l, ctx.actor, ctx.now())).holds ?? null;
  const fourEyes = why !== null;
  setLiquidation(db, l.id, { status: fourEyes ? 'pending_second' : 'approved', approvedBy: me, approvedAt: at }, at);
  addLiquidationEvent(db, l.id, {
    at,
    actor: me,
    kind: 'approved',
    note: (input.note ?? '') + (fourEyes ? ` (awaiting a second supervisor: ${why})` : ''),
    detail: JSON.stringify({ fourEyes, ...(why ? { why } : {}) }),
  });
  l = load(db, l.id);
  return { output: detail(db, l), journal: { result: decision(db, l, { approvedBy: me, fourEyes }) } };
}

/**
 * An approval decides at the latest cycle's marks: the proposal's figures (those of the cycle that decided its
 * close) are estimated again for the same orders, so that four eyes judge the notional the close has now and a fill
 * at the estimate fills near the mark. Written only when they moved; true when written.
 */
function restate(db: Database, l: LiquidationRow, at: string): boolean {
  if (l.edited) return false;
  const { plan, current } = evaluateEdits(db, l, []);
  const orders = plan.orders.map((o) => orderRowOf(o, current.find((c) => c.instrument === o.instrument)!.seq, o.lots));
  const before = JSON.stringify(figuresJson(plan.before));
  const after = JSON.stringify(figuresJson(plan.after));
  const same =
    before === l.before &&
    after === l.after &&
    plan.notional === l.notional &&
    orders.length === current.length &&
    orders.every((o, k) => {
      const c = current[k]!;
      return o.seq === c.seq && o.mark === c.mark && o.price === c.price && o.notional === c.notional && o.liquidationFee === c.liquidationFee && o.insuranceFee === c.insuranceFee && o.bankruptcyPrice === c.bankruptcyPrice;
    });
  if (same) return false;
  restateLiquidation(db, l.id, { before, after, notional: plan.notional, at }, orders);
  return true;
}

type TransitionChannel = 'liquidations.reject' | 'liquidations.hold' | 'liquidations.release';

function transition<C extends TransitionChannel>(
  ctx: CommandContext,
  id: number,
  rule: Transition,
  to: 'rejected' | 'held' | 'proposed',
  kind: 'rejected' | 'held' | 'released',
  note: string,
): Handled<C> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const l = load(db, id);
  enforce(transitionRule(l, rule, hasFills(db, id)));
  setLiquidation(db, id, { status: to, ...(kind === 'rejected' ? { approvedBy: null, approvedAt: null } : {}) }, at);
  addLiquidationEvent(db, id, { at, actor: ctx.actor.name, kind, note, detail: '{}' });
  const after = load(db, id);
  return { output: detail(db, after) as Handled<C>['output'], journal: { result: decision(db, after, { reason: note }) } };
}

export const rejectCommand = (ctx: CommandContext, input: InputOf<'liquidations.reject'>): Handled<'liquidations.reject'> =>
  transition(ctx, input.id, 'reject', 'rejected', 'rejected', input.reason);

export const holdCommand = (ctx: CommandContext, input: InputOf<'liquidations.hold'>): Handled<'liquidations.hold'> =>
  transition(ctx, input.id, 'hold', 'held', 'held', input.reason);

export const releaseCommand = (ctx: CommandContext, input: InputOf<'liquidations.release'>): Handled<'liquidations.release'> =>
  transition(ctx, input.id, 'release', 'proposed', 'released', input.note ?? '');

/** The time prices are taken at for valuing an account now: the latest cycle's as-of, or now before any cycle. */
export function priceTime(ctx: CommandContext): string {
  return latestCycle(ctx.db)?.asOf ?? ctx.now().toISOString();
}

/** A fill price given by hand: on the instrument's tick, and a price it trades at. */
function fillPriceOf(input: string, inst: Instrument): bigint {
  const dp = decimalPlaces(inst.tick);
  const tick = parseUnits(inst.tick, dp, 'tick');
  let units: bigint;
  try {
    units = parseUnits(input, dp, 'price');
  } catch {
    throw new InputError(`${input} is not on the ${inst.id} tick ${inst.tick}`, { field: 'price' });
  }
  if (units % tick !== 0n) throw new InputError(`${input} is not on the ${inst.id} tick ${inst.tick}`, { field: 'price' });
  const price = units / tick;
  if (price < 0n || (price === 0n && inst.kind !== 'option')) {
    throw new InputError(`a fill price of ${input} is not a price ${inst.id} trades at`, { field: 'price' });
  }
  return price;
}

/**
 * A fill, judged before it is booked: its price against the mark and the instrument's fill band (off the band, a
 * supervisor enters it, and above the four-eyes threshold it waits for a second supervisor as a fill request), and
 * what the person entering it has moved alone on the account (four eyes over the window). The journal records the
 * mark and the band beside the price.
 */
export function fillCommand(ctx: CommandContext, input: InputOf<'liquidations.fill'>): Handled<'liquidations.fill'> {
  const { db } = ctx;
  const l = load(db, input.id);
  // The state first, as the proposal's view says it: a fill on a proposal nobody approved is refused as that.
  enforce(fillableRule(l));
  const order = readOrders(db, l.id).find((o) => o.instrument === input.instrument && o.lots > 0n);
  if (!order) throw new InputError(`liquidation ${l.id} has no order in ${input.instrument}`, { field: 'instrument' });
  const inst = readInstruments(db).find((i) => i.id === input.instrument)!;
  const lots = quantityToLots(input.quantity, inst, 'quantity');
  if (input.simulate === true && ledgerMode(db) === 'live') throw new RuleError('live_ledger', SIMULATE_REFUSED);
  const price = input.price !== undefined ? fillPriceOf(input.price, inst) : order.price;
  const policy = readPolicy(db);
  const now = ctx.now();
  const pt = priceTime(ctx);
  const judged = judgeFillPrice(db, inst, price, pt, fillBandOf(db, inst.id, policy));
  const notional = lotsNotional(inst, lots, price);
  const check = { mark: unitsOf(judged.mark, inst.tick), markAt: judged.markAt, band: formatUnits(judged.band, 6), offBand: judged.offBand };
  // Entered by the person who asked for it, when a second supervisor confirms an off-band fill.
  const by = ctx.approval?.requestedBy ?? ctx.actor.name;
  if (judged.offBand) {
    if (!roleAllows(ctx.actor.role, 'supervisor')) {
      throw new RuleError('fill_band', `a fill at ${judgementText(inst, price, judged)}: a supervisor enters a fill outside the band`);
    }
    const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
    if (!ctx.approval && offBandNeedsSecond(db, policy, instruments, l, ctx.actor.name, notional, now)) {
      assertFillable(l, order, lots);
      const summary = `book a fill of ${input.quantity} ${inst.id} on liquidation ${l.id} at ${judgementText(inst, price, judged)}; ${formatAmount(notional)} of notional`;
      const approval = holdForSecond(ctx, 'liquidations.fill', input, `liquidation:${l.id}`, summary);
      return { output: detail(db, load(db, l.id)), journal: { result: { liquidation: l.id, approval, status: 'pending', price: unitsOf(price, inst.tick), ...check } } };
    }
  }
  enforce(fillFourEyesRule(db, policy, l, order, lots, by, now));
  recordFill(db, policy, inst, settlementAt(db, pt), {
    liquidation: l,
    order,
    lots,
    price,
    simulated: input.simulate === true,
    actor: by,
    at: now.toISOString(),
    priceTime: pt,
  });
  const out = detail(db, load(db, l.id));
  return { output: out, journal: { result: { ...out, fillCheck: check } } };
}

/** The checks a fill gets, made before an off-band fill is held, so a fill that could not be booked is not held. */
function assertFillable(l: LiquidationRow, order: OrderRow, lots: bigint): void {
  enforce(fillableRule(l));
  const left = order.lots - order.filledLots;
  if (lots > left) throw new InputError(`order ${order.seq} (${order.instrument}) has ${left} lots left to fill, not ${lots}`, { field: 'quantity' });
}
