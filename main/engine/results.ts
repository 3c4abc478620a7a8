// What an evaluation of a book produces. All amounts are micro-USD integers (methodology §1).
//
// Exact semantics (the integer kernel and the decimal.js reference both follow these to the unit):
// - K = lotTickValue x 10^-lotTickScale. notional = |q| x mark x K; upnl = q x mark x K - entryValue. When K is not
//   a whole number of micro-USD (a fine instrument), each position's figures are rounded once, in methodology §1's
//   direction: notional = ceil(|q| x mark x K) (requirements are money demanded), value = floor(q x mark x K) (equity
//   never overstated), upnl = value - entryValue. Sums and requirements are then taken from these whole figures.
//   lotValue.ts is the one implementation; test/support/reference.ts follows this text on its own.
// - Tier n is the last tier whose floor <= notional. cum_1 = 0, cum_n = floor_n x (mmr_n - mmr_{n-1}) + cum_{n-1}
//   (kept exact in micro x ppm). MM = ceil((notional x mmr_n - cum_n) / 1e6); IM likewise with imr.
// - Collateral row: gross = floor(quantity x price x 10^6 / 10^(quantityScale + priceScale)); when gross > 0 the
//   haircut amount is ceil((gross x h_n - cumH_n) / 1e6) with the bracket chosen by gross (bracketed like tiers) and
//   value = gross - haircut; when gross <= 0 (a debit) value = gross.
// - Cross part of an account: equity = sum of collateral values + sum of upnl of cross positions; MM, IM = sums.
//   Isolated position: equity = isolatedMargin + upnl, its own MM and IM.
// - Status of a margin unit (the cross part, or one isolated position): bankrupt if equity < 0; else liquidation if
//   MM > 0 and equity x 1e6 < liquidationHealth x MM; else call if equity < MM; else warning if equity < IM; else
//   healthy. The account's status is the worst over its units.
// - A unit needs a call when equity < MM (callTrigger maintenance) or equity < IM (initial); it then needs IM - equity.
//   The account's call amount is the sum over units that need one, rounded up (ceil) to policy.amountScale;
//   null when no unit needs one.
import type { AccountStatus } from './model.ts';
import type { CommodityResult } from './portfolio/scan.ts';

export interface UnitResult {
  equity: bigint;
  mm: bigint;
  im: bigint;
  status: AccountStatus;
}

export interface PositionResult {
  instrument: string;
  quantity: bigint;
  notional: bigint;
  upnl: bigint;
  mm: bigint;
  im: bigint;
  /** The isolated position's own margin unit, or null for a cross position. */
  isolated: UnitResult | null;
}

export interface AccountResult {
  id: string;
  collateralValue: bigint;
  /** Cross part. */
  equity: bigint;
  mm: bigint;
  im: bigint;
  /** Worst status over the cross part and every isolated position. */
  status: AccountStatus;
  callAmount: bigint | null;
  positions: PositionResult[];
  /** Combined commodities of the cross part (portfolio margin, methodology §4); absent when it holds none. */
  commodities?: CommodityResult[];
}

export const STATUS_RANK: Record<AccountStatus, number> = {
  healthy: 0,
  warning: 1,
  call: 2,
  liquidation: 3,
  bankrupt: 4,
};
