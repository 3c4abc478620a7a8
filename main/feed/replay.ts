// Price paths to replay: the app's prices CSV as it is, or the daily files of ../shared/data (Yahoo layout: Date,
// Open, High, Low, Close, ...) expanded to intraday paths.
//
// The expansion (documented in README.md, "Replaying a price path"): each daily close is placed at the end of its
// day (24:00 UTC); between two closes the log price follows a Brownian bridge pinned at both closes, with the
// day's volatility from its high and low (Parkinson: sigma = ln(H/L) / sqrt(4 ln 2)), `stepsPerDay` points a day,
// drawn from the seeded PRNG of the demo book (main/demo/prng.ts). The same files, window, seed and steps give the
// same path, point for point. A path may be rescaled so its first close equals a given level (the instrument's
// current mark), and every price is rounded to the instrument's tick, half-even, as an exact decimal string.
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { Rng } from '../demo/prng.ts';
import { InputError } from '../../shared/errors.ts';
import { parseInstant, instantProblem } from '../../shared/time.ts';
import { UNSIGNED_DECIMAL } from '../../shared/decimalString.ts';

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
type Dec = InstanceType<typeof D>;
const DAY_MS = 86_400_000;
const PRICE = UNSIGNED_DECIMAL;

export interface PathPoint {
  /** Market time, ms since the epoch. */
  at: number;
  instrument: string;
  price: string;
}

export interface PricePath {
  /** In time order (ties keep their input order). */
  points: PathPoint[];
  /** What it is, for the status line: "prices.csv (1,200 marks)". */
  label: string;
}

function sortPoints(points: PathPoint[]): PathPoint[] {
  return points
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.at - b.p.at || a.i - b.i)
    .map((x) => x.p);
}

/** The app's prices CSV (instrument, at, mark[, implied_vol, source]) as a path; a bad row names its row and column. */
export function pathFromPricesCsv(text: string, file: string): PricePath {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (e) {
    throw new InputError(`${file}: not a CSV file (${(e as Error).message})`, { file });
  }
  const points: PathPoint[] = [];
  rows.forEach((r, k) => {
    const row = k + 2; // the header is row 1
    for (const col of ['instrument', 'at', 'mark']) {
      if (r[col] === undefined) throw new InputError(`${file}: no "${col}" column (a prices file has instrument, at, mark)`, { file, column: col });
      if (r[col] === '') throw new InputError(`${file} row ${row}: ${col} is empty`, { file, row, column: col });
    }
    const at = parseInstant(r.at!);
    if (at === null) throw new InputError(`${file} row ${row}: at: ${instantProblem(r.at!)}`, { file, row, column: 'at' });
    if (!PRICE.test(r.mark!) || !/[1-9]/.test(r.mark!)) throw new InputError(`${file} row ${row}: mark: expected a positive decimal such as "64250.5", not "${r.mark}"`, { file, row, column: 'mark' });
    points.push({ at, instrument: r.instrument!, price: r.mark! });
  });
  if (points.length === 0) throw new InputError(`${file}: no prices in it`, { file });
  return { points: sortPoints(points), label: `${file} (${points.length} marks)` };
}

export interface DailyBar {
  date: string;
  high: Dec;
  low: Dec;
  close: Dec;
}

/** The rows of a daily file (Yahoo layout); rows marked "null" (no trading) are left out. */
export function readDailyBars(text: string, file: string): DailyBar[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i === -1) throw new InputError(`${file}: no "${name}" column (a daily file has Date, Open, High, Low, Close ...)`, { file, column: name });
    return i;
  };
  const [di, hi, li, ci] = [col('date'), col('high'), col('low'), col('close')];
  const bars: DailyBar[] = [];
  for (let k = 1; k < lines.length; k++) {
    const cells = lines[k]!.split(',');
    const [date, high, low, close] = [cells[di], cells[hi], cells[li], cells[ci]].map((c) => (c ?? '').trim()) as [string, string, string, string];
    if ([high, low, close].includes('null')) continue;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || parseInstant(`${date}T00:00:00Z`) === null) throw new InputError(`${file} row ${k + 1}: Date: "${date}" is not a date (YYYY-MM-DD)`, { file, row: k + 1, column: 'Date' });
    for (const [name, v] of [['High', high], ['Low', low], ['Close', close]] as const) {
      if (!PRICE.test(v) || !/[1-9]/.test(v)) throw new InputError(`${file} row ${k + 1}: ${name}: expected a positive decimal, not "${v}"`, { file, row: k + 1, column: name });
    }
    bars.push({ date, high: new D(high), low: new D(low), close: new D(close) });
  }
  return bars;
}

