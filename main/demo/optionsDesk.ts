// The demo book's options desk (issue 17): one member of its own, Voltaire Options Clearing, with four cross accounts
// holding European options on the BTC and NQ quarterlies (methodology §4, portfolio-margined), some beside the
// tiered future they are written on. Appended after the rest of the demo book is made, with no draw from its random
// sequence, so that every other member, account, position and price stays exactly as it was; deterministic from
// the book alone.
//
// The options are listed LISTED_DAYS before the last mark, at strikes of 90%, 100% and 110% of the future's mark that
// day; the desk enters its positions at that day's marks. Each day since, the demo quotes an implied volatility for
// every strike and for the underlying (a `volatilities` file: a skew, and a jump on the violent day), and marks each
// option by Black-76 at its strike's volatility. The clearinghouse publishes each option's risk array for the last
// day, as CME does (a `risk-arrays` file: the cycle uses them as they are, so a demo cycle prices no option 17
// times over); greeks still come from Black-76 at the quoted volatilities. Collateral (USD) covers each account's
// initial margin at the last mark by a margin of safety: the desk shows portfolio margin, not trouble.
//
// Marks and arrays are market data the demo makes up, like its price paths: computed in binary floats (a fast
// Black-76), then rounded once to whole ticks and micro-USD. The engine reads them as exact integers.
import type { Account, Book, Collateral, Instrument, Position } from '../engine/model.ts';
import type { Member, VolatilityRow } from '../csv/types.ts';
import { AMOUNT_ONE, RATE_ONE, divRound } from '../../shared/units.ts';
import { exactAccount, exactContext } from '../engine/exactAccount.ts';
import { SCENARIOS } from '../engine/portfolio/scenarios.ts';
import { chains, optionsOf, type Chain } from './options.ts';
import type { DemoBook, PricePoint } from './generate.ts';

/** Days (ending with the last mark) the options have been listed. */
export const LISTED_DAYS = 5;

export const OPTIONS_MEMBER: Member = {
  id: 'VOC',
  name: 'Voltaire Options Clearing LLC',
  status: 'active',
  defaultFund: 1_000_000n * AMOUNT_ONE,
  assessmentMultiple: 2n * RATE_ONE,
};

/** Volatility points added at each strike (by its share of the listing day's mark), and the violent day's jump. */
const SKEW: Record<number, bigint> = { 90: 50_000n, 100: 0n, 110: -20_000n };
const CRASH_VOL = 1_350_000n; // x 1.35 on the last day

type Leg = { chain: 'BTC' | 'NQ'; pct: 90 | 100 | 110; right: 'call' | 'put' | 'future'; lots: number };

/** Accounts the options desk adds to the demo book (beyond the `--accounts` of the futures book). */
export const OPTIONS_DESK_ACCOUNTS = 4;

/** What each account holds: an iron butterfly with a future, a bull call spread, protective puts, a naked short call. */
const DESK: { id: string; kind: 'house' | 'client'; cover: bigint; legs: Leg[] }[] = [
  {
    id: 'VOC-H01',
    kind: 'house',
    cover: 1_600_000n,
    legs: [
      { chain: 'BTC', pct: 100, right: 'call', lots: -10 },
      { chain: 'BTC', pct: 100, right: 'put', lots: -10 },
      { chain: 'BTC', pct: 110, right: 'call', lots: 10 },
      { chain: 'BTC', pct: 90, right: 'put', lots: 10 },
      { chain: 'BTC', pct: 100, right: 'future', lots: 1 },
    ],
  },
  { id: 'VOC-C0001', kind: 'client', cover: 1_400_000n, legs: [{ chain: 'NQ', pct: 100, right: 'call', lots: 5 }, { chain: 'NQ', pct: 110, right: 'call', lots: -5 }] },
  { id: 'VOC-C0002', kind: 'client', cover: 1_800_000n, legs: [{ chain: 'BTC', pct: 90, right: 'put', lots: 20 }, { chain: 'BTC', pct: 100, right: 'future', lots: 2 }] },
  { id: 'VOC-C0003', kind: 'client', cover: 1_300_000n, legs: [{ chain: 'NQ', pct: 110, right: 'call', lots: -3 }] },
];

