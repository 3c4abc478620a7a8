// Bankruptcy price of closing a delta of a position, dYdX v4 form (methodology §7):
//
//   BP = -DNNV - TNC x |DMMR| / TMMR      (quote per delta, rounded toward +infinity)
//
// DNNV: change in the position's net notional value (signed value q x mark x K after minus before, each value
//       rounded as the evaluation rounds it: lotValue.ts);
// TNC: the margin unit's total net collateral (in this model its equity: collateral + upnl, which is the
//      collateral net of entry costs plus the signed position values);
// DMMR: change in the position's maintenance requirement; TMMR: the unit's total maintenance requirement.
// All in micro-USD bigint. As in dYdX (x/clob GetBankruptcyPriceInQuoteQuantums), the one division is floored,
// which rounds the whole toward +infinity: closing at the rounded price never needs the insurance fund.
//
// Per unit: value / closed quantity in units of the underlying (lots x lot x multiplier), signed like the
// position, reported with 8 decimal places, half-even (methodology §1).
import type { Tier } from './model.ts';
import { decimalPlaces, divRound, parseUnits } from '../../shared/units.ts';
import { formatPrice } from './liquidationPrice.ts';
import { tieredRequirement } from './tierMath.ts';
import { lotsNotional, lotsValue } from './lotValue.ts';

export interface BankruptcyInputs {
  /** Change in the position's signed notional value, micro-USD. */
  dnnv: bigint;
  /** Total net collateral of the margin unit (its equity), micro-USD. */
  tnc: bigint;
  /** Change in the position's maintenance requirement (<= 0 when reducing), micro-USD. */
  dmmr: bigint;
  /** Total maintenance requirement of the margin unit, micro-USD. */
  tmmr: bigint;
}

/** -DNNV - TNC x |DMMR| / TMMR, rounded toward +infinity to the micro-USD. */
export function bankruptcyValue({ dnnv, tnc, dmmr, tmmr }: BankruptcyInputs): bigint {
  const absD = dmmr < 0n ? -dmmr : dmmr;
  if (tmmr < 0n) throw new RangeError('TMMR must be >= 0');
  if (tmmr === 0n) {
    if (absD !== 0n) throw new RangeError('DMMR must be 0 when TMMR is 0');
    return -dnnv;
  }
  return -dnnv - divRound(tnc * absD, tmmr, 'floor');
}

/**
 * The bankruptcy price per unit of the underlying: value / (closed quantity x lot x multiplier), 8 places,
 * half-even. `quantity` is the closed quantity in lots, signed like the position (for the whole position, q).
 */
const units = new Map<string, { scale: number; n: bigint }>();
/** A decimal unit string (a lot, a multiplier) as an integer and its scale; instruments share a handful of them. */
function unitOf(s: string, what: string): { scale: number; n: bigint } {
  let u = units.get(s);
  if (!u) {
    const scale = decimalPlaces(s);
    units.set(s, (u = { scale, n: parseUnits(s, scale, what) }));
  }
  return u;
}

export function bankruptcyPricePerUnit(p: { value: bigint; quantity: bigint; lot: string; multiplier: string }): string {
  if (p.quantity === 0n) throw new RangeError('closed quantity must not be 0');
  const { scale: lotScale, n: lot } = unitOf(p.lot, 'lot');
  const { scale: multScale, n: mult } = unitOf(p.multiplier, 'multiplier');
  // price = (value / 1e6) / (quantity x lot / 10^lotScale x mult / 10^multScale)
  let num = p.value * 10n ** BigInt(lotScale + multScale);
  let den = p.quantity * lot * mult * 1_000_000n;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  return formatPrice(num, den);
}

/** Inputs for closing a whole position, from its margin unit's figures (cross part or isolated position). */
export function closeWholePositionInputs(a: {
  /** The unit's equity (TNC). */
  equity: bigint;
  /** The unit's MM (TMMR). */
  mm: bigint;
  /** The position's signed value q x mark x K. */
  positionValue: bigint;
  /** The position's MM. */
  positionMm: bigint;
}): BankruptcyInputs {
  return { dnnv: -a.positionValue, tnc: a.equity, dmmr: -a.positionMm, tmmr: a.mm };
}

/**
 * Inputs for closing `closeQuantity` lots (signed like the position, |closeQuantity| <= |quantity|) of a tiered
 * position, as dYdX does it: DNNV and DMMR are the differences of the position's value and MM (results.ts MM, with
 * its ceil) before and after, not computed from the delta, since the requirement is not linear across tiers.
 */
export function closeDeltaInputs(a: {
  equity: bigint;
  mm: bigint;
  quantity: bigint;
  closeQuantity: bigint;
  mark: bigint;
  lotTickValue: bigint;
  lotTickScale: number;
  tiers: Tier[];
}): BankruptcyInputs {
  const { quantity: q, closeQuantity: c } = a;
  if (c === 0n || (q > 0n) !== (c > 0n) || (c < 0n ? -c : c) > (q < 0n ? -q : q)) {
    throw new RangeError(`close quantity ${c} is not a reduction of the position ${q}`);
  }
  const mmBefore = tieredRequirement(a.tiers, lotsNotional(a, q, a.mark)).mm;
  const mmAfter = tieredRequirement(a.tiers, lotsNotional(a, q - c, a.mark)).mm;
  return { dnnv: lotsValue(a, q - c, a.mark) - lotsValue(a, q, a.mark), tnc: a.equity, dmmr: mmAfter - mmBefore, tmmr: a.mm };
}

/** The bankruptcy price per unit for closing a whole position: bankruptcyValue / q, 8 places. */
export function wholePositionBankruptcyPrice(a: {
  equity: bigint;
  mm: bigint;
  quantity: bigint;
  mark: bigint;
  lotTickValue: bigint;
  lotTickScale: number;
  positionMm: bigint;
  lot: string;
  multiplier: string;
}): string | null {
  if (a.quantity === 0n) return null;
  const value = bankruptcyValue(
    closeWholePositionInputs({
      equity: a.equity,
      mm: a.mm,
      positionValue: lotsValue(a, a.quantity, a.mark),
      positionMm: a.positionMm,
    }),
  );
  return bankruptcyPricePerUnit({ value, quantity: a.quantity, lot: a.lot, multiplier: a.multiplier });
}
