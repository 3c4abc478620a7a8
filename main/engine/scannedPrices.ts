// Liquidation and bankruptcy prices of portfolio-margined positions and of options, found by scanning (methodology
// §4, §5): the price of the position's underlying instrument (its own for a future, an option's underlying
// instrument) at which its margin unit's equity falls to its maintenance margin (liquidation) or to zero
// (bankruptcy), every other price held and the unit valued again (its portfolio requirement scanned again) at each
// candidate price. No closed form follows a portfolio (its MM is the worst of 16 scenarios over the whole commodity)
// nor an option (its value bends with its underlying's price; under tiered margin its MM follows its premium).
// The unit is the account's cross part, or an isolated option position alone (only a tiered one: a portfolio
// position is never isolated). An option with no underlying instrument has no model to move it by: its own price
// is scanned, every other held, as §5 reads for any position.
//
// At a candidate price P (ticks of the underlying instrument U):
// - U's mark is P; so is every position's in U (a tiered one's tier can change);
// - an option on U that the model marks (optionMarks.ts) takes its Black-76 mark at P; one with an imported price
//   keeps it, moved by Black-76's change from the mark to P (imported + B76(P) - B76(mark), in whole ticks,
//   half-even, not below 0): at P = mark nothing moves, so the scan starts from the account as it stands;
// - the risk arrays are computed again at P (an imported array is used as it is, §4), and the account evaluated by
//   the exact engine (exactAccount): equity, MM with every commodity scanned again.
//
// The search, per threshold (equity <= MM; equity <= 0), reports the tick nearest the mark at which the account has
// reached it, on either side (the nearer; a tie goes down). Prices live on the tick grid (options marked in whole
// ticks), so that tick is the price itself (8 places); shown, as a tiered price is, toward the side that triggers
// sooner: the tick before it, the last at which the account still holds maintenance margin.
// - Bracketing: from the mark outward, both sides at once, in steps of max(1 tick, ceil(mark / 32)) up to a quarter
//   of the mark away, then in steps that double (a desk needs the near prices finely; the far ones only found), down
//   to 1 tick and up to twice the mark (the bound: a fall to the smallest price, a rise of 100%). Where the
//   threshold is reached at no step within that bound, there is no such price ("none from low to high").
// - Narrowing: between the last step not there and the first step there, to the tick (false position, every third
//   try a halving). Both sides bracketed at the same step: the nearer price, a tie going down.
// - Bankruptcy after liquidation: equity <= 0 is also equity <= MM (MM >= 0), so the walk for it starts at the
//   liquidation price's distance, and with no liquidation price there is no bankruptcy price.
// The steps rest on one assumption: that the unit does not dip past the threshold and come back within one step.
// A portfolio whose value bends that sharply (short options struck closer together than a step, at no volatility),
// or marks rounded to the tick wiggling right at a crossing, can be there at a price the steps jump over: the answer
// is then still a crossing, at most one bracket beyond the nearest. Nothing bounds the figures between two evaluated
// prices (credits and roundings jump), so only every tick of a bracket would be exact (docs/portfolio-margin.md).
// test/scannedPrices.test.ts measures the search against a brute-force scan of every tick on random small accounts
// (210 of them agree, marks of 20 to 2000 ticks; 80 more from shocked prices, as accounts.whatif scans them:
// shockedForScan); test/scannedOptionPrices.test.ts does the same for options under tiered margin.
// Cost: each step is the account evaluated whole at that price (an option moved is one Black-76 price, a computed
// risk array 17): tens of evaluations for an account detail, none in the cycle.
import { Decimal } from 'decimal.js';
import type { Book, Instrument, Position } from './model.ts';
import { exactAccount, exactContext } from './exactAccount.ts';
import { modelMark } from './optionMarks.ts';
import { formatPrice } from './liquidationPrice.ts';
import type { LiquidationShown } from './liquidationShown.ts';
import { decimalPlaces, parseUnits, unitsOf } from '../../shared/units.ts';