/** The demo book with the options desk appended (a new DemoBook; the input is unchanged). */
export function withOptionsDesk(demo: DemoBook): DemoBook {
  const days = [...new Set(demo.history.map((p) => p.at))].sort().slice(-LISTED_DAYS);
  const listed = days[0]!;
  const markAt = new Map(demo.history.filter((p) => days.includes(p.at)).map((p) => [`${p.instrument}\u0000${p.at}`, p.mark]));
  const mark = (id: string, at: string): bigint => markAt.get(`${id}\u0000${at}`)!;
  const byChain = new Map<string, { chain: Chain; options: Instrument[] }>();
  // The NQ options go on the June quarterly rather than the front one, which expires a week after the last mark.
  const nq = demo.instruments.filter((x) => x.kind === 'future' && x.id.startsWith('NQ') && x.expiry).sort((a, b) => (a.expiry! < b.expiry! ? -1 : 1));
  for (const c0 of chains(demo)) {
    const c = c0.future.underlying !== 'BTC' && nq[1] ? { ...c0, future: nq[1] } : c0;
    // Listed at 90/100/110% of the future's mark on the listing day; only the strikes the desk trades are kept.
    byChain.set(c.future.underlying === 'BTC' ? 'BTC' : 'NQ', { chain: c, options: optionsOf(c, mark(c.future.id, listed)) });
  }
  const pick = (l: Leg): Instrument => {
    const c = byChain.get(l.chain)!;
    if (l.right === 'future') return c.chain.future;
    const at = [90, 100, 110].indexOf(l.pct) * 2 + (l.right === 'call' ? 0 : 1);
    return c.options[at]!;
  };
  const used = new Set(DESK.flatMap((a) => a.legs.filter((l) => l.right !== 'future').map((l) => pick(l).id)));
  const instruments = [...byChain.values()].flatMap((c) => c.options.filter((x) => used.has(x.id)));
  const pctOf = new Map(DESK.flatMap((a) => a.legs).filter((l) => l.right !== 'future').map((l) => [pick(l).id, l.pct]));
  const chainOf = new Map([...byChain.values()].flatMap((c) => c.options.map((x) => [x.id, c.chain])));

  // Volatilities and Black-76 marks, day by day.
  const volatilities: VolatilityRow[] = [];
  const history: PricePoint[] = [];
  const volAt = (x: Instrument, at: string): bigint => {
    const base = chainOf.get(x.id)!.vol + SKEW[pctOf.get(x.id)!]!;
    return at === days.at(-1) ? (base * CRASH_VOL) / RATE_ONE : base;
  };
  for (const at of days) {
    for (const c of byChain.values()) {
      const base = at === days.at(-1) ? (c.chain.vol * CRASH_VOL) / RATE_ONE : c.chain.vol;
      volatilities.push({ underlyingInstrument: c.chain.future.id, strike: null, at, impliedVol: base, source: 'demo' });
    }
    for (const x of instruments) {
      const c = chainOf.get(x.id)!;
      // The strike in the future's ticks (both chains quote strikes on the future's tick grid).
      const strike = (x.option!.strike * tickUnits(x.tick)) / tickUnits(c.future.tick);
      if (!volatilities.some((v) => v.at === at && v.strike === strike && v.underlyingInstrument === c.future.id)) {
        volatilities.push({ underlyingInstrument: c.future.id, strike, at, impliedVol: volAt(x, at), source: 'demo' });
      }
      const price = b76(forwardOf(c, mark(c.future.id, at)), strikeOf(x), yearsTo(x, at), ppm(volAt(x, at)), x.option!.right);
      history.push({ instrument: x.id, at, mark: BigInt(Math.round(price / Number(x.tick))) });
    }
  }
  const last = days.at(-1)!;
  // The published arrays: Black-76 at the last mark and volatility, moved by each scenario (methodology §4).
  const withArrays = instruments.map((x): Instrument => {
    const c = chainOf.get(x.id)!;
    const f = forwardOf(c, mark(c.future.id, last));
    const k = strikeOf(x);
    const t = yearsTo(x, last);
    const v = ppm(volAt(x, last));
    const range = Number(x.portfolio!.scanRange!) / 1e6 / Number(x.multiplier);
    const shift = ppm(x.portfolio!.volShift);
    const now = b76(f, k, t, v, x.option!.right);
    const perContract = Number(x.multiplier) * 1e6;
    const riskArray = SCENARIOS.map((sc) => BigInt(Math.floor(((b76(f + (range * sc.move) / 1000, k, t, v + shift * sc.vol, x.option!.right) - now) * perContract * sc.weight) / 100)));
    return { ...x, portfolio: { ...x.portfolio!, riskArray } };
  });

  // Accounts, positions entered at the listing day's marks, collateral for the last mark.
  const accounts: Account[] = DESK.map((a) => ({ id: a.id, member: OPTIONS_MEMBER.id, kind: a.kind, mode: 'cross' }));
  const priceOn = (x: Instrument, at: string): bigint => (x.option ? history.find((p) => p.instrument === x.id && p.at === at)!.mark : mark(x.id, at));
  const positions: Position[] = DESK.flatMap((a) =>
    a.legs.map((l) => {
      const x = pick(l);
      // A future's legs count whole units of the underlying: lots of its own size.
      const q = l.right === 'future' ? BigInt(l.lots) * lotsPerUnit(x) : BigInt(l.lots);
      return { account: a.id, instrument: x.id, quantity: q, entryValue: q * priceOn(x, listed) * x.lotTickValue, isolatedMargin: null };
    }),
  );
  const book: Book = {
    policy: demo.policy,
    instruments: [...demo.instruments, ...withArrays],
    assets: demo.assets,
    accounts,
    positions,
    collateral: [],
    marks: new Map([...demo.instruments, ...instruments].filter((x) => markAt.has(`${x.id}\u0000${last}`) || x.option).map((x) => [x.id, priceOn(x, last)])),
    assetPrices: new Map(demo.assetPrices.filter((p) => p.at === last).map((p) => [p.asset, p.price])),
    market: {
      asOf: last,
      vols: new Map([...[...byChain.values()].map((c) => [c.chain.future.id, (c.chain.vol * CRASH_VOL) / RATE_ONE] as const), ...instruments.map((x) => [x.id, volAt(x, last)] as const)]),
      spreads: [],
    },
  };
  const ctx = exactContext(book);
  const collateral: Collateral[] = DESK.map((a) => {
    const held = positions.flatMap((p, k) => (p.account === a.id ? [k] : []));
    const r = exactAccount(ctx, a.id, held, []);
    // Equity = cash + upnl: cash that brings it to cover x IM, in whole cents, and at least 10,000 USD.
    const cash = divRound((r.im * a.cover) / RATE_ONE - r.equity, 10_000n, 'ceil');
    return { account: a.id, asset: 'USD', quantity: cash > 1_000_000n ? cash : 1_000_000n };
  });

  return {
    ...demo,
    members: [...demo.members, OPTIONS_MEMBER],
    accounts: [...demo.accounts, ...accounts],
    instruments: [...demo.instruments, ...withArrays],
    positions: [...demo.positions, ...positions],
    collateral: [...demo.collateral, ...collateral],
    history: [...demo.history, ...history],
    volatilities: [...(demo.volatilities ?? []), ...volatilities],
    notes: [
      ...demo.notes,
      `options desk ${OPTIONS_MEMBER.id}: ${accounts.length} accounts, ${positions.length} positions in ${instruments.length} portfolio-margined options on ${[...byChain.values()].map((c) => c.chain.future.id).join(' and ')} (listed ${LISTED_DAYS} days before the last mark), Black-76 marks at each strike's implied volatility`,
    ],
  };
}

