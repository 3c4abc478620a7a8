// The price move per underlying that takes a margin unit to call, to liquidation and to bankruptcy (issue 21
// item 3; methodology §5): every instrument on the underlying moved by the same relative shock s (as a stress
// scenario moves them) and the collateral asset of the same id with them, every other price held.
//
// With x = 1 + s, a unit's equity and MM are piecewise linear in x: each position's notional crosses its tier floors
// and a holding's value its haircut brackets at fixed x, and between those points both are linear (MM taken without
// its per-position ceil, as the liquidation price takes it, so the function is continuous across tier edges). For a
// threshold k (ppm of MM: 1e6 for a call, policy.liquidationHealth for liquidation, 0 for bankruptcy),
// G(x) = 1e6 x equity(x) - k x MM(x) is solved exactly on each piece, outward from x = 1 in both directions; the
// first root either way is where the unit gets there. Everything is a bigint rational; the one rounding is the
// reported percent, toward zero (a move is never shown larger than it is).
import type { Bracket, Instrument, Asset, Tier } from './model.ts';
import { tierCums, bracketCums } from './tierMath.ts';
import { formatUnits } from '../../shared/units.ts';

/** A position of the unit on the underlying. */
export interface MoveLeg {
  inst: Pick<Instrument, 'lotTickValue' | 'lotTickScale' | 'tiers'>;
  quantity: bigint;
  mark: bigint;
  entryValue: bigint;
  /** Its MM now (the engine's, micro-USD). */
  mm: bigint;
}

/** A holding of the unit in the underlying's asset (cross units only). */
export interface MoveHolding {
  asset: Pick<Asset, 'quantityScale' | 'priceScale' | 'haircuts'>;
  quantity: bigint;
  price: bigint;
  /** Its value after haircut now (micro-USD). */
  value: bigint;
}

export interface MoveUnit {
  /** The unit's equity and MM now (micro-USD, the engine's). */
  equity: bigint;
  mm: bigint;
  legs: MoveLeg[];
  holdings: MoveHolding[];
}

/** A signed relative move (-0.25: a 25% fall) as an exact rational, or 0n/1n when the unit is there already. */
export interface Move {
  num: bigint;
  den: bigint;
}

const E6 = 1_000_000n;
const E12 = E6 * E6;
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const pow10 = (n: number): bigint => 10n ** BigInt(n);

interface Frac {
  n: bigint;
  d: bigint;
}
/** A point where one leg's notional reaches tier row j's floor (or one holding's value bracket j's floor). */
interface Break extends Frac {
  leg: number;
  hold: number;
  j: number;
}
const lt = (a: Frac, b: Frac): boolean => a.n * b.d < b.n * a.d;

/** The linear pieces' data: everything scaled to integers by D = 10^(largest scale) (see coefficients). */
interface Prepared {
  D: bigint;
  /** Per leg: notional per unit of x, times D (|q| m K D). */
  legN: bigint[];
  legV: bigint[];
  /** Per holding: gross value per unit of x, times D. */
  holdG: bigint[];
  /** 1e6 D x (equity - the legs' and holdings' part now) and 1e6 D x (MM - the legs' MM now), as integers. */
  eq0: bigint;
  mm0: bigint;
  breaks: Break[];
}

function prepare(u: MoveUnit): Prepared {
  let scale = 0;
  for (const l of u.legs) scale = Math.max(scale, l.inst.lotTickScale);
  for (const h of u.holdings) scale = Math.max(scale, h.asset.quantityScale + h.asset.priceScale);
  const D = pow10(scale);
  const legV = u.legs.map((l) => (l.quantity * l.mark * l.inst.lotTickValue * D) / pow10(l.inst.lotTickScale));
  const legN = legV.map(abs);
  const holdG = u.holdings.map((h) => (h.quantity * h.price * E6 * D) / pow10(h.asset.quantityScale + h.asset.priceScale));
  const mmRest = u.legs.reduce((s, l) => s - l.mm, u.mm);
  // equity(x) = rest + sum (v_p x - E_p) + sum holding(x); rest = equity now - sum (v_p - E_p) - sum holding now.
  // Values now are the engine's (rounded as it rounds them); on the pieces the exact products are used.
  let legsNow = 0n;
  u.legs.forEach((l, i) => (legsNow += legV[i]! - l.entryValue * D));
  const holdNow = u.holdings.reduce((s, h) => s + h.value, 0n);
  const eq0 = E6 * (u.equity * D - legsNow - holdNow * D);
  const breaks: Break[] = [];
  u.legs.forEach((l, i) => {
    if (legN[i] === 0n) return;
    l.inst.tiers.forEach((t, j) => j > 0 && breaks.push({ n: t.floor * D, d: legN[i]!, leg: i, hold: -1, j }));
  });
  u.holdings.forEach((h, i) => {
    if (holdG[i]! <= 0n) return;
    h.asset.haircuts.forEach((b, j) => j > 0 && breaks.push({ n: b.floor * D, d: holdG[i]!, leg: -1, hold: i, j }));
  });
  return { D, legN, legV, holdG, eq0, mm0: E6 * D * mmRest, breaks };
}

/** The last row of a floor table whose floor <= rate x mid / D (rate x mid: a notional or value at x = mid). */
function rowAt(rows: readonly { floor: bigint }[], perX: bigint, D: bigint, mid: Frac): number {
  let n = 0;
  const v = perX * mid.n;
  for (let j = 1; j < rows.length; j++) if (rows[j]!.floor * D * mid.d <= v) n = j;
  return n;
}

/**
 * G(x) = A + B x on the piece holding x = mid, scaled by 1e6 D, split so that for a threshold k
 * A = aEq - k aMm and B = bEq - k bMm: one piece serves the three thresholds.
 */
