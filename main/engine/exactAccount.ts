// The BigInt path: one account evaluated with arbitrary-precision integers, for accounts whose figures leave the
// float kernel's exact range, and for per-position detail. Results beyond int64 are refused, never wrapped.
import type { Book, Asset, Instrument, AccountStatus } from './model.ts';
import type { AccountResult, PositionResult, UnitResult } from './results.ts';
import { STATUS_RANK } from './results.ts';
import { tieredRequirement, bracketAmount } from './tierMath.ts';
import { lotsNotional, lotsValue } from './lotValue.ts';
import { checkRange, divRound, roundAmountToScale } from '../../shared/units.ts';
import { heldRisk, type InstrumentRisk } from './portfolio/riskArrays.ts';
import { accountCommodities } from './portfolio/scan.ts';

export interface ExactContext {
  book: Book;
  instruments: Map<string, Instrument>;
  assets: Map<string, Asset>;
  /** Risk arrays of the portfolio-margined instruments held (methodology §4), computed once per evaluation. */
  risk: Map<string, InstrumentRisk>;
}

export function exactContext(book: Book): ExactContext {
  return {
    book,
    instruments: new Map(book.instruments.map((x) => [x.id, x])),
    assets: new Map(book.assets.map((x) => [x.id, x])),
    risk: heldRisk(book),
  };
}

const NO_REQUIREMENT = Object.freeze({ mm: 0n, im: 0n });

export function unitStatusExact(e: bigint, m: bigint, i: bigint, liquidationHealth: bigint): AccountStatus {
  if (e < 0n) return 'bankrupt';
  if (m > 0n && e * 1_000_000n < liquidationHealth * m) return 'liquidation';
  if (e < m) return 'call';
  if (e < i) return 'warning';
  return 'healthy';
}

/** A holding's value before haircut: quantity x price, rounded down to the micro-dollar. */
export function grossValue(asset: Asset, quantity: bigint, price: bigint): bigint {
  return divRound(quantity * price * 1_000_000n, 10n ** BigInt(asset.quantityScale + asset.priceScale), 'floor');
}

export function collateralValue(asset: Asset, quantity: bigint, price: bigint): bigint {
  const gross = grossValue(asset, quantity, price);
  if (gross <= 0n) return checkRange(gross, `collateral ${asset.id}`);
  return checkRange(gross - bracketAmount(asset.haircuts, gross), `collateral ${asset.id}`);
}

/**
 * Evaluates the positions and collateral given (all of one account) exactly. `positions` and `collateral` are
 * indices into book.positions / book.collateral.
 */
export function exactAccount(
  ctx: ExactContext,
  accountId: string,
  positions: ArrayLike<number>,
  collateral: ArrayLike<number>,
): AccountResult {
  const { book } = ctx;
  const policy = book.policy;
  const what = `account ${accountId}`;
  let colSum = 0n;
  for (let k = 0; k < collateral.length; k++) {
    const c = book.collateral[collateral[k]!]!;
    const asset = ctx.assets.get(c.asset)!;
    const price = book.assetPrices.get(c.asset);
    if (price === undefined) throw new RangeError(`no price for asset ${c.asset}`);
    colSum += collateralValue(asset, c.quantity, price);
  }
  let equity = colSum;
  let mm = 0n;
  let im = 0n;
  let need = 0n;
  let worst: AccountStatus = 'healthy';
  const onInitial = policy.callTrigger === 'initial';
  const results: PositionResult[] = [];
  for (let k = 0; k < positions.length; k++) {
    const p = book.positions[positions[k]!]!;
    const inst = ctx.instruments.get(p.instrument)!;
    const mark = book.marks.get(p.instrument);
    if (mark === undefined) throw new RangeError(`no price for instrument ${p.instrument}`);
    // Rounded once per position (a fine instrument's K is not whole micro-USD): lotValue.ts.
    const notional = checkRange(lotsNotional(inst, p.quantity, mark), `${what} ${p.instrument} notional`);
    const upnl = checkRange(lotsValue(inst, p.quantity, mark) - p.entryValue, `${what} ${p.instrument} upnl`);
    // A portfolio position's margin is its combined commodity's, below.
    const req = inst.margin === 'portfolio' ? NO_REQUIREMENT : tieredRequirement(inst.tiers, notional);
    let isolated: UnitResult | null = null;
    if (p.isolatedMargin === null) {
      equity += upnl;
      mm += req.mm;
      im += req.im;
    } else {
      const e = checkRange(p.isolatedMargin + upnl, `${what} ${p.instrument} isolated equity`);
      const status = unitStatusExact(e, req.mm, req.im, policy.liquidationHealth);
      isolated = { equity: e, mm: req.mm, im: req.im, status };
      if (STATUS_RANK[status] > STATUS_RANK[worst]) worst = status;
      if (e < (onInitial ? req.im : req.mm)) need += req.im - e;
    }
    results.push({ instrument: p.instrument, quantity: p.quantity, notional, upnl, mm: req.mm, im: req.im, isolated });
  }
  const commodities = ctx.risk.size === 0 ? [] : accountCommodities(
    Array.from(positions, (k) => book.positions[k]!),
    ctx.instruments,
    ctx.risk,
    book.market?.spreads ?? [],
  );
  for (const c of commodities) {
    mm += c.mm;
    im += c.im;
  }
  checkRange(equity, `${what} equity`);
  checkRange(mm, `${what} maintenance margin`);
  checkRange(im, `${what} initial margin`);
  const cross = unitStatusExact(equity, mm, im, policy.liquidationHealth);
  if (STATUS_RANK[cross] > STATUS_RANK[worst]) worst = cross;
  if (equity < (onInitial ? im : mm)) need += im - equity;
  const callAmount = need > 0n ? checkRange(roundAmountToScale(need, policy.amountScale, 'ceil'), `${what} call`) : null;
  const r: AccountResult = { id: accountId, collateralValue: colSum, equity, mm, im, status: worst, callAmount, positions: results };
  if (commodities.length > 0) r.commodities = commodities;
  return r;
}
