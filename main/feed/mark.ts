// A mark as the market-data door takes it: an instrument, a price as a decimal string and a time with its zone; or a
// perpetual's funding-rate mark, as a venue's mark-price stream carries one: the instrument, the rate of the current
// interval as a signed decimal string, the funding time that interval ends at, and the time it was observed.
// The checks here are the door's (is it a mark at all?); whether the instrument exists, the price fits its tick
// and the time keeps the ledger's clock forward is for the command (prices.tick, funding.tick) to say.
import { parseInstant, instantProblem } from '../../shared/time.ts';
import { UNSIGNED_DECIMAL } from '../../shared/decimalString.ts';

export interface Mark {
  instrument: string;
  /** An exact decimal string, never a float. */
  price: string;
  /** ISO-8601 UTC (normalised). */
  time: string;
}

const INSTRUMENT = /^[A-Za-z0-9._:-]{1,64}$/;
const PRICE = UNSIGNED_DECIMAL;

/** The mark in `v`, or why it is not one (the first problem, naming the field). */
export function checkMark(v: unknown): { ok: true; mark: Mark } | { ok: false; error: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, error: 'expected a JSON object {"instrument","price","time"}' };
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'instrument' && k !== 'price' && k !== 'time');
  if (extra.length) return { ok: false, error: `unknown field ${extra.map((k) => `"${k}"`).join(', ')}` };
  const { instrument, price, time } = o;
  if (instrument === undefined) return { ok: false, error: 'instrument is missing' };
  if (typeof instrument !== 'string' || !INSTRUMENT.test(instrument)) return { ok: false, error: 'instrument: expected an id (letters, digits and . _ : - only, at most 64)' };
  if (price === undefined) return { ok: false, error: 'price is missing' };
  // A number would have been through a binary float already (0.1 + 0.2): the price must arrive as the vendor wrote it.
  if (typeof price === 'number') return { ok: false, error: `price: expected a decimal string such as "64250.5", not the JSON number ${String(price)}` };
  if (typeof price !== 'string' || !PRICE.test(price)) return { ok: false, error: `price: expected a decimal string such as "64250.5", not ${JSON.stringify(price)}` };
  if (!/[1-9]/.test(price)) return { ok: false, error: 'price: must be greater than zero' };
  if (time === undefined) return { ok: false, error: 'time is missing' };
  if (typeof time !== 'string') return { ok: false, error: 'time: expected an ISO-8601 time string' };
  const t = parseInstant(time);
  if (t === null) return { ok: false, error: `time: ${instantProblem(time)}` };
  return { ok: true, mark: { instrument, price, time: new Date(t).toISOString() } };
}

export interface RateMark {
  instrument: string;
  /** An exact signed decimal string: the share of a position's value paid per interval (positive: longs pay). */
  fundingRate: string;
  /** ISO-8601 UTC (normalised): the funding time the rate is for. */
  fundingTime: string;
  /** ISO-8601 UTC (normalised): when the rate was observed. */
  time: string;
}

const RATE = /^-?\d+(\.\d+)?$/;
const RATE_FIELDS = new Set(['instrument', 'fundingRate', 'fundingTime', 'time']);

/** Whether a parsed line is a funding-rate mark rather than a price mark (it names a rate). */
export const isRateLine = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && 'fundingRate' in v;

/** The funding-rate mark in `v`, or why it is not one (the first problem, naming the field). */
export function checkRateMark(v: unknown): { ok: true; rate: RateMark } | { ok: false; error: string } {
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !RATE_FIELDS.has(k));
  if (extra.length) return { ok: false, error: `unknown field ${extra.map((k) => `"${k}"`).join(', ')} in a funding-rate mark {"instrument","fundingRate","fundingTime","time"}` };
  const { instrument, fundingRate } = o;
  if (instrument === undefined) return { ok: false, error: 'instrument is missing' };
  if (typeof instrument !== 'string' || !INSTRUMENT.test(instrument)) return { ok: false, error: 'instrument: expected an id (letters, digits and . _ : - only, at most 64)' };
  if (typeof fundingRate === 'number') return { ok: false, error: `fundingRate: expected a decimal string such as "0.0001", not the JSON number ${String(fundingRate)}` };
  if (typeof fundingRate !== 'string' || !RATE.test(fundingRate)) return { ok: false, error: `fundingRate: expected a decimal string such as "0.0001" or "-0.00005", not ${JSON.stringify(fundingRate)}` };
  const times: Record<'fundingTime' | 'time', string> = { fundingTime: '', time: '' };
  for (const k of ['fundingTime', 'time'] as const) {
    const t = o[k];
    if (t === undefined) return { ok: false, error: `${k} is missing` };
    if (typeof t !== 'string') return { ok: false, error: `${k}: expected an ISO-8601 time string` };
    const ms = parseInstant(t);
    if (ms === null) return { ok: false, error: `${k}: ${instantProblem(t)}` };
    times[k] = new Date(ms).toISOString();
  }
  return { ok: true, rate: { instrument, fundingRate, ...times } };
}
