// One account evaluated now, for the accounts screen's detail panel and its what-if shock: a Book holding only
// that account (the policy, the instruments and assets it uses, its positions and collateral, their prices), run
// through the exact engine, and the results turned into decimal strings.
import type { Database } from 'better-sqlite3';
import type { AccountFigures, CollateralView, MarginUnitView, PositionView } from '../../../shared/contract.ts';
import type { Account, Book, Instrument, Asset } from '../../engine/model.ts';
import type { AccountResult, PositionResult } from '../../engine/results.ts';
import { STATUS_RANK } from '../../engine/results.ts';
import { exactAccount, exactContext, collateralValue, grossValue, unitStatusExact } from '../../engine/exactAccount.ts';
import { tierIndex } from '../../engine/tierMath.ts';
import { isolatedUnits, worstUnit } from '../../engine/marginUnits.ts';
import { positionLiquidationPrice, positionBankruptcyPrice } from '../../engine/positionLiquidation.ts';
import { liquidationShown } from '../../engine/liquidationShown.ts';
import { scannedPositionViews, shockedForScan } from '../../engine/scannedPrices.ts';
import { restoreNeed } from '../../engine/calls.ts';
import { markByModel, modelMarkText } from '../../engine/optionMarks.ts';
import { readPolicy, readInstruments, readAssets, readPositions, readCollateral, heldWithUnderlyings, readMarket } from '../../ledger/bookRepo.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { listCalls, type CallRow } from '../../ledger/callRepo.ts';
import { readAccount, latestMarks, latestAssetPrices } from '../../ledger/consoleRepo.ts';
import { health } from '../../calculators/margin/run.ts';
import { AMOUNT_SCALE, decimalPlaces, divRound, formatAmount, formatUnits, parseUnits, unitsOf } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';

/** Decimal places of an average entry price (trimmed). */
const ENTRY_PRICE_DP = 8;

export interface AccountSnapshot {
  account: Account;
  /** The time the prices are taken at: the latest cycle's as-of, or (before any cycle) the newest price used. */
  asOf: string;
  /** A book holding only this account. Positions and collateral in the ledger's order. */
  book: Book;
  instruments: Map<string, Instrument>;
  assets: Map<string, Asset>;
  /** The account's open or overdue call, if it has one. */
  liveCall: CallRow | null;
}

/** Reads one account and everything needed to value it at the latest prices. Unknown account: InputError on `field`. */
export function loadAccount(db: Database, id: string, now: () => Date, field = 'id'): AccountSnapshot {
  const account = readAccount(db, id);
  if (!account) throw new InputError(`no account "${id}"`, { field });
  const bound = latestCycle(db)?.asOf ?? null;
  const positions = readPositions(db, id);
  const collateral = readCollateral(db, id);
  const all = readInstruments(db);
  // A portfolio option is priced on its underlying instrument: that future's mark is read too.
  let instIds = heldWithUnderlyings(all, positions);
  const marks = latestMarks(db, instIds, bound);
  // An option with no price is marked by Black-76 on its underlying instrument's mark (engine/optionMarks.ts).
  const bare = new Set([...instIds].filter((i) => !marks.has(i) && all.find((x) => x.id === i)?.kind === 'option'));
  if (bare.size > 0) {
    instIds = heldWithUnderlyings(all, positions, bare);
    for (const [k, v] of latestMarks(db, [...instIds].filter((i) => !marks.has(i)), bound)) marks.set(k, v);
  }
  const assetIds = new Set(collateral.map((c) => c.asset));
  const instruments = all.filter((x) => instIds.has(x.id));
  const assets = readAssets(db).filter((x) => assetIds.has(x.id));
  const assetPrices = latestAssetPrices(db, assetIds, bound);
  const when = bound === null ? 'in the ledger' : `at or before ${bound}`;
  let newest: string | null = null;
  for (const i of instIds) {
    const m = marks.get(i);
    if (bare.has(i)) continue;
    if (!m) throw new RuleError('no_price', `account ${id}: no price for instrument ${i} ${when}`);
    if (newest === null || m.at > newest) newest = m.at;
  }
  for (const a of assetIds) {
    const p = assetPrices.get(a);
    if (!p) throw new RuleError('no_price', `account ${id}: no price for asset ${a} ${when}`);
    if (newest === null || p.at > newest) newest = p.at;
  }
  const liveCall = listCalls(db, { account: id }).find((c) => c.status === 'open' || c.status === 'overdue') ?? null;
  const asOf = bound ?? newest ?? now().toISOString();
  const market = readMarket(db, asOf, instruments, new Map(), bare.size > 0);
  const book: Book = {
    policy: readPolicy(db),
    instruments,
    assets,
    accounts: [account],
    positions,
    collateral,
    marks: new Map([...marks].map(([k, v]) => [k, v.mark])),
    assetPrices: new Map([...assetPrices].map(([k, v]) => [k, v.price])),
    ...(market ? { market } : {}),
  };
  for (const [i, why] of markByModel(book, bare)) throw new RuleError('no_price', `account ${id}: no price for instrument ${i} ${when}, and Black-76 cannot mark it: ${why}`);
  return {
    account,
    asOf,
    book,
    instruments: new Map(instruments.map((x) => [x.id, x])),
    assets: new Map(assets.map((x) => [x.id, x])),
    liveCall,
  };
}