interface Piece {
  aEq: bigint;
  bEq: bigint;
  aMm: bigint;
  bMm: bigint;
}

function piece(u: MoveUnit, p: Prepared, mid: Frac): Piece {
  let aEq = E6 * p.eq0;
  let bEq = 0n;
  let aMm = p.mm0;
  let bMm = 0n;
  u.legs.forEach((l, i) => {
    aEq -= E12 * l.entryValue * p.D;
    bEq += E12 * p.legV[i]!;
    const tiers: readonly Tier[] = l.inst.tiers;
    const n = rowAt(tiers, p.legN[i]!, p.D, mid);
    bMm += p.legN[i]! * tiers[n]!.mmr;
    aMm -= tierCums(tiers)[n]!.cumM * p.D;
  });
  u.holdings.forEach((h, i) => {
    const g = p.holdG[i]!;
    if (g <= 0n) {
      bEq += E12 * g;
      return;
    }
    const brackets: readonly Bracket[] = h.asset.haircuts;
    const j = rowAt(brackets, g, p.D, mid);
    bEq += E6 * g * (E6 - brackets[j]!.rate);
    aEq += E6 * bracketCums(brackets)[j]! * p.D;
  });
  return { aEq, bEq, aMm, bMm };
}

/** The piece beyond break b, from the piece before it: one leg's tier (or one holding's bracket) moves by one row. */
function cross(u: MoveUnit, p: Prepared, f: Piece, b: Break, up: boolean): Piece {
  const s = up ? 1n : -1n;
  if (b.leg >= 0) {
    const tiers = u.legs[b.leg]!.inst.tiers;
    const c = tierCums(tiers);
    const dR = tiers[b.j]!.mmr - tiers[b.j - 1]!.mmr;
    const dC = c[b.j]!.cumM - c[b.j - 1]!.cumM;
    return { ...f, bMm: f.bMm + s * p.legN[b.leg]! * dR, aMm: f.aMm - s * dC * p.D };
  }
  const brackets = u.holdings[b.hold]!.asset.haircuts;
  const c = bracketCums(brackets);
  const dR = brackets[b.j]!.rate - brackets[b.j - 1]!.rate;
  const dC = c[b.j]! - c[b.j - 1]!;
  return { ...f, bEq: f.bEq - s * E6 * p.holdG[b.hold]! * dR, aEq: f.aEq + s * E6 * dC * p.D };
}

/** The move that takes the unit to threshold k (see movesTo). */
export function moveTo(u: MoveUnit, k: bigint): Move | null {
  return movesTo(u, [k])[0]!;
}

/**
 * The moves that take the unit to each threshold k: the root of G nearest x = 1 (either way; the nearer one when
 * both exist), null when no move of this underlying alone gets there (x > 0), {0, 1} when the unit is there already.
 */
export function movesTo(u: MoveUnit, ks: readonly bigint[]): (Move | null)[] {
  const out: (Move | null)[] = ks.map((k) => (u.equity * E6 < k * u.mm ? { num: 0n, den: 1n } : null));
  const open = ks.map((_, i) => out[i] === null);
  if (!open.some(Boolean) || (u.legs.length === 0 && u.holdings.length === 0)) return out;
  const p = prepare(u);
  const one: Frac = { n: 1n, d: 1n };
  const sorted = [...p.breaks].sort((a, b) => (lt(a, b) ? -1 : lt(b, a) ? 1 : 0));
  const roots: (Frac | null)[][] = ks.map(() => [null, null]);
  const down: (Break | null)[] = [...sorted.filter((b) => lt(b, one)).reverse(), null];
  const up: (Break | null)[] = [...sorted.filter((b) => lt(one, b)), null];
  for (const [side, edges] of [[0, down], [1, up]] as const) {
    let from = one;
    const pending = new Set(ks.map((_, i) => i).filter((i) => open[i]));
    let f: Piece | null = null;
    let prev: Break | null = null;
    for (const b of edges) {
      if (pending.size === 0) break;
      // The far end of this piece: the next break, price 0 going down, infinity going up.
      const to: Frac | null = b ?? (side === 0 ? { n: 0n, d: 1n } : null);
      if (f === null) {
        const mid: Frac = to === null ? { n: from.n * 2n, d: from.d } : { n: from.n * to.d + to.n * from.d, d: 2n * from.d * to.d };
        f = piece(u, p, mid);
      } else f = cross(u, p, f, prev!, side === 1);
      for (const i of [...pending]) {
        const A = f.aEq - ks[i]! * f.aMm;
        const B = f.bEq - ks[i]! * f.bMm;
        // The sign of G at the piece's far end (at infinity: of B); zero at price 0 is no move.
        const end = to === null ? B : A * to.d + B * to.n;
        if (!(end < 0n || (to !== null && end === 0n && to.n !== 0n))) continue;
        pending.delete(i);
        if (B === 0n) roots[i]![side] = from;
        else roots[i]![side] = B < 0n ? { n: A, d: -B } : { n: -A, d: B };
      }
      if (to === null || b === null) break;
      from = to;
      prev = b;
    }
  }
  const dist = (r: Frac): Frac => ({ n: abs(r.n - r.d), d: r.d });
  ks.forEach((_, i) => {
    if (!open[i]) return;
    const [down, up] = roots[i]!;
    const best = down && up ? (lt(dist(up), dist(down)) ? up : down) : (down ?? up ?? null);
    out[i] = best && { num: best.n - best.d, den: best.d };
  });
  return out;
}

/** A move as a percent with `dp` places, rounded toward zero ("-12.34"). */
export function movePercent(m: Move, dp = 2): string {
  const scaled = m.num * 100n * pow10(dp);
  const q = scaled / m.den; // bigint division truncates toward zero
  return formatUnits(q, dp, dp);
}
