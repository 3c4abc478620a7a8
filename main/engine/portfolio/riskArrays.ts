// Risk arrays per instrument (methodology §4): profit per one long contract in each of the 16 scenarios, in
// micro-USD, gain positive. An imported array is used as it is. Otherwise a future's is the scenario's share of the
// scan range; an option's is Black-76 at the moved forward and shifted volatility minus Black-76 today, times the
// multiplier. Each computed value is rounded toward minus infinity (a gain never overstated, a loss never
// understated), so the scan risk taken from it is never below the exact one.
import { Decimal } from 'decimal.js';
import { HELD_INSTRUMENTS, type Book, type Instrument, type Position } from '../model.ts';
import { SCENARIOS } from './scenarios.ts';
import { black76Price, normalCdf } from '../black76.ts';
import { InputError } from '../../../shared/errors.ts';
import { parseInstant } from '../../../shared/time.ts';
import { decimalPlaces, parseUnits } from '../../../shared/units.ts';

const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** What pricing the arrays reads of a book. */
export type PricedBook = Pick<Book, 'instruments' | 'marks' | 'market'>;

/** Greeks of one long contract (see b76Greeks for the units). */
export interface Greeks {
  delta: Decimal;
  gamma: Decimal;
  vega: Decimal;
  theta: Decimal;
}

export interface InstrumentRisk {
  /** 16 values, micro-USD per one long contract. */
  array: bigint[];
  /** Null for an imported array whose option cannot be priced here. */
  greeks: Greeks | null;
  /**
   * Delta per one long contract, in units of the underlying (contracts x multiplier), as spreads use it: a future's
   * exactly, an option's Black-76 delta to 8 decimal places (spreadDelta); null when it cannot be known.
   */
  delta: Decimal | null;
  /** The instrument's lot as the exact fraction num / 10^scale (a position's contracts are lots x lot). */
  lot: { num: bigint; scale: number };
}

function lotFraction(lot: string): { num: bigint; scale: number } {
  const scale = decimalPlaces(lot);
  return { num: parseUnits(lot, scale, 'lot'), scale };
}

/** What Black-76 needs of an option at the book's time; throws, naming the instrument, when something is missing. */
interface OptionInputs {
  forward: Decimal;
  strike: Decimal;
  years: Decimal;
  vol: Decimal;
  rate: Decimal;
  right: 'call' | 'put';
  multiplier: Decimal;
}

const fail = (x: Instrument, why: string): never => {
  throw new InputError(`portfolio margin of ${x.id}: ${why}`, { field: `instruments.${x.id}` });
};

function optionInputs(book: PricedBook, x: Instrument, byId: Map<string, Instrument>): OptionInputs {
  const o = x.option!;
  if (!o.underlyingInstrument) fail(x, 'an option needs its underlying instrument (or an imported risk array)');
  const under = byId.get(o.underlyingInstrument!);
  if (!under) return fail(x, `its underlying instrument ${o.underlyingInstrument} is not in the book`);
  const mark = book.marks.get(under.id);
  if (mark === undefined || mark <= 0n) return fail(x, `no price for its underlying instrument ${under.id}`);
  if (!x.expiry) return fail(x, 'an option needs an expiry');
  const market = book.market;
  if (!market) return fail(x, 'no valuation time (asOf) for Black-76');
  const ms = parseInstant(x.expiry)! - parseInstant(market.asOf)!;
  if (ms < 0) fail(x, `expired (${x.expiry} is before ${market.asOf})`);
  const vol = market.vols.get(x.id) ?? market.vols.get(under.id);
  if (vol === undefined) return fail(x, `no implied volatility for ${x.id} or its underlying instrument ${under.id}`);
  return {
    forward: new D(mark.toString()).mul(under.tick),
    strike: new D(o.strike.toString()).mul(x.tick),
    years: new D(ms).div(YEAR_MS),
    vol: new D(vol.toString()).div(1_000_000),
    rate: new D(o.rate ?? '0'),
    right: o.right,
    multiplier: new D(x.multiplier),
  };
}

function b76(i: OptionInputs, forward: Decimal, vol: Decimal): Decimal {
  // A forward moved to or below zero: the option is worth its limit there (a call nothing, a put the discounted strike).
  if (forward.lte(0)) return i.right === 'call' ? new D(0) : i.strike.mul(i.rate.mul(i.years).neg().exp());
  return new D(black76Price({ forward, strike: i.strike, years: i.years, vol: Decimal.max(vol, 0), rate: i.rate, right: i.right }));
}

