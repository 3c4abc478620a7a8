// What closing part of a position does to its margin unit, in exact integer units (methodology §7). The planner
// searches with it, the desk's edits are re-evaluated with it, and execution books fills with it, so an order
// filled at its estimated price lands exactly where the plan said it would.
//
// Closing c lots (signed like the position q, 0 < |c| <= |q|) at price P (ticks), K the lot-tick value:
// - the entry value leaves in proportion: portion = entryValue x c / q (half-even; all of it when c = q);
// - realised P&L = c x P x K - portion, the value c x P x K rounded down when K is fine (lotValue.ts);
// - fees on the closed notional |c x P x K| (rounded up when K is fine): liquidation fee f and insurance-fund fee
//   g, each rounded up to the
//   policy's amount scale (money demanded, §1);
// - the cash result (realised - fees) is paid into the unit: a cross unit's settlement holding (rounded down to the
//   asset's quantity unit: paid out rounds down, owed rounds up, both are floor of the signed amount), an isolated
//   position's own margin (micro-USD, exact).
import type { Asset, Bracket, Instrument, Policy } from './model.ts';
import { divRound, RATE_ONE } from '../../shared/units.ts';
import { collateralValue } from './exactAccount.ts';
import { lotsNotional, lotsValue, type LotTick } from './lotValue.ts';

/** Where a cross unit's realised P&L and fees are settled: an asset holding, or plain micro-USD at par. */
export interface Settlement {
  asset: Asset;
  price: bigint;
}

/** The asset cash settles in. */
export const SETTLEMENT_ASSET = 'USD';

/** Slippage rate (ppm) of closing `closedNotional` (micro-USD at the mark): the impact table's bracket, or the flat rate. */
export function slippageRate(inst: Pick<Instrument, 'slippage' | 'impact'>, closedNotional: bigint): bigint {
  const table = inst.impact;
  if (!table || table.length === 0) return inst.slippage;
  let rate = (table[0] as Bracket).rate;
  for (const b of table) if (b.floor <= closedNotional) rate = b.rate;
  return rate;
}

/**
 * The estimated fill price (ticks) of closing |lots| of a position of sign `side` at `mark`: the mark moved against
 * the liquidated side by the slippage rate, to the whole tick that is worse for it (a sale rounds down, a purchase up).
 */
export function estimatedPrice(inst: Pick<Instrument, 'slippage' | 'impact'> & LotTick, mark: bigint, lots: bigint, side: 1n | -1n): bigint {
  const rate = slippageRate(inst, lotsNotional(inst, lots, mark));
  if (rate === 0n) return mark;
  return side === 1n ? divRound(mark * (RATE_ONE - rate), RATE_ONE, 'floor') : divRound(mark * (RATE_ONE + rate), RATE_ONE, 'ceil');
}

export interface CloseEffect {
  /** Entry value that leaves the position (micro-USD, signed like q). */
  portion: bigint;
  realised: bigint;
  /** |c x P x K|, micro-USD (rounded up when K is fine). */
  notional: bigint;
  liquidationFee: bigint;
  insuranceFee: bigint;
  /** realised - fees, micro-USD: what the unit gains (negative: pays). */
  cash: bigint;
}

/** rate x notional rounded up to the amount scale: ceil(ceil(n x r / 1e6) / step) x step = ceil(n x r / (1e6 x step)) x step. */
export function feeOf(notional: bigint, rate: bigint, amountScale: number): bigint {
  if (rate === 0n || notional === 0n) return 0n;
  if (amountScale >= 6) return divRound(notional * rate, RATE_ONE, 'ceil');
  const step = 10n ** BigInt(6 - amountScale);
  return divRound(notional * rate, RATE_ONE * step, 'ceil') * step;
}

export function closeEffect(p: {
  quantity: bigint;
  entryValue: bigint;
  close: bigint;
  price: bigint;
  inst: LotTick;
  policy: Pick<Policy, 'liquidationFeeRate' | 'insuranceFeeRate' | 'amountScale'>;
}): CloseEffect {
  const { quantity: q, close: c } = p;
  if (c === 0n || q > 0n !== c > 0n || (c < 0n ? -c : c) > (q < 0n ? -q : q)) {
    throw new RangeError(`closing ${c} lots is not a reduction of the position ${q}`);
  }
  const portion = c === q ? p.entryValue : divRound(p.entryValue * c, q, 'halfEven');
  const realised = lotsValue(p.inst, c, p.price) - portion;
  const notional = lotsNotional(p.inst, c, p.price);
  const liquidationFee = feeOf(notional, p.policy.liquidationFeeRate, p.policy.amountScale);
  const insuranceFee = feeOf(notional, p.policy.insuranceFeeRate, p.policy.amountScale);
  return { portion, realised, notional, liquidationFee, insuranceFee, cash: realised - liquidationFee - insuranceFee };
}

// Cash priced at a whole number of micro-USD per quantity unit with no haircut (USD held in cents: 10,000) converts
// by one multiplication or division; the planner does this for every trial close.
const parCache = new WeakMap<Settlement, bigint | null>();
function microPerUnit(s: Settlement): bigint | null {
  let v = parCache.get(s);
  if (v === undefined) {
    const num = s.price * 1_000_000n;
    const den = 10n ** BigInt(s.asset.quantityScale + s.asset.priceScale);
    const flat = s.asset.haircuts.every((b) => b.rate === 0n);
    v = flat && num % den === 0n && num > 0n ? num / den : null;
    parCache.set(s, v);
  }
  return v;
}

/** Whether the settlement holding converts to micro-USD by one exact multiplication (no haircut, a whole number of micro-USD a unit). */
export function settlesAtPar(s: Settlement | null): boolean {
  return s === null || microPerUnit(s) !== null;
}

/** Micro-USD as a quantity of the settlement asset, rounded down (floor of the signed amount). */
export function cashToQuantity(s: Settlement | null, micro: bigint): bigint {
  if (s === null) return micro;
  const { asset, price } = s;
  if (price <= 0n) throw new RangeError(`settlement asset ${asset.id} has no positive price`);
  const par = microPerUnit(s);
  if (par !== null) return divRound(micro, par, 'floor');
  return divRound(micro * 10n ** BigInt(asset.quantityScale + asset.priceScale), price * 1_000_000n, 'floor');
}

/** Value (micro-USD, after haircut) of a settlement holding. */
export function settlementValue(s: Settlement | null, quantity: bigint): bigint {
  if (s === null) return quantity;
  const par = microPerUnit(s);
  if (par !== null) return quantity * par;
  return collateralValue(s.asset, quantity, s.price);
}
