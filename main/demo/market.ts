// The demo book's daily price path per underlying: the real closes in ../shared/data (Yahoo Finance layout) of the
// days before the March 2020 crash, ending with one violent day, rescaled to present-day levels. Without the data
// folder, a seeded geometric random walk ending with the same (documented) crash moves.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import type { Rng } from './prng.ts';
import { UNSIGNED_DECIMAL } from '../../shared/decimalString.ts';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;

export type Underlying = 'BTC' | 'ETH' | 'NDX' | 'USDT';

interface UnderlyingSpec {
  id: Underlying;
  file: string;
  /** The level the last pre-crash close is rescaled to (null: kept as it is, e.g. a stablecoin). */
  level: string | null;
  /** Daily volatility of the fallback random walk. */
  vol: number;
  /** The worst close-to-close move of 12-16 March 2020 in that file (a fact; used when the file is missing). */
  crash: string;
  what: string;
}

export const UNDERLYINGS: readonly UnderlyingSpec[] = [
  { id: 'BTC', file: 'btc-usd-daily.csv', level: '90000', vol: 0.035, crash: '-0.372', what: 'Bitcoin' },
  { id: 'ETH', file: 'eth-usd-daily.csv', level: '3200', vol: 0.045, crash: '-0.423', what: 'Ether' },
  { id: 'NDX', file: 'nasdaq-daily.csv', level: '21000', vol: 0.012, crash: '-0.123', what: 'Nasdaq' },
  { id: 'USDT', file: 'usdt-usd-daily.csv', level: null, vol: 0.0015, crash: '-0.051', what: 'Tether' },
];

/** The last ordinary day of the real window, and the days whose worst move becomes the book's last day. */
export const PRE_CRASH_DATE = '2020-03-11';
export const CRASH_WINDOW = ['2020-03-12', '2020-03-13', '2020-03-14', '2020-03-15', '2020-03-16'] as const;

export const DEFAULT_DATA_DIR = new URL('../../../shared/data/', import.meta.url);

export interface PricePaths {
  /** Per underlying, one price per day, the last being the violent day. */
  paths: Map<Underlying, Dec[]>;
  notes: string[];
}

/** Builds `days` daily prices per underlying (days >= 3). `dataDir` null forces the random walk. */
export function buildPricePaths(days: number, dataDir: string | URL | null, rng: Rng): PricePaths {
  const paths = new Map<Underlying, Dec[]>();
  const notes: string[] = [];
  const dir = dataDir === null ? null : typeof dataDir === 'string' ? dataDir : fileURLToPath(dataDir);
  for (const u of UNDERLYINGS) {
    const file = dir === null ? null : joinPath(dir, u.file);
    const closes = file !== null && existsSync(file) ? readCloses(file) : null;
    const real = closes ? realPath(u, closes, days) : null;
    if (real) {
      paths.set(u.id, real.prices);
      notes.push(
        `${u.id}: real ${u.what} closes ${real.from}..${PRE_CRASH_DATE}` +
          (u.level ? ` rescaled x${real.factor.toSignificantDigits(6).toString()} (last pre-crash close ${real.lastClose} -> ${u.level})` : '') +
          `, then a last day of ${pct(real.move)} (the worst close-to-close move of ${real.moveDate}) from ${u.file}`,
      );
    } else {
      paths.set(u.id, walkPath(u, days, rng));
      notes.push(
        `${u.id}: ${file === null ? 'no market-data folder given' : `${file} not found or unreadable`}; ` +
          `a seeded geometric random walk (daily vol ${u.vol}) ending with the documented crash move ${pct(new D(u.crash))}`,
      );
    }
  }
  return { paths, notes };
}

function pct(x: Dec): string {
  return `${x.times(100).toDecimalPlaces(1).toString()}%`;
}

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + file : `${dir}/${file}`;
}

/** Date -> close (decimal string), in file order; rows with "null" are skipped. */
function readCloses(file: string): Map<string, string> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const di = header.indexOf('Date');
  const ci = header.indexOf('Close');
  if (di < 0 || ci < 0) return null;
  const out = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] as string).split(',');
    const date = f[di];
    const close = f[ci];
    if (date && close && UNSIGNED_DECIMAL.test(close) && Number(close) > 0) out.set(date, close);
  }
  return out;
}

const DAY_MS = 86_400_000;

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The close on `date` or the last one before it (markets closed at weekends). */
function closeOnOrBefore(closes: Map<string, string>, date: string): { date: string; close: string } | null {
  for (let k = 0; k < 10; k++) {
    const d = addDays(date, -k);
    const c = closes.get(d);
    if (c !== undefined) return { date: d, close: c };
  }
  return null;
}

function realPath(
  u: UnderlyingSpec,
  closes: Map<string, string>,
  days: number,
): { prices: Dec[]; from: string; factor: Dec; lastClose: string; move: Dec; moveDate: string } | null {
  const ordinary = days - 1;
  const from = addDays(PRE_CRASH_DATE, -(ordinary - 1));
  const raw: Dec[] = [];
  for (let k = 0; k < ordinary; k++) {
    const c = closeOnOrBefore(closes, addDays(from, k));
    if (!c) return null;
    raw.push(new D(c.close));
  }
  // The worst close-to-close move of the crash window, each day against the previous trading day's close.
  let move: Dec | null = null;
  let moveDate = '';
  for (const day of CRASH_WINDOW) {
    const today = closes.get(day);
    if (today === undefined) continue;
    const prev = closeOnOrBefore(closes, addDays(day, -1));
    if (!prev) continue;
    const r = new D(today).div(prev.close).minus(1);
    if (move === null || r.lt(move)) {
      move = r;
      moveDate = day;
    }
  }
  if (move === null) return null;
  const lastClose = (raw[raw.length - 1] as Dec).toString();
  const factor = u.level ? new D(u.level).div(lastClose) : new D(1);
  const prices = raw.map((p) => p.times(factor));
  prices.push((prices[prices.length - 1] as Dec).times(move.plus(1)));
  return { prices, from, factor, lastClose, move, moveDate };
}

function walkPath(u: UnderlyingSpec, days: number, rng: Rng): Dec[] {
  const ordinary = days - 1;
  const xs: number[] = [];
  if (u.level === null) {
    for (let k = 0; k < ordinary; k++) xs.push(Math.min(1.01, Math.max(0.99, 1 + u.vol * rng.normal())));
  } else {
    let p = 1;
    for (let k = 0; k < ordinary; k++) {
      xs.push(p);
      p *= Math.exp(u.vol * rng.normal() - (u.vol * u.vol) / 2);
    }
  }
  const last = xs[xs.length - 1] as number;
  const factor = u.level ? new D(u.level).div(last.toPrecision(15)) : new D(1);
  const prices = xs.map((x) => new D(x.toPrecision(15)).times(factor));
  prices.push((prices[prices.length - 1] as Dec).times(new D(u.crash).plus(1)));
  return prices;
}
