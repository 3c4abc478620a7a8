// A default case's portfolio (design.md §2.4): healthy client accounts ported to a surviving member, then the rest
// (house accounts and any client account left) closed out through the liquidation machinery or sold at auction.
//
// The close-out loss is what the portfolio lost before the defaulter's own margin is applied. Client margin is
// segregated: a client account's surplus stays the client's, while the member answers for its clients' deficits.
//   margin       = the defaulter's own margin: its house accounts' collateral value before the close-out (each
//                  account's positive net holding value after haircut) plus their isolated margins;
//   equity after = the house accounts' collateral value after the close-out (no positions left), less any isolated
//                  margin that ended negative, less the deficits (negative equity) its client accounts were left with;
//   loss         = max(0, margin - equity after).
// A debit already on a house account, fees paid on the close-out and the realised P&L all land in the loss.
import type { Database } from 'better-sqlite3';
import { BID_CONFIRM_SHARE_PPM, confirmOrAsk, money, times } from '../confirm.ts';
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import { enforce } from '../allowed/verdict.ts';
import { awardRule, caseStepRule } from '../allowed/defaults.ts';
import type { InputOf } from '../../../shared/contract.ts';
import { planContext, applyOrders, type PlanReason } from '../../engine/liquidationPlan.ts';
import { exactAccount, exactContext } from '../../engine/exactAccount.ts';
import { cashToQuantity, type Settlement } from '../../engine/closeMath.ts';
import { lotsValue } from '../../engine/lotValue.ts';
import { mergeInto } from '../../engine/mergePosition.ts';
import { readAccountBook, readPolicy, readInstruments, readPositions } from '../../ledger/bookRepo.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { limitGate } from '../lifecycle/limits.ts';
import {
  liveLiquidationsByAccount,
  insertLiquidation,
  insertOrders,
  readOrders,
  setLiquidation,
  addLiquidationEvent,
  getLiquidation,
} from '../../ledger/liquidationRepo.ts';
import { writePosition, insertPosition, addCollateral } from '../../ledger/holdingsRepo.ts';
import { memberAccounts, setAccountMember } from '../../ledger/memberRepo.ts';
import { insertPort, updateCase, addCaseEvent, insertCloseOutPosition, insertBid, caseBids, setBidStatus, type CaseRow, type BidRow } from '../../ledger/defaultRepo.ts';
import { shortfallsOfLiquidations } from '../../ledger/shortfallRepo.ts';
import { addCashCollateral, cashAsset } from '../../ledger/collateralRepo.ts';
import { figuresJson, orderRowOf } from '../liquidations/views.ts';
import { recordFill, settlementAt } from '../liquidations/execute.ts';
import { caseDetail, loadCase, loadMember } from './views.ts';
import { subBook, evaluateAll, totalEquity, priceTimeOf } from './book.ts';
import { moneyIn } from './members.ts';
import { formatAmount } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { dryRun } from '../dryRun.ts';

const BAD = new Set(['call', 'liquidation', 'bankrupt']);

// ---- porting ----

/**
 * Ports client accounts of the defaulter to a surviving active member. Refused whole (nothing moves) when any account
 * is not the defaulter's client account, is not healthy (equity >= IM in every margin unit) at the latest prices, or
 * when the receiver is in a margin shortfall itself: any of its house accounts below maintenance margin (status call,
 * liquidation or bankrupt) at the latest prices. Its clients' accounts are their own margin units: a client in call
 * at the receiver says nothing of the receiver's capacity to take on healthy accounts (a desk with thousands of
 * clients always has some).
 */
/** A port or an award that would breach a position limit is refused whole (lifecycle/limits.ts). */
function refuseLimit(_account: string, message: string): never {
  throw new RuleError('limit_breached', message);
}

/**
 * The loss the engine's own close-out (default.closeOut) would take on the case now, worked out in a savepoint and
 * undone: the automatic alternative beside a port or an award, recorded with it (the run report's loss against the
 * automatic path). Why not, when a close-out could not run now.
 */
function closeOutLossNow(ctx: CommandContext, caseId: number): { loss: string } | { refused: string } {
  const { approval: _asked, ...plain } = ctx;
  try {
    return { loss: formatAmount(dryRun(ctx.db, () => (closeOutCommand(plain, { case: caseId }), loadCase(ctx.db, caseId).closeOutLoss ?? 0n))) };
  } catch (e) {
    if (e instanceof RuleError || e instanceof InputError) return { refused: e.message };
    throw e;
  }
}