/**
 * Black-76 greeks of one long contract (methodology §2's model), x multiplier: delta in underlying units,
 * e^{-rT} N(d1) (call) or e^{-rT} (N(d1) - 1) (put); gamma, delta's change per 1.0 of the forward,
 * e^{-rT} phi(d1) / (F sigma sqrt T); vega, USD per volatility point (0.01), e^{-rT} F phi(d1) sqrt T / 100; theta,
 * USD per calendar day, (-e^{-rT} F phi(d1) sigma / (2 sqrt T) + r price) / 365. At expiry or with no volatility the
 * option is its discounted intrinsic value: delta 0 or +-e^{-rT}, the others 0.
 */
function b76Greeks(i: OptionInputs): Greeks {
  const df = i.rate.mul(i.years).neg().exp();
  const m = i.multiplier;
  if (i.years.isZero() || i.vol.isZero()) {
    // N(d1) taken as 1 above the strike and 0 at or below it (d1 -> +-infinity; at the strike, the put's side).
    const n = i.forward.gt(i.strike) ? 1 : 0;
    const delta = df.mul(i.right === 'call' ? n : n - 1);
    return { delta: delta.mul(m), gamma: new D(0), vega: new D(0), theta: new D(0) };
  }
  const sqrtT = i.years.sqrt();
  const sd = i.vol.mul(sqrtT);
  const d1 = i.forward.div(i.strike).ln().add(sd.mul(sd).div(2)).div(sd);
  const n = new D(normalCdf(d1).toString());
  const pdf = d1.mul(d1).div(2).neg().exp().div(D.acos(-1).mul(2).sqrt());
  const price = b76(i, i.forward, i.vol);
  const decay = df.mul(i.forward).mul(pdf).mul(i.vol).div(sqrtT.mul(2)).neg();
  return {
    delta: df.mul(i.right === 'call' ? n : n.sub(1)).mul(m),
    gamma: df.mul(pdf).div(i.forward.mul(sd)).mul(m),
    vega: df.mul(i.forward).mul(pdf).mul(sqrtT).div(100).mul(m),
    theta: decay.add(i.rate.mul(price)).div(365).mul(m),
  };
}

/** The price move (in the option's underlying price) of one scan range: its own range, or its underlying instrument's. */
function priceRange(x: Instrument, byId: Map<string, Instrument>): Decimal {
  const own = x.portfolio!.scanRange;
  if (own !== null) return new D(own.toString()).div(1_000_000).div(x.multiplier);
  const under = x.option?.underlyingInstrument ? byId.get(x.option.underlyingInstrument) : undefined;
  const r = under?.portfolio?.scanRange;
  if (r === undefined || r === null) return fail(x, 'no scan range (its own or its underlying instrument\'s)');
  return new D(r.toString()).div(1_000_000).div(under!.multiplier);
}

/**
 * A computed P&L rounded down to the micro-USD, after first rounding it to 1e-12 micro-USD: far below any price's
 * precision, this drops the 1e-1000-sized residues Black-76 leaves for a worthless option, so such an option's
 * array is 0 rather than -1 micro-USD.
 */
function floorMicro(v: Decimal): bigint {
  return BigInt(v.toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toDecimalPlaces(0, Decimal.ROUND_FLOOR).toFixed(0));
}

function optionArray(x: Instrument, i: OptionInputs, range: Decimal): bigint[] {
  const shift = new D(x.portfolio!.volShift.toString()).div(1_000_000);
  const base = b76(i, i.forward, i.vol);
  const perContract = i.multiplier.mul(1_000_000);
  return SCENARIOS.map((s) => {
    const f = i.forward.add(range.mul(s.move).div(1000));
    const v = i.vol.add(shift.mul(s.vol));
    return floorMicro(b76(i, f, v).sub(base).mul(perContract).mul(s.weight).div(100));
  });
}

function futureArray(x: Instrument): bigint[] {
  const range = x.portfolio!.scanRange;
  if (range === null) return fail(x, 'no scan range');
  return SCENARIOS.map((s) => {
    const n = range * BigInt(s.move) * BigInt(s.weight);
    const d = 100_000n;
    // Floor for either sign (BigInt division truncates toward zero).
    return n >= 0n ? n / d : -((-n + d - 1n) / d);
  });
}

/**
 * An option's delta as spreads take it: to 8 decimal places, half-even (as the greeks are shown). Black-76's delta
 * is irrational and, far from the money, as small as 1e-275: taken as it is, a naked short call that far out was a
 * non-zero delta, formed a spread with a future on another underlying and, using its whole delta, was credited
 * rate x its whole scan risk. Below 5e-9 per contract it is 0 and forms no spread; above, the rounding makes it an
 * exact decimal, so the spread arithmetic on it is exact (rational.ts) and reproducible.
 */
