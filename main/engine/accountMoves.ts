// The metrics a desk reads off an evaluated account (issue 21 item 3; methodology §5): margin ratio, utilisation,
// excess, and per underlying the price move that takes the account to call, to liquidation and to bankruptcy.
// An account is as sick as its sickest unit, so its move is the smallest over its units (the cross part and each
// isolated position).
import type { Book, Instrument, Asset, Position, Collateral, Policy } from './model.ts';
import type { AccountResult } from './results.ts';
import { collateralValue } from './exactAccount.ts';
import { movesTo, type Move, type MoveUnit } from './priceMoves.ts';
import { divRound, formatUnits } from '../../shared/units.ts';

export interface UnderlyingMoves {
  underlying: string;
  call: Move | null;
  liquidation: Move | null;
  bankruptcy: Move | null;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const nearer = (a: Move | null, b: Move | null): Move | null => {
  if (a === null) return b;
  if (b === null) return a;
  return abs(a.num) * b.den <= abs(b.num) * a.den ? a : b;
};

/** An instrument margined by its commodity's scan (portfolio): outside what movesTo solves. */
function nonLinear(inst: Instrument): boolean {
  return inst.margin === 'portfolio';
}

export interface AccountRows {
  positions: readonly Position[];
  collateral: readonly Collateral[];
}

/** Per underlying the account holds (positions or collateral in its asset), the three moves, by underlying id. */
export function accountMoves(
  r: AccountResult,
  rows: AccountRows,
  book: Pick<Book, 'marks' | 'assetPrices'> & { policy: Policy },
  instruments: ReadonlyMap<string, Instrument>,
  assets: ReadonlyMap<string, Asset>,
): UnderlyingMoves[] {
  const unds = new Set<string>();
  for (const p of rows.positions) if (p.quantity !== 0n) unds.add(instruments.get(p.instrument)!.underlying);
  const out: UnderlyingMoves[] = [];
  for (const u of [...unds].sort()) {
    // The solver follows legs whose value and MM are piecewise linear in their mark; a portfolio commodity's margin
    // is its scan risk over the whole commodity, which it does not follow: no move is given there, rather than a
    // wrong one.
    if (rows.positions.some((p) => p.quantity !== 0n && nonLinear(instruments.get(p.instrument)!) && instruments.get(p.instrument)!.underlying === u)) {
      out.push({ underlying: u, call: null, liquidation: null, bankruptcy: null });
      continue;
    }
    const units: MoveUnit[] = [];
    const cross: MoveUnit = { equity: r.equity, mm: r.mm, legs: [], holdings: [] };
    rows.positions.forEach((pos, k) => {
      const inst = instruments.get(pos.instrument)!;
      if (inst.underlying !== u || pos.quantity === 0n) return;
      const p = r.positions[k]!;
      const leg = { inst, quantity: pos.quantity, mark: book.marks.get(pos.instrument)!, entryValue: pos.entryValue, mm: p.mm };
      if (p.isolated) units.push({ equity: p.isolated.equity, mm: p.isolated.mm, legs: [leg], holdings: [] });
      else cross.legs.push(leg);
    });
    for (const c of rows.collateral) {
      if (c.asset !== u || c.quantity === 0n) continue;
      const asset = assets.get(c.asset)!;
      const price = book.assetPrices.get(c.asset)!;
      cross.holdings.push({ asset, quantity: c.quantity, price, value: collateralValue(asset, c.quantity, price) });
    }
    // Always the cross part: one already past a threshold puts the account there, whatever the underlying does.
    units.push(cross);
    const best: (Move | null)[] = [null, null, null];
    for (const x of units) movesTo(x, [1_000_000n, book.policy.liquidationHealth, 0n]).forEach((m, i) => (best[i] = nearer(best[i]!, m)));
    out.push({ underlying: u, call: best[0]!, liquidation: best[1]!, bankruptcy: best[2]! });
  }
  return out;
}

/** The price of one position at which its unit reaches each threshold, that instrument alone moving (methodology §5). */
export interface PositionPrices {
  instrument: string;
  /** Ticks as exact rationals (mark x (1 + move)); null where no price of the instrument alone gets there. */
  call: Move | null;
  liquidation: Move | null;
  /** Equity = 0 (not the dYdX closing price: that one is the position view's bankruptcyPrice). */
  zeroEquity: Move | null;
}

/**
 * Per position, the marks (as exact rationals of ticks) at which its margin unit (the cross part, or the isolated
 * position) reaches call, liquidation and zero equity, every other price held. For a linear position the call
 * price under the maintenance trigger is the liquidation price of methodology §5 (equity = MM).
 */
export function positionPrices(
  r: AccountResult,
  rows: AccountRows,
  book: Pick<Book, 'marks'> & { policy: Policy },
  instruments: ReadonlyMap<string, Instrument>,
): PositionPrices[] {
  return rows.positions.map((pos, k) => {
    const inst = instruments.get(pos.instrument)!;
    if (nonLinear(inst)) return { instrument: pos.instrument, call: null, liquidation: null, zeroEquity: null };
    const p = r.positions[k]!;
    const mark = book.marks.get(pos.instrument)!;
    const unit = p.isolated ?? { equity: r.equity, mm: r.mm };
    const u: MoveUnit = { equity: unit.equity, mm: unit.mm, legs: pos.quantity === 0n ? [] : [{ inst, quantity: pos.quantity, mark, entryValue: pos.entryValue, mm: p.mm }], holdings: [] };
    const [call, liquidation, zeroEquity] = movesTo(u, [1_000_000n, book.policy.liquidationHealth, 0n]).map((m) => m && { num: mark * (m.den + m.num), den: m.den });
    return { instrument: pos.instrument, call: call!, liquidation: liquidation!, zeroEquity: zeroEquity! };
  });
}

/** The nearest move to a threshold over the underlyings, and which one it is. */
export function nearestMove(ms: readonly UnderlyingMoves[], which: 'call' | 'liquidation' | 'bankruptcy'): { underlying: string; move: Move } | null {
  let best: { underlying: string; move: Move } | null = null;
  for (const m of ms) {
    const v = m[which];
    if (v !== null && (best === null || nearer(best.move, v) === v)) best = { underlying: m.underlying, move: v };
  }
  return best;
}

/** a / b to 8 places, half-even; null when b is 0. */
export function ratio(a: bigint, b: bigint): string | null {
  return b === 0n ? null : formatUnits(divRound(a * 100_000_000n, b, 'halfEven'), 8, 8);
}