export function portAccounts(ctx: CommandContext, input: InputOf<'default.port'>): Handled<'default.port'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const c = loadCase(db, input.case);
  enforce(caseStepRule(c, 'port'));
  const to = loadMember(db, input.to, 'to');
  if (to.id === c.member) throw new InputError('the receiver must be another member than the defaulter', { field: 'to' });
  if (to.status !== 'active') throw new RuleError('receiver_not_active', `member ${to.id} is ${to.status}: accounts are ported only to an active member`);
  const own = new Map(memberAccounts(db, c.member).map((a) => [a.id, a]));
  const seen = new Set<string>();
  input.accounts.forEach((id, i) => {
    const field = `accounts[${i}]`;
    if (seen.has(id)) throw new InputError(`account ${id} is listed twice`, { field });
    seen.add(id);
    const a = own.get(id);
    if (!a) throw new InputError(`account ${id} is not an account of the defaulter ${c.member}`, { field });
    if (a.kind !== 'client') throw new RuleError('not_portable', `${field}: account ${id} is a house account: house accounts stay for the close-out`);
  });
  const pt = priceTimeOf(ctx.db, ctx.now());
  const book = subBook(db, pt, (a) => (a.member === to.id && a.kind === 'house') || seen.has(a.id));
  const results = evaluateAll(book);
  input.accounts.forEach((id, i) => {
    const r = results.get(id)!;
    if (r.status !== 'healthy') {
      throw new RuleError(
        'not_healthy',
        `accounts[${i}]: account ${id} is ${r.status} at the prices as of ${pt} (equity ${formatAmount(r.equity)}, IM ${formatAmount(r.im)}): only healthy accounts are ported`,
      );
    }
  });
  const short = [...results.values()].filter((r) => !seen.has(r.id) && BAD.has(r.status));
  if (short.length > 0) {
    throw new RuleError(
      'receiver_shortfall',
      `member ${to.id} is in a margin shortfall at the prices as of ${pt}: ${short.length} of its house accounts below maintenance margin (${short
        .slice(0, 5)
        .map((r) => `${r.id} ${r.status}`)
        .join(', ')}${short.length > 5 ? ', ...' : ''})`,
    );
  }
  // The automatic path ports nothing: every account is closed out with the rest.
  const withoutPort = closeOutLossNow(ctx, c.id);
  const gate = limitGate(ctx, input.accounts, refuseLimit);
  for (const id of input.accounts) {
    const r = results.get(id)!;
    setAccountMember(db, id, to.id);
    insertPort(db, c.id, { account: id, from: c.member, to: to.id, at, actor: ctx.actor.name, equity: totalEquity(r), im: r.im });
  }
  gate.check();
  addCaseEvent(db, c.id, {
    at,
    actor: ctx.actor.name,
    kind: 'ported',
    note: `${input.accounts.length} client account(s) ported to ${to.id}`,
    detail: { to: to.id, accounts: input.accounts, asOf: pt },
  });
  const withPort = closeOutLossNow(ctx, c.id);
  return {
    output: caseDetail(db, c.id),
    journal: { result: { case: c.id, to: to.id, accounts: input.accounts, asOf: pt, closeOutLoss: withPort, automatic: { path: 'no port', closeOutLoss: withoutPort } } },
  };
}

// ---- close-out ----

interface Remaining {
  accounts: string[];
  house: Set<string>;
  /** The house accounts' positive holding value per account (after haircut) plus isolated margins, before the close-out. */
  margin: bigint;
}

function remainingBefore(db: Database, c: CaseRow, pt: string): Remaining {
  const all = memberAccounts(db, c.member);
  const accounts = all.map((a) => a.id);
  const house = new Set(all.filter((a) => a.kind === 'house').map((a) => a.id));
  let margin = 0n;
  for (const id of house) {
    const book = readAccountBook(db, id, pt);
    const r = exactAccount(exactContext(book), id, [], book.collateral.map((_, i) => i));
    if (r.collateralValue > 0n) margin += r.collateralValue;
    for (const p of book.positions) if (p.isolatedMargin !== null) margin += p.isolatedMargin;
  }
  return { accounts, house, margin };
}

