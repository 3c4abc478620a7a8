// An account's margin units seen together (methodology §5): the cross part and each isolated position are units of
// their own, and an account is as sick as its sickest unit. The accounts grid shows, per account, the margin of
// every unit summed and the health of the worst one; the cycle stores the isolated side of that (the cross part is
// in the cycle's packed results).
import type { AccountResult } from './results.ts';

/** Equity and MM of one unit (micro-USD). */
export interface UnitFigures {
  equity: bigint;
  mm: bigint;
}

/** The isolated units of an account, summed, and the one of lowest health. */
export interface IsolatedUnits {
  units: number;
  equity: bigint;
  mm: bigint;
  im: bigint;
  worst: UnitFigures;
}

/**
 * True when unit a is less healthy than unit b. Health = equity / MM, exact (cross-multiplied); a unit without MM
 * has no health to rank unless it is under water (equity < 0), which ranks below every unit with MM.
 */
export function sicker(a: UnitFigures, b: UnitFigures): boolean {
  if (a.mm === 0n || b.mm === 0n) {
    const aLost = a.mm === 0n && a.equity < 0n;
    const bLost = b.mm === 0n && b.equity < 0n;
    if (aLost || bLost) return aLost && !bLost;
    return a.mm !== 0n && b.mm === 0n;
  }
  return a.equity * b.mm < b.equity * a.mm;
}

/** The isolated units of an evaluated account, or null when it holds no isolated position. */
export function isolatedUnits(r: AccountResult): IsolatedUnits | null {
  let out: IsolatedUnits | null = null;
  for (const p of r.positions) {
    const u = p.isolated;
    if (!u) continue;
    if (!out) out = { units: 0, equity: 0n, mm: 0n, im: 0n, worst: { equity: u.equity, mm: u.mm } };
    out.units++;
    out.equity += u.equity;
    out.mm += u.mm;
    out.im += u.im;
    if (sicker(u, out.worst)) out.worst = { equity: u.equity, mm: u.mm };
  }
  return out;
}

/** The account's worst unit: the cross part, or its worst isolated unit when that one is sicker. */
export function worstUnit(cross: UnitFigures, worstIsolated: UnitFigures | null): UnitFigures {
  return worstIsolated && sicker(worstIsolated, cross) ? worstIsolated : cross;
}