const ppm = (v: bigint): number => Number(v) / 1e6;
const forwardOf = (c: Chain, ticks: bigint): number => Number(ticks) * Number(c.future.tick);
const strikeOf = (x: Instrument): number => Number(x.option!.strike) * Number(x.tick);
const yearsTo = (x: Instrument, at: string): number => Math.max(0, Date.parse(x.expiry!) - Date.parse(at)) / (365 * 86_400_000);

/** The standard normal CDF (Abramowitz and Stegun 26.2.17, error below 7.5e-8): enough for made-up market data. */
function ncdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const p = 0.3989422804014327 * Math.exp((-x * x) / 2) * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x > 0 ? 1 - p : p;
}

/** Black-76 at rate 0 (methodology §2), in floats; a forward at or below zero is the option's limit. */
function b76(f: number, k: number, t: number, v: number, right: 'call' | 'put'): number {
  if (f <= 0) return right === 'call' ? 0 : k;
  if (t <= 0 || v <= 0) return Math.max(0, right === 'call' ? f - k : k - f);
  const sd = v * Math.sqrt(t);
  const d1 = (Math.log(f / k) + (sd * sd) / 2) / sd;
  const d2 = d1 - sd;
  return right === 'call' ? f * ncdf(d1) - k * ncdf(d2) : k * ncdf(-d2) - f * ncdf(-d1);
}

/** A tick as a count of 10^-8 (the demo's ticks have at most 8 places). */
function tickUnits(tick: string): bigint {
  const [w, f = ''] = tick.split('.');
  return BigInt(w! + f.padEnd(8, '0'));
}

/** Lots of an instrument in one unit of its underlying (lot x multiplier = 1 / this). */
function lotsPerUnit(x: Instrument): bigint {
  const per = Number(x.lot) * Number(x.multiplier);
  return per >= 1 ? 1n : BigInt(Math.round(1 / per));
}