/** The account evaluated with the exact engine, at the snapshot's prices or at the (shocked) prices given. */
export function evaluateSnapshot(s: AccountSnapshot, prices: Pick<Book, 'marks' | 'assetPrices'> = s.book): AccountResult {
  const book: Book = { ...s.book, marks: prices.marks, assetPrices: prices.assetPrices };
  return exactAccount(
    exactContext(book),
    s.account.id,
    book.positions.map((_, i) => i),
    book.collateral.map((_, i) => i),
  );
}

/**
 * The account's figures over every margin unit (methodology §5), as the accounts grid sums them: equity, MM and IM
 * of the cross part plus each isolated position's, the health of the worst unit, and each unit on its own when the
 * account holds an isolated position. Its status is the engine's (the worst unit's), raised to `liquidation` when a
 * live call on it is past its deadline at the snapshot's time and the account still falls short of initial margin
 * (as the margin cycle does).
 */
export function figuresView(s: AccountSnapshot, r: AccountResult): AccountFigures {
  let status = r.status;
  const c = s.liveCall;
  if (c && (c.status === 'overdue' || c.deadline <= s.asOf) && restoreNeed(r, s.book.policy.amountScale) > 0n) {
    if (STATUS_RANK[status] < STATUS_RANK.liquidation) status = 'liquidation';
  }
  const iso = isolatedUnits(r);
  const worst = worstUnit({ equity: r.equity, mm: r.mm }, iso?.worst ?? null);
  return {
    collateral: formatAmount(r.collateralValue),
    equity: formatAmount(r.equity + (iso?.equity ?? 0n)),
    mm: formatAmount(r.mm + (iso?.mm ?? 0n)),
    im: formatAmount(r.im + (iso?.im ?? 0n)),
    health: health(worst.equity, worst.mm),
    status,
    call: r.callAmount === null ? null : formatAmount(r.callAmount),
    units: iso ? unitsView(s, r) : [],
  };
}

/** The cross part, then each isolated position, with its own figures. */
function unitsView(s: AccountSnapshot, r: AccountResult): MarginUnitView[] {
  const unit = (u: 'cross' | 'isolated', instrument: string | null, equity: bigint, mm: bigint, im: bigint, status: MarginUnitView['status']): MarginUnitView => ({
    unit: u,
    instrument,
    equity: formatAmount(equity),
    mm: formatAmount(mm),
    im: formatAmount(im),
    health: health(equity, mm),
    status,
  });
  const out = [unit('cross', null, r.equity, r.mm, r.im, unitStatusExact(r.equity, r.mm, r.im, s.book.policy.liquidationHealth))];
  for (const p of r.positions) if (p.isolated) out.push(unit('isolated', p.instrument, p.isolated.equity, p.isolated.mm, p.isolated.im, p.isolated.status));
  return out;
}

interface Dec {
  n: bigint;
  s: number;
}
const dec = (x: string, what: string): Dec => {
  const s = decimalPlaces(x);
  return { n: parseUnits(x, s, what), s };
};

/** A price in ticks as a decimal (ticks x tick). */
export const ticksToPrice = (ticks: bigint, tick: string): string => unitsOf(ticks, tick);

/** Lots as a quantity of the instrument (lots x lot). */
export const lotsToQuantity = (lots: bigint, lot: string): string => unitsOf(lots, lot);

/** Average entry price = entryValue / (lots x lot x multiplier), half-even to 8 places, trailing zeros trimmed. */
export function entryPriceOf(lots: bigint, entryValue: bigint, inst: Instrument): string {
  if (lots === 0n) return '0';
  const lot = dec(inst.lot, 'lot');
  const mult = dec(inst.multiplier, 'multiplier');
  const num = entryValue * 10n ** BigInt(lot.s + mult.s + ENTRY_PRICE_DP);
  const den = lots * lot.n * mult.n * 10n ** BigInt(AMOUNT_SCALE);
  return formatUnits(divRound(num, den, 'halfEven'), ENTRY_PRICE_DP);
}