/** Isolated margin that ended negative, per account. */
type Deficits = Map<string, bigint>;

function finishCloseOut(ctx: CommandContext, c: CaseRow, method: 'liquidation' | 'auction', rem: Remaining, pt: string, isolatedDeficit: Deficits, detail: Record<string, unknown>): void {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  let after = 0n;
  let clientDeficits = 0n;
  for (const id of rem.accounts) {
    const book = readAccountBook(db, id, pt);
    if (book.positions.length > 0) throw new Error(`close-out left positions in ${id}`);
    const e = exactAccount(exactContext(book), id, [], book.collateral.map((_, i) => i)).collateralValue - (isolatedDeficit.get(id) ?? 0n);
    if (rem.house.has(id)) after += e;
    else if (e < 0n) clientDeficits -= e;
  }
  after -= clientDeficits;
  detail = { ...detail, clientDeficits: formatAmount(clientDeficits) };
  const loss = rem.margin > after ? rem.margin - after : 0n;
  updateCase(db, c.id, { status: 'closed_out', closeOutMethod: method, closedOutAt: at, margin: rem.margin, equityAfter: after, closeOutLoss: loss }, at);
  addCaseEvent(db, c.id, {
    at,
    actor: ctx.actor.name,
    kind: method === 'auction' ? 'awarded' : 'closed_out',
    note: `closed out by ${method}: margin ${formatAmount(rem.margin)}, equity after ${formatAmount(after)}, loss before margin ${formatAmount(loss)}`,
    detail: { method, asOf: pt, margin: formatAmount(rem.margin), equityAfter: formatAmount(after), loss: formatAmount(loss), ...detail },
  });
}

/**
 * Closes every position of the defaulter's remaining accounts through the liquidation machinery: for each account an
 * approved liquidation closing all of it (the desk's live proposal, if any, superseded), filled at once at the
 * estimated prices (mark moved by the instrument's slippage), fees booked to the funds as for any liquidation.
 */
export function closeOutCommand(ctx: CommandContext, input: InputOf<'default.closeOut'>): Handled<'default.closeOut'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const me = ctx.actor.name;
  const c = loadCase(db, input.case);
  enforce(caseStepRule(c, 'closeOut'));
  const cycle = latestCycle(db);
  if (!cycle) throw new RuleError('no_cycle', 'a close-out needs a margin cycle first (liquidations belong to one): run cycle.run');
  const pt = priceTimeOf(ctx.db, ctx.now());
  const rem = remainingBefore(db, c, pt);
  const live = liveLiquidationsByAccount(db);
  const policy = readPolicy(db);
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  let settlement: Settlement | null = null;
  const liquidations: number[] = [];
  for (const id of rem.accounts) {
    const book = readAccountBook(db, id, pt);
    if (book.positions.length === 0) continue;
    for (const p of book.positions) if (!book.marks.has(p.instrument)) throw new RuleError('no_price', `no price for ${p.instrument} at or before ${pt}`);
    const existing = live.get(id);
    if (existing) {
      setLiquidation(db, existing.id, { status: 'superseded' }, at);
      addLiquidationEvent(db, existing.id, { at, actor: me, kind: 'superseded', note: `default case ${c.id}: replaced by the default close-out`, detail: JSON.stringify({ case: c.id }) });
    }
    const r = exactAccount(exactContext(book), id, book.positions.map((_, i) => i), book.collateral.map((_, i) => i));
    const reasons: PlanReason[] = [{ code: 'default', unit: 'cross', text: `default case ${c.id}: member ${c.member} is in default; every position is closed out` }];
    const plan = applyOrders(
      planContext(book),
      { id, positions: book.positions, collateral: book.collateral, cross: { equity: r.equity, mm: r.mm, im: r.im } },
      book.positions.map((p) => ({ instrument: p.instrument, lots: p.quantity < 0n ? -p.quantity : p.quantity })),
      reasons,
    );
    const lid = insertLiquidation(db, {
      account: id,
      cycle: cycle.id,
      status: 'proposed',
      reasons: JSON.stringify(reasons),
      before: JSON.stringify(figuresJson(plan.before)),
      after: JSON.stringify(figuresJson(plan.after)),
      notional: plan.notional,
      at,
    });
    insertOrders(db, lid, plan.orders.map((o, k) => orderRowOf(o, k + 1, o.lots)));
    addLiquidationEvent(db, lid, { at, actor: me, kind: 'proposed', note: `default case ${c.id}: close-out of every position`, detail: JSON.stringify({ case: c.id }) });
    setLiquidation(db, lid, { status: 'approved', approvedBy: me, approvedAt: at }, at);
    addLiquidationEvent(db, lid, {
      at,
      actor: me,
      kind: 'approved',
      note: `default close-out (the default was declared by ${c.declaredBy} and confirmed by ${c.confirmedBy})${input.note ? `: ${input.note}` : ''}`,
      detail: JSON.stringify({ case: c.id }),
    });
    settlement ??= settlementAt(db, pt);
    for (const order of readOrders(db, lid)) {
      if (order.lots === 0n) continue;
      const pos = book.positions.find((p) => p.instrument === order.instrument)!;
      insertCloseOutPosition(db, c.id, { account: id, instrument: order.instrument, quantity: pos.quantity, entryValue: pos.entryValue, mark: order.mark, price: order.price, liquidation: lid, bid: null });
      recordFill(db, policy, instruments.get(order.instrument)!, settlement, {
        liquidation: getLiquidation(db, lid)!,
        order,
        lots: order.lots,
        price: order.price,
        simulated: true,
        actor: me,
        at,
        priceTime: pt,
      });
    }
    liquidations.push(lid);
  }
  const isolatedDeficit: Deficits = new Map();
  for (const x of shortfallsOfLiquidations(db, liquidations)) {
    if (x.note.startsWith('isolated')) isolatedDeficit.set(x.account, (isolatedDeficit.get(x.account) ?? 0n) + x.amount);
  }
  finishCloseOut(ctx, c, 'liquidation', rem, pt, isolatedDeficit, { liquidations });
  return { output: caseDetail(db, c.id), journal: { result: { case: c.id, method: 'liquidation', liquidations, loss: formatAmount(loadCase(db, c.id).closeOutLoss ?? 0n) } } };
}