const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });

/** Steps per mark in the bracketing walk (a step is mark / STEPS, at least one tick). */
export const SCAN_STEPS = 32n;

/** One threshold's answer: the price (ticks of the scanned instrument) and which way it lies; 'now' when already there. */
export type ScanHit = { ticks: bigint; side: 'down' | 'up' } | 'now' | null;

export interface ScannedPrices {
  /** The instrument whose price is scanned. */
  instrument: string;
  /** The margin unit scanned: the account's cross part, or one isolated position. */
  unit: 'account' | 'isolated';
  /** The unit holds portfolio positions: its combined commodities are scanned again at each price. */
  rescans: boolean;
  mark: bigint;
  /** The bound searched (ticks): 1 tick up to twice the mark. */
  low: bigint;
  high: bigint;
  /** equity <= MM. */
  liquidation: ScanHit;
  /** equity <= 0. */
  bankruptcy: ScanHit;
  /** Candidate prices evaluated (each a full re-scan of the account). */
  evaluations: number;
}

/** Why an account cannot be scanned in an instrument: an option on it that cannot be priced away from its mark. */
export class ScanError extends Error {}

/** The instrument whose price a portfolio position is scanned in: its own, or an option's underlying instrument. */
export function scannedInstrument(x: Instrument): string {
  return x.kind === 'option' && x.option?.underlyingInstrument ? x.option.underlyingInstrument : x.id;
}

/**
 * Whether a position's liquidation and bankruptcy prices are found by scanning: a (cross) portfolio position, or an
 * option under tiered margin, cross or isolated (the closed forms of §5 and §7 are for linear positions).
 */
export function scansPosition(x: Instrument, pos: { isolatedMargin: bigint | null }): boolean {
  return x.margin === 'portfolio' ? pos.isolatedMargin === null : x.kind === 'option';
}

export interface Figures {
  equity: bigint;
  mm: bigint;
}

/**
 * How the account's marks move with U's price: per option on U, its mark at P. Throws an Error naming what is
 * missing (a ScanError) when an option on U cannot be priced at P (no volatility, no expiry): the scan would hold it
 * wrongly.
 */
