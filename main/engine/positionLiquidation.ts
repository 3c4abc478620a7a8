// The liquidation price of one position of an evaluated account, as the account detail and the what-if report it.
import type { Instrument, Position } from './model.ts';
import type { AccountResult, PositionResult } from './results.ts';
import { liquidationPrice } from './liquidationPrice.ts';

/**
 * The mark at which the position's margin unit reaches equity = MM with every other price held: its own isolated
 * margin, or the cross part's collateral, the other positions' MM and upnl. Null for an option (the closed form is
 * for linear positions), for a portfolio-margined position (its margin moves with its whole commodity's scan, which
 * the closed form does not follow) and where no such price exists.
 */
export function positionLiquidationPrice(r: AccountResult, pos: Position, p: PositionResult, inst: Instrument, mark: bigint): string | null {
  if (inst.kind === 'option' || inst.margin === 'portfolio' || pos.quantity === 0n) return null;
  const base = {
    quantity: pos.quantity,
    entryValue: pos.entryValue,
    lotTickValue: inst.lotTickValue,
    lotTickScale: inst.lotTickScale,
    lot: inst.lot,
    tick: inst.tick,
    multiplier: inst.multiplier,
    tiers: inst.tiers,
    mark,
  };
  if (pos.isolatedMargin !== null) return liquidationPrice({ ...base, kind: 'isolated', isolatedMargin: pos.isolatedMargin });
  return liquidationPrice({
    ...base,
    kind: 'cross',
    walletBalance: r.collateralValue,
    otherMm: r.mm - p.mm,
    otherUpnl: r.equity - r.collateralValue - p.upnl,
  });
}