export interface ExpandOptions {
  instrument: string;
  /** First and last day (YYYY-MM-DD, inclusive) of the closes used. */
  from: string;
  to: string;
  /** Points between two closes per day of gap (default 288: every 5 minutes). */
  stepsPerDay?: number;
  seed?: number;
  /** The instrument's price step: every price is a multiple of it. */
  tick: string;
  /** Rescale so that the first close used equals this price (e.g. the instrument's current mark). */
  scaleTo?: string;
}

const PARKINSON = Math.sqrt(4 * Math.log(2));

/** Daily closes from..to expanded into an intraday path by Brownian bridges (see the top of this file). */
export function expandDaily(bars: readonly DailyBar[], o: ExpandOptions): PathPoint[] {
  const window = bars.filter((b) => b.date >= o.from && b.date <= o.to);
  if (window.length < 2) throw new InputError(`${o.instrument}: fewer than two daily closes from ${o.from} to ${o.to}`, { field: 'from' });
  const steps = o.stepsPerDay ?? 288;
  if (!Number.isInteger(steps) || steps < 1 || steps > 86_400) throw new InputError('stepsPerDay must be a whole number from 1 to 86400', { field: 'stepsPerDay' });
  const tick = new D(o.tick);
  if (!tick.isFinite() || tick.lte(0)) throw new InputError(`${o.instrument}: tick must be positive, not ${o.tick}`, { field: 'tick' });
  const factor = o.scaleTo === undefined ? new D(1) : new D(o.scaleTo).div(window[0]!.close);
  const onTick = (p: Dec): string => {
    const r = p.div(tick).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(tick);
    return (r.lte(0) ? tick : r).toFixed();
  };
  const rng = new Rng(o.seed ?? 1);
  const endOf = (date: string) => parseInstant(`${date}T00:00:00Z`)! + DAY_MS;
  const points: PathPoint[] = [{ at: endOf(window[0]!.date), instrument: o.instrument, price: onTick(window[0]!.close.mul(factor)) }];
  for (let d = 1; d < window.length; d++) {
    const a = window[d - 1]!;
    const b = window[d]!;
    const t0 = endOf(a.date);
    const t1 = endOf(b.date);
    const days = Math.round((t1 - t0) / DAY_MS);
    const n = steps * days;
    const x1 = Math.log(b.close.mul(factor).toNumber());
    const sigma = Math.log(b.high.div(b.low).toNumber()) / PARKINSON; // per day
    const dt = days / n;
    let x = Math.log(a.close.mul(factor).toNumber());
    for (let k = 1; k < n; k++) {
      // The next point of a bridge from x to x1 with n - k + 1 steps left: drift to the end, variance shrinking to 0.
      const left = n - k + 1;
      x += (x1 - x) / left + sigma * Math.sqrt((dt * (left - 1)) / left) * rng.normal();
      points.push({ at: t0 + Math.round((k * (t1 - t0)) / n), instrument: o.instrument, price: onTick(new D(Math.exp(x))) });
    }
    points.push({ at: t1, instrument: o.instrument, price: onTick(b.close.mul(factor)) });
  }
  return points;
}

/** Several instruments' paths as one, in time order. */
export function mergePaths(label: string, parts: readonly PathPoint[][]): PricePath {
  return { points: sortPoints(parts.flat()), label };
}