// ---- auction ----

function houseAccountOf(db: Database, member: string): string | null {
  return memberAccounts(db, member).find((a) => a.kind === 'house')?.id ?? null;
}

/** The remaining portfolio's underlyings (what a sub-portfolio bid can be for). */
function portfolioUnderlyings(db: Database, c: CaseRow): Set<string> {
  const inst = new Map(readInstruments(db).map((i) => [i.id, i.underlying]));
  const out = new Set<string>();
  for (const a of memberAccounts(db, c.member)) for (const p of readPositions(db, a.id)) out.add(inst.get(p.instrument)!);
  return out;
}

export function bidCommand(ctx: CommandContext, input: InputOf<'default.bid'>): Handled<'default.bid'> {
  const { db } = ctx;
  const at = ctx.now().toISOString();
  const c = loadCase(db, input.case);
  enforce(caseStepRule(c, 'bid'));
  const m = loadMember(db, input.member);
  if (m.id === c.member) throw new InputError('the defaulter cannot bid for its own portfolio', { field: 'member' });
  if (m.status !== 'active') throw new RuleError('bidder_not_active', `member ${m.id} is ${m.status}: only active members bid`);
  const account = houseAccountOf(db, m.id);
  if (!account) throw new RuleError('no_house_account', `member ${m.id} has no house account to take the positions into`);
  const lots = portfolioUnderlyings(db, c);
  if (lots.size === 0) throw new RuleError('nothing_to_auction', `the defaulter ${c.member} holds no positions to auction`);
  if (input.lot !== '*' && !lots.has(input.lot)) {
    throw new InputError(`the defaulter's portfolio holds nothing on "${input.lot}": bid for "*" or one of ${[...lots].sort().join(', ')}`, { field: 'lot' });
  }
  const neg = input.amount.startsWith('-');
  const amount = moneyIn(ctx, neg ? input.amount.slice(1) : input.amount.replace(/^\+/, ''), 'amount') * (neg ? -1n : 1n);
  // The bidder takes the lot at its marks and pays the bid on top: a bid is a premium (or, negative, a discount) on
  // that value, and one that is a large share of it is a typo or a distressed price the desk should see first.
  const gross = lotGrossValue(ctx, c, input.lot);
  const size = amount < 0n ? -amount : amount;
  if (size * 1_000_000n > gross * BID_CONFIRM_SHARE_PPM) {
    const what = input.lot === '*' ? 'the whole portfolio' : `the ${input.lot} sub-portfolio`;
    const share = gross === 0n ? 'and the lot has no value at the marks' : `${times(size * 100n, gross)}% of`;
    confirmOrAsk(
      ctx,
      input.confirm,
      `${m.id}'s bid of ${money(amount)} for ${what} of case ${c.id} is ${share} its gross value of ${money(gross)} at the marks: more than ${BID_CONFIRM_SHARE_PPM / 10_000n}%`,
    );
  }
  const id = insertBid(db, c.id, { lot: input.lot, member: m.id, account, amount, at, actor: ctx.actor.name, note: input.note ?? '' });
  addCaseEvent(db, c.id, { at, actor: ctx.actor.name, kind: 'bid', note: `${m.id} bids ${formatAmount(amount)} for ${input.lot === '*' ? 'the whole portfolio' : `the ${input.lot} sub-portfolio`}`, detail: { bid: id } });
  return { output: caseDetail(db, c.id), journal: { result: { case: c.id, bid: id, member: m.id, lot: input.lot, amount: formatAmount(amount) } } };
}