const spreadDelta = (g: Greeks | null): Decimal | null => (g === null ? null : g.delta.toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN));

/** One instrument's risk (array and delta), at the book's marks, time and volatilities. */
export function instrumentRisk(book: PricedBook, x: Instrument, byId: Map<string, Instrument>): InstrumentRisk {
  const p = x.portfolio;
  if (!p) return fail(x, 'it is not margined by portfolio');
  if (x.kind !== 'option') {
    const m = new D(x.multiplier);
    return { array: p.riskArray ?? futureArray(x), delta: m, greeks: { delta: m, gamma: new D(0), vega: new D(0), theta: new D(0) }, lot: lotFraction(x.lot) };
  }
  if (p.riskArray) {
    // An imported array is used as it is; its delta is Black-76's where the option can be priced, else unknown.
    // Black-76 runs only when the greeks or the delta are read (a view, a spread): a cycle over published arrays
    // with no spread on them prices nothing. Its inputs are taken now, so what it prices is this book's moment.
    let inputs: OptionInputs | null = null;
    try {
      inputs = optionInputs(book, x, byId);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
    let greeks: Greeks | null | undefined;
    const read = (): Greeks | null => (greeks === undefined ? (greeks = inputs && b76Greeks(inputs)) : greeks);
    return {
      array: p.riskArray,
      get delta() {
        return spreadDelta(read());
      },
      get greeks() {
        return read();
      },
      lot: lotFraction(x.lot),
    };
  }
  const inputs = optionInputs(book, x, byId);
  const greeks = b76Greeks(inputs);
  return { array: optionArray(x, inputs, priceRange(x, byId)), delta: spreadDelta(greeks), greeks, lot: lotFraction(x.lot) };
}

/**
 * An option's array costs 17 Black-76 prices (about 1 ms each at 60 digits): it is kept per instrument object while
 * what it depends on is unchanged (the marks, volatilities and time it was computed from), so a cycle or a price
 * tick that leaves an option's underlying where it was does not price it again.
 */
const cache = new WeakMap<Instrument, { key: string; risk: InstrumentRisk }>();

function inputsKey(book: PricedBook, x: Instrument): string {
  if (x.kind !== 'option' || !x.option) return '';
  const u = x.option.underlyingInstrument;
  const m = book.market;
  return [u === null ? '' : book.marks.get(u), m?.asOf, m?.vols.get(x.id), u === null ? '' : m?.vols.get(u)].join('|');
}

/**
 * Risk of the portfolio instruments the book's positions hold, by id. Only those: a book read for one account
 * (bookRepo.readAccountBook) lists every instrument but prices only what the account holds, and an option nobody
 * there holds cannot, and need not, be priced.
 */
export function heldRisk(book: PricedBook & Pick<Book, 'positions'>): Map<string, InstrumentRisk> {
  return bookRisk(book, heldInstruments(book.positions));
}

/**
 * The instruments a positions array names, kept per array while its length holds: a resident book's million positions
 * are not walked again for every price tick that reaches a portfolio account (26 ms a tick on the 100k book). A
 * resident book replaces a position in its slot with the same instrument's (residentBook.ts #patchAccount) and reads
 * the book whole when one in a new instrument opens, so an array that keeps its length names the same instruments.
 */
const heldByPositions = new WeakMap<readonly Pick<Position, 'instrument'>[], { length: number; ids: ReadonlySet<string> }>();

function heldInstruments(positions: readonly Pick<Position, 'instrument'>[]): ReadonlySet<string> {
  const view = (positions as { [HELD_INSTRUMENTS]?: () => ReadonlySet<string> })[HELD_INSTRUMENTS];
  if (view) return view();
  const known = heldByPositions.get(positions);
  if (known && known.length === positions.length) return known.ids;
  const ids = new Set<string>();
  for (const p of positions) ids.add(p.instrument);
  heldByPositions.set(positions, { length: positions.length, ids });
  return ids;
}

/** Risk of every portfolio instrument of the book (or of those in `only`), by id. */
export function bookRisk(book: PricedBook, only?: ReadonlySet<string>): Map<string, InstrumentRisk> {
  const byId = new Map(book.instruments.map((x) => [x.id, x]));
  const out = new Map<string, InstrumentRisk>();
  for (const x of book.instruments) {
    if (x.margin !== 'portfolio' || (only && !only.has(x.id))) continue;
    const key = inputsKey(book, x);
    const hit = cache.get(x);
    if (hit && hit.key === key) {
      out.set(x.id, hit.risk);
      continue;
    }
    const risk = instrumentRisk(book, x, byId);
    cache.set(x, { key, risk });
    out.set(x.id, risk);
  }
  return out;
}
