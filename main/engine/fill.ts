// A liquidation fill applied to an account's holdings (methodology §7, execution): the position shrinks, realised
// P&L less fees is paid into the unit (the cross settlement holding, or the isolated position's margin), and an
// isolated position closed whole hands its margin back to the settlement holding, or leaves a shortfall when that
// margin is negative. Pure: the ledger writes what this returns; tests apply plans with it.
import type { Policy, Position } from './model.ts';
import type { LotTick } from './lotValue.ts';
import { closeEffect, cashToQuantity, type CloseEffect, type Settlement } from './closeMath.ts';

export interface FillOutcome {
  effect: CloseEffect;
  /** The position afterwards, or null when closed whole. */
  position: Position | null;
  /** Change of the settlement holding (asset quantity units). */
  settlementDelta: bigint;
  /** Negative isolated margin left by a position closed whole, micro-USD >= 0. */
  shortfall: bigint;
}

export class FillError extends Error {}

export function applyFill(
  pos: Position,
  inst: LotTick,
  lots: bigint,
  price: bigint,
  policy: Pick<Policy, 'liquidationFeeRate' | 'insuranceFeeRate' | 'amountScale'>,
  settlement: Settlement | null,
): FillOutcome {
  const n = pos.quantity < 0n ? -pos.quantity : pos.quantity;
  if (lots <= 0n) throw new FillError('a fill must close at least one lot');
  if (lots > n) throw new FillError(`cannot close ${lots} lots of ${pos.instrument}: the position holds ${n}`);
  const c = pos.quantity > 0n ? lots : -lots;
  const effect = closeEffect({ quantity: pos.quantity, entryValue: pos.entryValue, close: c, price, inst, policy });
  const q = pos.quantity - c;
  const entryValue = pos.entryValue - effect.portion;
  if (pos.isolatedMargin === null) {
    return {
      effect,
      position: q === 0n ? null : { ...pos, quantity: q, entryValue },
      settlementDelta: cashToQuantity(settlement, effect.cash),
      shortfall: 0n,
    };
  }
  const margin = pos.isolatedMargin + effect.cash;
  if (q !== 0n) {
    if (margin < 0n) {
      throw new FillError(
        `this fill would leave the isolated ${pos.instrument} position with a negative margin (${margin} micro-USD): close the whole position`,
      );
    }
    return { effect, position: { ...pos, quantity: q, entryValue, isolatedMargin: margin }, settlementDelta: 0n, shortfall: 0n };
  }
  return {
    effect,
    position: null,
    settlementDelta: margin > 0n ? cashToQuantity(settlement, margin) : 0n,
    shortfall: margin < 0n ? -margin : 0n,
  };
}