/** The gross value at the marks (the sum of each position's |value|) of what the defaulter still holds in a lot. */
function lotGrossValue(ctx: CommandContext, c: CaseRow, lot: string): bigint {
  const pt = priceTimeOf(ctx.db, ctx.now());
  const instruments = new Map(readInstruments(ctx.db).map((i) => [i.id, i]));
  let gross = 0n;
  for (const acct of remainingBefore(ctx.db, c, pt).accounts) {
    const book = readAccountBook(ctx.db, acct, pt);
    for (const p of book.positions) {
      const inst = instruments.get(p.instrument)!;
      const mark = book.marks.get(p.instrument);
      if ((lot !== '*' && inst.underlying !== lot) || mark === undefined) continue;
      const v = lotsValue(inst, p.quantity, mark);
      gross += v < 0n ? -v : v;
    }
  }
  return gross;
}

/** The best bid of a list: the highest amount, then the earliest. */
function best(bids: BidRow[]): BidRow | null {
  let b: BidRow | null = null;
  for (const x of bids) if (b === null || x.amount > b.amount) b = x;
  return b;
}

/** The winning bids: the whole-portfolio bid, or the best bid of every underlying, whichever pays more (ties: the whole). */
export function chooseWinners(bids: BidRow[], underlyings: Set<string>): { winners: BidRow[]; why: string } {
  const open = bids.filter((b) => b.status === 'open');
  const whole = best(open.filter((b) => b.lot === '*'));
  const parts = [...underlyings].sort().map((u) => best(open.filter((b) => b.lot === u)));
  const complete = parts.every((p) => p !== null);
  const partsTotal = complete ? parts.reduce((s, p) => s + p!.amount, 0n) : null;
  if (whole && (partsTotal === null || whole.amount >= partsTotal)) {
    return { winners: [whole], why: partsTotal === null ? 'the whole-portfolio bid (the sub-portfolio bids do not cover every underlying)' : `the whole-portfolio bid ${formatAmount(whole.amount)} >= the sub-portfolio bids ${formatAmount(partsTotal)}` };
  }
  if (partsTotal !== null) return { winners: parts as BidRow[], why: `the sub-portfolio bids ${formatAmount(partsTotal)}${whole ? ` > the whole-portfolio bid ${formatAmount(whole.amount)}` : ''}` };
  const missing = [...underlyings].sort().filter((u, i) => parts[i] === null);
  throw new RuleError('no_winning_bids', `no bid for the whole portfolio, and no sub-portfolio bid for ${missing.join(', ')}`);
}

/**
 * Awards the auction: the winning bids take their lots into the bidder's house account at the marks (the defaulter
 * realises its P&L at the mark), and each winner pays its bid to the defaulter's house account (a negative bid is paid
 * to the winner). Refused whole when a winner's house account would end below maintenance margin.
 */
