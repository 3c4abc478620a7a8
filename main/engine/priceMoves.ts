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
import { tierCums, tierIndex, bracketCums } from './tierMath.ts';
import { divRound, formatUnits } from '../../shared/units.ts';

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
  breaks: Frac[];
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
  const breaks: Frac[] = [];
  u.legs.forEach((l, i) => {
    if (legN[i] === 0n) return;
    for (const t of l.inst.tiers.slice(1)) breaks.push({ n: t.floor * D, d: legN[i]! });
  });
  u.holdings.forEach((h, i) => {
    if (holdG[i]! <= 0n) return;
    for (const b of h.asset.haircuts.slice(1)) breaks.push({ n: b.floor * D, d: holdG[i]! });
  });
  return { D, legN, legV, holdG, eq0, mm0: E6 * D * mmRest, breaks };
}

/** G(x) = A + B x on the piece holding x = mid (scaled by 1e6 D), for threshold k. */
function piece(u: MoveUnit, p: Prepared, k: bigint, mid: Frac): { A: bigint; B: bigint } {
  let A = E6 * p.eq0 - k * p.mm0;
  let B = 0n;
  u.legs.forEach((l, i) => {
    A -= E12 * l.entryValue * p.D;
    B += E12 * p.legV[i]!;
    // notional(mid) = legN x mid / D against the tier floors (micro): floor x D x mid.d <= legN x mid.n.
    const tiers: readonly Tier[] = l.inst.tiers;
    const n = tierIndex(tiers, divRound(p.legN[i]! * mid.n, p.D * mid.d, 'floor'));
    const c = tierCums(tiers)[n]!;
    B -= k * p.legN[i]! * tiers[n]!.mmr;
    A += k * c.cumM * p.D;
  });
  u.holdings.forEach((h, i) => {
    const g = p.holdG[i]!;
    if (g <= 0n) {
      B += E12 * g;
      return;
    }
    const brackets: readonly Bracket[] = h.asset.haircuts;
    const j = tierIndex(brackets, divRound(g * mid.n, p.D * mid.d, 'floor'));
    B += E6 * g * (E6 - brackets[j]!.rate);
    A += E6 * bracketCums(brackets)[j]! * p.D;
  });
  return { A, B };
}

const at = (f: { A: bigint; B: bigint }, x: Frac): bigint => f.A * x.d + f.B * x.n; // sign of G(x) (x.d > 0)

/**
 * The move that takes the unit to threshold k: the root of G nearest x = 1 (either way; the nearer one when both
 * exist), null when no move of this underlying alone gets there (x > 0), {0, 1} when the unit is there already.
 */
export function moveTo(u: MoveUnit, k: bigint): Move | null {
  if (u.equity * E6 < k * u.mm) return { num: 0n, den: 1n };
  if (u.legs.length === 0 && u.holdings.length === 0) return null;
  const p = prepare(u);
  const one: Frac = { n: 1n, d: 1n };
  const sorted = [...p.breaks].sort((a, b) => (lt(a, b) ? -1 : lt(b, a) ? 1 : 0));
  const below = sorted.filter((b) => lt(b, one)).reverse();
  const above = sorted.filter((b) => lt(one, b));
  const roots: Frac[] = [];
  // Downward: pieces [b_{i+1}, b_i] from 1 to 0.
  for (const [edges, down] of [[below, true], [above, false]] as const) {
    let from = one;
    const stops: (Frac | null)[] = [...edges, down ? { n: 0n, d: 1n } : null];
    for (const to of stops) {
      const mid: Frac = to === null ? { n: from.n * 2n, d: from.d } : { n: from.n * to.d + to.n * from.d, d: 2n * from.d * to.d };
      const f = piece(u, p, k, mid);
      const endSign = to === null ? f.B : at(f, to);
      if (endSign < 0n || (to !== null && endSign === 0n && !(to.n === 0n))) {
        if (f.B === 0n) {
          roots.push(from);
        } else {
          let n = -f.A;
          let d = f.B;
          if (d < 0n) {
            n = -n;
            d = -d;
          }
          roots.push({ n, d });
        }
        break;
      }
      if (to === null) break;
      from = to;
    }
  }
  if (roots.length === 0) return null;
  let best = roots[0]!;
  const dist = (r: Frac): Frac => ({ n: abs(r.n - r.d), d: r.d });
  for (const r of roots.slice(1)) if (lt(dist(r), dist(best))) best = r;
  return { num: best.n - best.d, den: best.d };
}

/** A move as a percent with `dp` places, rounded toward zero ("-12.34"). */
export function movePercent(m: Move, dp = 2): string {
  const scaled = m.num * 100n * pow10(dp);
  const q = scaled / m.den; // bigint division truncates toward zero
  return formatUnits(q, dp, dp);
}
