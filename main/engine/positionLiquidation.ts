// The liquidation and bankruptcy prices of one position of an evaluated account, as the account detail, the what-if
// and a figure's trace (main/engine/explain) report them.
import type { Instrument, Position } from './model.ts';
import type { AccountResult, PositionResult } from './results.ts';
import { liquidationPrice, type LiqInput } from './liquidationPrice.ts';
import { wholePositionBankruptcyPrice } from './bankruptcyPrice.ts';

/**
 * The mark at which the position's margin unit reaches equity = MM with every other price held: its own isolated
 * margin, or the cross part's collateral, the other positions' MM and upnl. Null for an option (the closed form is
 * for linear positions), for a portfolio-margined position (its margin moves with its whole commodity's scan, which
 * the closed form does not follow) and where no such price exists. The views give the first two theirs by scanning
 * (scannedPrices.ts); the bankruptcy price below likewise.
 */
export function positionLiquidationPrice(r: AccountResult, pos: Position, p: PositionResult, inst: Instrument, mark: bigint): string | null {
  const input = liquidationInputOf(r, pos, p, inst, mark);
  return input === null ? null : liquidationPrice(input);
}

/** What the liquidation price is solved from: the position and the money its margin unit draws on. Null for an option or a portfolio-margined position. */
export function liquidationInputOf(r: AccountResult, pos: Position, p: PositionResult, inst: Instrument, mark: bigint): LiqInput | null {
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
  if (pos.isolatedMargin !== null) return { ...base, kind: 'isolated', isolatedMargin: pos.isolatedMargin };
  return {
    ...base,
    kind: 'cross',
    walletBalance: r.collateralValue,
    otherMm: r.mm - p.mm,
    otherUpnl: r.equity - r.collateralValue - p.upnl,
  };
}

/** The bankruptcy price per unit of closing the whole position, against its margin unit (cross part or isolated). */
export function positionBankruptcyPrice(r: AccountResult, pos: Position, p: PositionResult, inst: Instrument, mark: bigint): string | null {
  const unit = p.isolated ?? { equity: r.equity, mm: r.mm };
  return wholePositionBankruptcyPrice({
    equity: unit.equity,
    mm: unit.mm,
    quantity: pos.quantity,
    mark,
    lotTickValue: inst.lotTickValue,
    lotTickScale: inst.lotTickScale,
    positionMm: p.mm,
    lot: inst.lot,
    multiplier: inst.multiplier,
  });
}