export function awardCommand(ctx: CommandContext, input: InputOf<'default.award'>): Handled<'default.award'> {
  const { db } = ctx;
  const c = loadCase(db, input.case);
  const bids = caseBids(db, c.id);
  enforce(awardRule(c, bids.filter((b) => b.status === 'open').length));
  const pt = priceTimeOf(ctx.db, ctx.now());
  const policy = readPolicy(db);
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  const underlyings = portfolioUnderlyings(db, c);
  if (underlyings.size === 0) throw new RuleError('nothing_to_auction', `the defaulter ${c.member} holds no positions to auction`);
  const { winners, why } = chooseWinners(bids, underlyings);
  // The automatic path closes the portfolio out through the liquidation machinery instead.
  const automatic = closeOutLossNow(ctx, c.id);
  const rem = remainingBefore(db, c, pt);
  const settlement = settlementAt(db, pt);
  const cash = cashAsset(db);
  const proceedsTo = memberAccounts(db, c.member).find((a) => a.kind === 'house')?.id ?? rem.accounts[0]!;
  const isolatedDeficit: Deficits = new Map();
  const gate = limitGate(ctx, winners.map((w) => w.account), refuseLimit);
  for (const w of winners) {
    for (const acct of rem.accounts) {
      const book = readAccountBook(db, acct, pt);
      for (const p of book.positions) {
        const inst = instruments.get(p.instrument)!;
        if (w.lot !== '*' && inst.underlying !== w.lot) continue;
        const mark = book.marks.get(p.instrument);
        if (mark === undefined) throw new RuleError('no_price', `no price for ${p.instrument} at or before ${pt}`);
        // The value the winner takes the lots at, rounded once as every position's value is (lotValue.ts).
        const value = lotsValue(inst, p.quantity, mark);
        const realised = value - p.entryValue;
        insertCloseOutPosition(db, c.id, { account: acct, instrument: p.instrument, quantity: p.quantity, entryValue: p.entryValue, mark, price: mark, liquidation: null, bid: w.id });
        writePosition(db, { account: acct, instrument: p.instrument, closed: true });
        const released = p.isolatedMargin === null ? realised : p.isolatedMargin + realised;
        if (p.isolatedMargin !== null && released < 0n) isolatedDeficit.set(acct, (isolatedDeficit.get(acct) ?? 0n) - released);
        else addCollateral(db, acct, settlement.asset.id, cashToQuantity(settlement, released));
        const theirs = readPositions(db, w.account).find((x) => x.instrument === p.instrument);
        const merged = mergeInto(theirs, w.account, inst, p.quantity, value, mark, policy);
        if (!theirs) {
          insertPosition(db, { account: w.account, instrument: p.instrument, quantity: merged.position!.quantity, entryValue: merged.position!.entryValue });
        } else {
          writePosition(db, merged.position ?? { account: w.account, instrument: p.instrument, closed: true });
        }
        addCollateral(db, w.account, settlement.asset.id, cashToQuantity(settlement, merged.cash));
      }
    }
    addCashCollateral(db, w.account, cash, -w.amount, 'amount');
    addCashCollateral(db, proceedsTo, cash, w.amount, 'amount');
  }
  gate.check();
  // Every winner's house account must stay at or above maintenance margin with what it took.
  const winnersBook = subBook(db, pt, (a) => winners.some((w) => w.account === a.id));
  for (const [id, r] of evaluateAll(winnersBook)) {
    if (BAD.has(r.status)) {
      const w = winners.find((x) => x.account === id)!;
      throw new RuleError('receiver_shortfall', `bid ${w.id}: member ${w.member}'s house account ${id} would be ${r.status} after taking the lot (equity ${formatAmount(r.equity)}, MM ${formatAmount(r.mm)})`);
    }
  }
  for (const b of bids) if (b.status === 'open') setBidStatus(db, b.id, winners.includes(b) ? 'won' : 'lost');
  finishCloseOut(ctx, c, 'auction', rem, pt, isolatedDeficit, { winners: winners.map((w) => w.id), why });
  return {
    output: caseDetail(db, c.id),
    journal: {
      result: {
        case: c.id,
        method: 'auction',
        winners: winners.map((w) => ({ bid: w.id, member: w.member, lot: w.lot, amount: formatAmount(w.amount) })),
        why,
        closeOutLoss: { loss: formatAmount(loadCase(db, c.id).closeOutLoss ?? 0n) },
        automatic: { path: 'default.closeOut', closeOutLoss: automatic },
      },
    },
  };
}