function optionMover(book: Book, accountId: string, u: string): (p: bigint) => Map<string, bigint> {
  const byId = new Map(book.instruments.map((x) => [x.id, x]));
  const held = new Set(book.positions.filter((p) => p.account === accountId && p.quantity !== 0n).map((p) => p.instrument));
  const options = book.instruments.filter((x) => held.has(x.id) && x.kind === 'option' && x.option?.underlyingInstrument === u);
  const mark = book.marks.get(u)!;
  const movers = options.map((x) => {
    if (book.modelMarks?.has(x.id)) {
      return (p: bigint): bigint => {
        const m = modelMark(book, x, byId, p);
        if (typeof m === 'string') throw new ScanError(`${x.id}: ${m}`);
        return m.ticks;
      };
    }
    // An imported price moved by the model's change: the model's inputs, read once.
    const at = modelMark(book, x, byId, mark);
    if (typeof at === 'string') throw new ScanError(`${x.id} (it has a price, but its move with ${u} needs Black-76): ${at}`);
    const base = new D(at.price);
    const own = book.marks.get(x.id)!;
    return (p: bigint): bigint => {
      if (p === mark) return own;
      const m = modelMark(book, x, byId, p) as Exclude<ReturnType<typeof modelMark>, string>;
      const t = own + BigInt(new D(m.price).sub(base).div(x.tick).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
      return t < 0n ? 0n : t;
    };
  });
  return (p) => new Map(options.map((x, i) => [x.id, movers[i]!(p)]));
}

/**
 * The equity and MM of a margin unit of account `accountId` with instrument `u` at each price asked (ticks), the unit
 * valued again there (its portfolio scanned again); answers are kept, so the search and a trace ask each price once.
 * The unit is the cross part, or the isolated position at index `isolated` of book.positions (alone: its own margin,
 * no collateral). Throws a ScanError naming the option when an option on `u` cannot be priced away from its mark.
 */
export function scanner(book: Book, accountId: string, u: string, isolated?: number): { at: (p: bigint) => Figures; evaluations: () => number } {
  const moved = optionMover(book, accountId, u);
  const positions: number[] = [];
  const collateral: number[] = [];
  if (isolated === undefined) {
    book.positions.forEach((p, i) => p.account === accountId && p.isolatedMargin === null && positions.push(i));
    book.collateral.forEach((c, i) => c.account === accountId && collateral.push(i));
  } else {
    positions.push(isolated);
  }
  const seen = new Map<bigint, Figures>();
  const at = (p: bigint): Figures => {
    let f = seen.get(p);
    if (f) return f;
    const marks = new Map(book.marks);
    marks.set(u, p);
    for (const [id, t] of moved(p)) marks.set(id, t);
    const r = exactAccount(exactContext({ ...book, marks }), accountId, positions, collateral);
    const unit = isolated === undefined ? r : r.positions[0]!.isolated!;
    f = { equity: unit.equity, mm: unit.mm };
    seen.set(p, f);
    return f;
  };
  return { at, evaluations: () => seen.size };
}

/**
 * The scanned liquidation and bankruptcy prices, in instrument `u`, of the cross part of account `accountId` (or of
 * its isolated position at index `isolated` of book.positions). Null when `u` has no positive mark.
 */
export function scanPrices(book: Book, accountId: string, u: string, isolated?: number): ScannedPrices | null {
  const mark = book.marks.get(u);
  if (mark === undefined || mark <= 0n) return null;
  const { at, evaluations } = scanner(book, accountId, u, isolated);
  const byId = new Map(book.instruments.map((x) => [x.id, x]));
  const rescans = book.positions.some(
    (p, i) => (isolated === undefined ? p.account === accountId && p.isolatedMargin === null : i === isolated) && byId.get(p.instrument)?.margin === 'portfolio',
  );
  // Each threshold as a margin g: reached where g <= 0.
  const tests: ((f: Figures) => bigint)[] = [(f) => f.equity - f.mm, (f) => f.equity];
  const low = 1n;
  const high = 2n * mark;
  const step = mark / SCAN_STEPS > 1n ? (mark + SCAN_STEPS - 1n) / SCAN_STEPS : 1n;
  const hits: ScanHit[] = tests.map((g) => (g(at(mark)) <= 0n ? 'now' : null));
  // Equity <= 0 is equity <= MM too (MM >= 0): no tick nearer than the liquidation price is bankrupt, and with no
  // liquidation price within the bound there is no bankruptcy price either.
  let from = 0n;
  tests.forEach((g, k) => {
    if (hits[k] !== null) return;
    if (k === 1) {
      const liq = hits[0]!;
      if (liq === null) return;
      if (liq !== 'now') from = dist(liq.ticks, mark);
    }
    hits[k] = walk((p) => g(at(p)), mark, low, high, step, from);
  });
  return { instrument: u, unit: isolated === undefined ? 'account' : 'isolated', rescans, mark, low, high, liquidation: hits[0]!, bankruptcy: hits[1]!, evaluations: evaluations() };
}

const dist = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);

/**
 * Outward from the mark, both sides a step at a time (the steps double once a quarter of the mark away), from
 * distance `from` (every nearer tick known not there; the tick at `from` may be), to the first bracket; then
 * bisection in it. Both sides bracketed at one step: the nearer price (a tie goes down).
 */
