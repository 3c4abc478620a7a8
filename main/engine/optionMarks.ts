// Black-76 marks for an option the ledger holds no price for (methodology §2: "price from the price file or
// Black-76(F, K, T, sigma, r)"). An imported price always wins: the model marks only an option with no price row
// at or before the valuation time. Its inputs:
//   F     its underlying instrument's mark (as the book holds it, imported or moved by a tick);
//   K     its strike;
//   T     (expiry - the book's valuation time) / 365 days, exactly (the time the risk arrays are priced at too:
//         a cycle's as-of time, or the newest price of a book read as of the latest prices); past expiry, 0;
//   sigma its own implied volatility where the desk quoted one at its strike (volatilities file, or its own
//         price row's), else its underlying instrument's (the every-strike row, or that instrument's price row);
//   r     the option's own rate; the ledger stores none, so 0 there (as the risk arrays take it).
// The mark is Black-76's price / tick, rounded to the nearest tick, half-even (as the what-if rounds its model
// prices, main/whatif/toBook.ts): a model mark is a price like any other, in whole ticks.
import { Decimal } from 'decimal.js';
import type { Book, Instrument, ModelMark, PortfolioMarket } from './model.ts';

export type { ModelMark };
import { black76Price } from './black76.ts';
import { parseInstant } from '../../shared/time.ts';
import { unitsOf } from '../../shared/units.ts';

const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN });
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** What a model mark reads of a book. */
export type MarkedBook = Pick<Book, 'instruments' | 'marks' | 'market'>;

/**
 * The model mark of option `x` in `book`, with its underlying instrument's mark as the book holds it (or `forward`,
 * ticks of that instrument, when given), at the book's valuation time (or `at`); a sentence saying what is missing
 * when it cannot be priced.
 */
export function modelMark(book: MarkedBook, x: Instrument, byId: ReadonlyMap<string, Instrument>, forward?: bigint, at?: string): ModelMark | string {
  const o = x.option;
  if (x.kind !== 'option' || !o) return `${x.id} is not an option`;
  if (!o.underlyingInstrument) return `option ${x.id} names no underlying instrument to price it on`;
  const under = byId.get(o.underlyingInstrument);
  if (!under) return `its underlying instrument ${o.underlyingInstrument} is not in the book`;
  const f = forward ?? book.marks.get(under.id);
  if (f === undefined || f <= 0n) return `no price for its underlying instrument ${under.id}`;
  if (!x.expiry) return `option ${x.id} has no expiry`;
  const market: Pick<PortfolioMarket, 'asOf' | 'vols'> | undefined = book.market;
  if (!market) return 'no valuation time';
  const own = market.vols.get(x.id);
  const vol = own ?? market.vols.get(under.id);
  if (vol === undefined) return `no implied volatility for ${x.id} (at its strike) or its underlying instrument ${under.id}`;
  const asOf = at ?? market.asOf;
  const ms = Math.max(0, parseInstant(x.expiry)! - parseInstant(asOf)!);
  const years = new D(ms).div(YEAR_MS);
  const F = new D(unitsOf(f, under.tick));
  const K = new D(unitsOf(o.strike, x.tick));
  const sigma = new D(vol.toString()).div(1_000_000);
  const rate = o.rate ?? '0';
  const price = black76Price({ forward: F, strike: K, years, vol: sigma, rate, right: o.right });
  const ticks = BigInt(new D(price.toString()).div(x.tick).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
  return {
    ticks,
    price: price.toString(),
    underlyingInstrument: under.id,
    forward: F.toFixed(),
    strike: K.toFixed(),
    years: years.toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toFixed(),
    vol: sigma.toFixed(),
    volFrom: own === undefined ? 'underlying' : 'strike',
    rate: new D(rate).toFixed(),
    asOf,
    expiry: x.expiry,
  };
}

/** "model: Black-76 (F 5000 on ES-M6, K 5100, T 0.25 y to ..., sigma 0.2 at its strike, r 0): 182.34..., rounded half-even to the tick". */
export function modelMarkText(m: ModelMark, tick: string): string {
  const sigma = m.volFrom === 'strike' ? 'its strike\'s quote' : `${m.underlyingInstrument}'s`;
  return (
    `model: Black-76 (F ${m.forward} = ${m.underlyingInstrument} mark, K ${m.strike}, T ${m.years} y from ${m.asOf} to ${m.expiry}, ` +
    `sigma ${m.vol} (${sigma}), r ${m.rate}) = ${m.price}, rounded half-even to the tick ${tick}: ${unitsOf(m.ticks, tick)}`
  );
}

/**
 * Marks every option of `ids` the book has no mark for by the model, in place (book.marks), and records each in
 * book.modelMarks. Returns, per option it could not price, why.
 */
export function markByModel(book: Book, ids: Iterable<string>): Map<string, string> {
  const byId = new Map(book.instruments.map((x) => [x.id, x]));
  const failed = new Map<string, string>();
  for (const id of ids) {
    const x = byId.get(id);
    if (!x || x.kind !== 'option' || book.marks.has(id)) continue;
    const m = modelMark(book, x, byId);
    if (typeof m === 'string') {
      failed.set(id, m);
      continue;
    }
    book.marks.set(id, m.ticks);
    (book.modelMarks ??= new Map()).set(id, m);
  }
  return failed;
}

/**
 * The options the book marks by the model on underlying instrument `underlying`, each priced again at that
 * instrument's new mark `forward` (ticks) as of `at`, the time of that mark (a price tick's: a book read afresh as
 * of the latest prices values them at that time too). The book is not changed.
 */
export function remarkOn(book: Book, underlying: string, forward: bigint, at: string): { id: string; mark: ModelMark }[] {
  const mm = book.modelMarks;
  if (!mm || mm.size === 0) return [];
  let byId: Map<string, Instrument> | null = null;
  const out: { id: string; mark: ModelMark }[] = [];
  for (const [id, old] of mm) {
    if (old.underlyingInstrument !== underlying) continue;
    byId ??= new Map(book.instruments.map((x) => [x.id, x]));
    const m = modelMark(book, byId.get(id)!, byId, forward, at);
    if (typeof m !== 'string') out.push({ id, mark: m });
  }
  return out;
}