function liquidationPriceOf(s: AccountSnapshot, r: AccountResult, p: PositionResult, k: number, mark: bigint): string | null {
  const pos = s.book.positions[k]!;
  return positionLiquidationPrice(r, pos, p, s.instruments.get(pos.instrument)!, mark);
}

/** The model's account of a mark Black-76 made (null: an imported price), while the marks are the snapshot's own. */
function markSourceOf(s: AccountSnapshot, instrument: string, marks: Map<string, bigint>): string | null {
  const m = s.book.modelMarks?.get(instrument);
  return m && marks.get(instrument) === m.ticks ? modelMarkText(m, s.instruments.get(instrument)!.tick) : null;
}

const samePrices = (a: Map<string, bigint>, b: Map<string, bigint>): boolean => a === b || (a.size === b.size && [...a].every(([k, v]) => b.get(k) === v));

/** Every position of the account with its figures, at the prices the result was evaluated at (a shock's, or the snapshot's). */
export function positionsView(s: AccountSnapshot, r: AccountResult, prices: Pick<Book, 'marks' | 'assetPrices'> = s.book): PositionView[] {
  const marks = prices.marks;
  // A portfolio position's prices are found by scanning its underlying instrument's price (engine/scannedPrices.ts);
  // under a what-if shock, from the shocked prices, the shocked option marks held as they are.
  // A shock that moves no price (none given, or all 0) is the detail itself.
  const scanned =
    samePrices(prices.marks, s.book.marks) && samePrices(prices.assetPrices, s.book.assetPrices)
      ? scannedPositionViews(s.book, s.account.id)
      : scannedPositionViews(shockedForScan(s.book, prices), s.account.id, 'Under the shock, ');
  return r.positions.map((p, k) => {
    const sv = scanned(s.book.positions[k]!);
    return sv ? { ...positionView(s, r, p, k, marks), ...sv } : positionView(s, r, p, k, marks);
  });
}

function positionView(s: AccountSnapshot, r: AccountResult, p: PositionResult, k: number, marks: Map<string, bigint>): PositionView {
  const pos = s.book.positions[k]!;
  const inst = s.instruments.get(pos.instrument)!;
  const mark = marks.get(pos.instrument)!;
  const liquidationPrice = liquidationPriceOf(s, r, p, k, mark);
  const markPrice = ticksToPrice(mark, inst.tick);
  return {
    instrument: pos.instrument,
    quantity: lotsToQuantity(pos.quantity, inst.lot),
    entryPrice: entryPriceOf(pos.quantity, pos.entryValue, inst),
    mark: markPrice,
    markSource: markSourceOf(s, pos.instrument, marks),
    notional: formatAmount(p.notional),
    upnl: formatAmount(p.upnl),
    mm: formatAmount(p.mm),
    im: formatAmount(p.im),
    liquidationPrice,
    liquidation: liquidationShown({
      exact: liquidationPrice,
      mark: markPrice,
      tick: inst.tick,
      long: pos.quantity > 0n,
      belowMm: p.isolated ? p.isolated.equity < p.isolated.mm : r.equity < r.mm,
      unit: p.isolated ? 'the isolated position' : 'the account',
      instrument: pos.instrument,
    }),
    bankruptcyPrice: positionBankruptcyPrice(r, pos, p, inst, mark),
    isolated: p.isolated
      ? { equity: formatAmount(p.isolated.equity), mm: formatAmount(p.isolated.mm), im: formatAmount(p.isolated.im), status: p.isolated.status }
      : null,
  };
}

/** Every collateral holding: quantity and price as decimals, value after haircut (at the prices given). */
export function collateralView(s: AccountSnapshot, prices: Map<string, bigint> = s.book.assetPrices): CollateralView[] {
  return s.book.collateral.map((c) => {
    const asset = s.assets.get(c.asset)!;
    const price = prices.get(c.asset)!;
    const gross = grossValue(asset, c.quantity, price);
    const value = collateralValue(asset, c.quantity, price);
    const rule = gross > 0n ? asset.haircutRules?.[tierIndex(asset.haircuts, gross)] : undefined;
    return {
      asset: c.asset,
      quantity: formatUnits(c.quantity, asset.quantityScale),
      price: formatUnits(price, asset.priceScale),
      value: formatAmount(value),
      haircut: formatAmount(gross - value),
      haircutRule: rule?.text ?? null,
    };
  });
}