function walk(g: (p: bigint) => bigint, mark: bigint, low: bigint, high: bigint, step: bigint, from: bigint): ScanHit {
  const near = SCAN_STEPS / 4n;
  let inc = step;
  // Known clear: the ticks nearer than `from` (not the tick at `from` itself: the liquidation tick can be bankrupt too).
  const clear = from > 0n ? from - 1n : 0n;
  let prev = clear - (clear % step);
  for (let d = prev + step; ; d += inc) {
    const downOpen = mark - prev > low;
    const upOpen = mark + prev < high;
    if (!downOpen && !upOpen) return null;
    const down = mark - d > low ? mark - d : low;
    const up = mark + d < high ? mark + d : high;
    const found: { ticks: bigint; side: 'down' | 'up' }[] = [];
    if (downOpen) {
      const gd = g(down);
      if (gd <= 0n) found.push({ ticks: narrow(g, mark - prev, down, gd), side: 'down' });
    }
    if (upOpen) {
      const gu = g(up);
      if (gu <= 0n) found.push({ ticks: narrow(g, mark + prev, up, gu), side: 'up' });
    }
    if (found.length > 0) return found.reduce((a, b) => (dist(b.ticks, mark) < dist(a.ticks, mark) ? b : a));
    prev = d;
    if (d >= near * step) inc *= 2n;
  }
}

/**
 * The tick nearest `safe` (g > 0) on the way to `hit` (g <= 0) at which g <= 0: the bracket narrowed to one tick by
 * false position with the Illinois correction (g is close to linear over a bracket: a few evaluations), every third
 * try a plain halving, so it never takes more than about three times bisection's count. Only g's sign decides.
 */
function narrow(g: (p: bigint) => bigint, safe: bigint, hit: bigint, gHit: bigint): bigint {
  let gs = g(safe);
  let gh = gHit;
  let side = 0;
  for (let i = 1; dist(hit, safe) > 1n; i++) {
    let mid: bigint;
    if (i % 3 === 0 || gs === gh) mid = (hit + safe) / 2n;
    else {
      // Where the line through (safe, gs) and (hit, gh) meets 0, kept strictly inside the bracket.
      mid = safe + ((hit - safe) * gs) / (gs - gh);
      if (dist(mid, safe) < 1n || mid === safe) mid = safe + (hit > safe ? 1n : -1n);
      if (mid === hit) mid = hit + (hit > safe ? -1n : 1n);
    }
    const gm = g(mid);
    if (gm <= 0n) {
      hit = mid;
      gh = gm;
      if (side === -1) gs /= 2n;
      side = -1;
    } else {
      safe = mid;
      gs = gm;
      if (side === 1) gh /= 2n;
      side = 1;
    }
  }
  return hit;
}

/** What the desk reads of a portfolio position's scanned prices (the PositionView fields). */
export interface ScannedView {
  /** The price (8 places) of the scanned instrument at which equity meets MM; null where there is none. */
  liquidationPrice: string | null;
  liquidation: LiquidationShown;
  /** The price (8 places) at which equity falls to zero; null where there is none. */
  bankruptcyPrice: string | null;
}

const price8 = (ticks: bigint, tick: string): string => formatPrice(ticks * parseUnits(tick, decimalPlaces(tick), 'tick'), 10n ** BigInt(decimalPlaces(tick)));

/** The scanned prices (or why they could not be scanned) in the desk's words; `from` opens each sentence (a shock's "Under the shock, "). */
export function scannedView(s: ScannedPrices | string, tick: string, from = ''): ScannedView {
  const v = describe(s, tick);
  return from === '' ? v : { ...v, liquidation: { ...v.liquidation, text: from + v.liquidation.text[0]!.toLowerCase() + v.liquidation.text.slice(1) } };
}

