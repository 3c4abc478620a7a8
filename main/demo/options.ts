// Options on the demo book (issue 17): European calls and puts on the front BTC quarterly and the front NQ
// quarterly, margined by portfolio (SPAN-style, methodology §4), written into existing cross accounts. Used by the
// portfolio bench (a book with a given share of its positions in options) and by tests; the seeded demo book itself
// is left as it is, because other suites pin its accounts. Deterministic from the seed.
import type { Book, Instrument, Position } from '../engine/model.ts';
import { lotTickValue } from '../csv/parse.ts';
import { black76Price } from '../engine/black76.ts';
import { Rng } from './prng.ts';
import { D } from './market.ts';

const YEAR_MS = 365 * 86_400_000;

export interface Chain {
  future: Instrument;
  /** Implied volatility, ppm. */
  vol: bigint;
  /** Price scan range as a share of the forward, and the option tick. */
  range: number;
  tick: string;
  lot: string;
  shortOptionMinimum: bigint;
}

/** The option chains the demo lists: the BTC quarterly after the front month and the front NQ quarterly. */
export function chains(book: Pick<Book, 'instruments'>): Chain[] {
  const fut = (prefix: string) =>
    book.instruments.filter((x) => x.kind === 'future' && x.id.startsWith(prefix) && x.expiry).sort((a, b) => (a.expiry! < b.expiry! ? -1 : 1));
  const btc = fut('BTC-');
  const nq = fut('NQ');
  const out: Chain[] = [];
  // The quarterly after the front month for BTC (more time value), the front NQ quarterly.
  const b = btc[1] ?? btc[0];
  if (b) out.push({ future: b, vol: 650_000n, range: 0.15, tick: '5', lot: '0.1', shortOptionMinimum: 50_000_000n });
  if (nq[0]) out.push({ future: nq[0], vol: 280_000n, range: 0.07, tick: '0.25', lot: '1', shortOptionMinimum: 100_000_000n });
  return out;
}

/** The option instruments of a chain: calls and puts at 90%, 100% and 110% of the mark, on the future's expiry. */
export function optionsOf(c: Chain, mark: bigint): Instrument[] {
  const f = new D(mark.toString()).mul(c.future.tick);
  const out: Instrument[] = [];
  for (const pct of [90, 100, 110]) {
    const strike = f.mul(pct).div(100).div(c.tick).toDecimalPlaces(0).mul(c.tick);
    for (const right of ['call', 'put'] as const) {
      const id = `${c.future.id}-${strike.toFixed()}-${right === 'call' ? 'C' : 'P'}`;
      const k = lotTickValue(c.lot, c.tick, c.future.multiplier)!;
      out.push({
        id,
        kind: 'option',
        underlying: c.future.underlying,
        multiplier: c.future.multiplier,
        lot: c.lot,
        tick: c.tick,
        ...k,
        margin: 'portfolio',
        tiers: [],
        slippage: 0n,
        expiry: c.future.expiry,
        option: { right, strike: BigInt(strike.div(c.tick).toFixed(0)), underlyingInstrument: c.future.id, shortOptionMinimum: c.shortOptionMinimum },
        priceBand: null,
        portfolio: {
          scanRange: BigInt(f.mul(c.range).mul(c.future.multiplier).mul(1_000_000).toDecimalPlaces(0).toFixed(0)),
          volShift: 40_000n,
          imMultiplier: 1_100_000n,
          riskArray: null,
        },
      });
    }
  }
  return out;
}

/** Black-76 mark of an option at `asOf` in its ticks (rate 0), rounded half-even. */
export function optionMark(x: Instrument, forwardTicks: bigint, forwardTick: string, vol: bigint, asOf: string): bigint {
  const years = new D(Date.parse(x.expiry!) - Date.parse(asOf)).div(YEAR_MS);
  const p = black76Price({
    forward: new D(forwardTicks.toString()).mul(forwardTick),
    strike: new D(x.option!.strike.toString()).mul(x.tick),
    years: years.isNeg() ? new D(0) : years,
    vol: new D(vol.toString()).div(1_000_000),
    rate: '0',
    right: x.option!.right,
  });
  return BigInt(new D(p.toString()).div(x.tick).toDecimalPlaces(0, D.ROUND_HALF_EVEN).toFixed(0));
}

export interface OptionOverlay {
  instruments: Instrument[];
  /** Option marks (ticks) and implied vols (ppm) at the book's time. */
  marks: Map<string, bigint>;
  vols: Map<string, bigint>;
  positions: Position[];
}

/**
 * Option positions for the book at `asOf` so that they make `share` (0..0.9) of all its positions: each goes to a
 * random cross account not yet holding it, long or short, a few contracts, entered at the mark.
 */
export function optionOverlay(book: Book, asOf: string, share: number, seed: number): OptionOverlay {
  const rng = new Rng(seed ^ 0x0a7105);
  const instruments: Instrument[] = [];
  const marks = new Map<string, bigint>();
  const vols = new Map<string, bigint>();
  for (const c of chains(book)) {
    const fm = book.marks.get(c.future.id);
    if (fm === undefined) continue;
    for (const x of optionsOf(c, fm)) {
      instruments.push(x);
      vols.set(x.id, c.vol);
      marks.set(x.id, optionMark(x, fm, c.future.tick, c.vol, asOf));
    }
  }
  const cross = book.accounts.filter((a) => a.mode === 'cross').map((a) => a.id);
  const want = Math.round((book.positions.length * share) / (1 - share));
  const positions: Position[] = [];
  const taken = new Set<string>();
  for (let n = 0, tries = 0; n < want && instruments.length > 0 && cross.length > 0 && tries < want * 4; tries++) {
    const account = cross[rng.int(cross.length)]!;
    const x = instruments[rng.int(instruments.length)]!;
    const key = `${account}\u0000${x.id}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const lots = BigInt(1 + rng.int(20));
    const q = rng.next() < 0.5 ? lots : -lots;
    positions.push({ account, instrument: x.id, quantity: q, entryValue: q * marks.get(x.id)! * x.lotTickValue, isolatedMargin: null });
    n++;
  }
  return { instruments, marks, vols, positions };
}

/** The book with the overlay's instruments, marks, vols and positions added (a new Book; the input is unchanged). */
export function withOptions(book: Book, o: OptionOverlay, asOf: string): Book {
  return {
    ...book,
    instruments: [...book.instruments, ...o.instruments],
    positions: [...book.positions, ...o.positions],
    marks: new Map([...book.marks, ...o.marks]),
    market: { asOf, vols: new Map([...(book.market?.vols ?? []), ...o.vols]), spreads: book.market?.spreads ?? [] },
  };
}