function describe(s: ScannedPrices | string, tick: string): ScannedView {
  if (typeof s === 'string') return { liquidationPrice: null, bankruptcyPrice: null, liquidation: { state: 'none', price: null, text: `Not scanned: ${s}.` } };
  const u = s.instrument;
  const hit = s.liquidation;
  const who = s.unit === 'account' ? 'the account' : 'the isolated position';
  const again = s.rescans ? 'its portfolio scanned again at each' : 'valued again at each';
  const bankruptcyPrice = s.bankruptcy === null || s.bankruptcy === 'now' ? null : price8(s.bankruptcy.ticks, tick);
  if (hit === 'now') {
    return { liquidationPrice: null, bankruptcyPrice, liquidation: { state: 'passed', price: null, text: `${cap(who)} is already at or below maintenance margin at the mark: no price move is needed to liquidate it.` } };
  }
  if (hit === null) {
    const range = `from ${unitsOf(s.low, tick)} to ${unitsOf(s.high, tick)}`;
    return { liquidationPrice: null, bankruptcyPrice, liquidation: { state: 'none', price: null, text: `No price of ${u} ${range} (other prices held) brings ${who} to maintenance margin, ${again}.` } };
  }
  // Shown as the tiered prices are, toward the side that triggers sooner: the last tick at which the account still
  // holds maintenance margin, one tick before the first at which it does not (the reported price).
  const last = hit.side === 'down' ? hit.ticks + 1n : hit.ticks - 1n;
  const price = unitsOf(last, tick);
  const first = unitsOf(hit.ticks, tick);
  return {
    liquidationPrice: price8(hit.ticks, tick),
    bankruptcyPrice,
    liquidation: {
      state: 'price',
      price,
      text: `If ${u} ${hit.side === 'down' ? 'falls' : 'rises'} past ${price} to ${first} (other prices held), ${who}'s equity is at or below maintenance margin, ${again} price (found by scanning ${u}'s price, to the tick).`,
    },
  };
}

const cap = (x: string): string => x.charAt(0).toUpperCase() + x.slice(1);

/**
 * A book whose marks were all moved by a what-if shock (stress.ts shockBook), made ready to scan from there: its
 * options' shocked marks are held as prices (none is the model's any more), so at the shocked mark nothing moves and
 * the scan starts from the shocked account as it stands; away from it, each option moves by Black-76's change from
 * the shocked underlying mark (as an imported price does).
 */
export function shockedForScan(book: Book, prices: Pick<Book, 'marks' | 'assetPrices'>): Book {
  const { modelMarks: _held, ...rest } = book;
  return { ...rest, marks: prices.marks, assetPrices: prices.assetPrices };
}

/**
 * The scanned view of each position of an account whose prices are found by scanning (scansPosition): one scan per
 * scanned instrument of the cross part (a future and the options on it share theirs), one per isolated option; null
 * for a position the closed forms serve (a linear tiered one). `from` opens each sentence (see scannedView).
 */
export function scannedPositionViews(book: Book, accountId: string, from = ''): (pos: Position) => ScannedView | null {
  const byId = new Map(book.instruments.map((x) => [x.id, x]));
  const memo = new Map<string, ScannedView>();
  return (pos) => {
    const x = byId.get(pos.instrument);
    if (!x || !scansPosition(x, pos)) return null;
    const u = scannedInstrument(x);
    const isolated = pos.isolatedMargin === null ? undefined : indexOf(book, pos);
    const key = isolated === undefined ? u : `${u}\u0000${isolated}`;
    let v = memo.get(key);
    if (!v) {
      let s: ScannedPrices | string;
      try {
        s = scanPrices(book, accountId, u, isolated) ?? `no price for ${u}`;
      } catch (e) {
        if (!(e instanceof ScanError)) throw e;
        s = e.message;
      }
      v = scannedView(s, byId.get(u)?.tick ?? x.tick, from);
      memo.set(key, v);
    }
    return v;
  };
}

/** The position's index in book.positions (the row itself, else the one of its account and instrument). */
function indexOf(book: Book, pos: Position): number {
  const k = book.positions.indexOf(pos);
  return k >= 0 ? k : book.positions.findIndex((p) => p.account === pos.account && p.instrument === pos.instrument);
}
