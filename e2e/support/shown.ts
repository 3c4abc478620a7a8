// An API figure written as a person reads it on the screen, for specs that assert the text shown: money to the cent
// (half-even) with thousands separators, a headline tile in millions or billions. Written here with decimal.js from
// the rule the screens state (shared/format.ts), not with the renderer's own code, so that a formatter
// that went wrong would show in the specs.
import { Decimal } from 'decimal.js';

const group = (int: string): string => int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function cents(d: Decimal): string {
  const r = d.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const [int, frac] = r.abs().toFixed(2).split('.') as [string, string];
  return `${r.isNegative() && !r.isZero() ? '-' : ''}${group(int)}.${frac}`;
}

/** "1234567.891" -> "1,234,567.89". */
export function money(s: string): string {
  return cents(new Decimal(s));
}

/** A headline tile's amount: "15.47 bn" and "757.41 m" from a billion and a million up, else to the cent. */
export function compact(s: string): string {
  const d = new Decimal(s);
  const digits = d.abs().floor().toFixed(0).length;
  if (digits > 9) return `${cents(d.div(1e9))} bn`;
  if (digits > 6) return `${cents(d.div(1e6))} m`;
  return cents(d);
}

/**
 * Every decimal the string holds, padded to `minFrac`, with separators: a chart segment's hover and an exact figure
 * (at least two places), a quantity (minFrac 0: "1,250" or "0.5").
 */
export function decimal(s: string, minFrac = 2): string {
  const d = new Decimal(s);
  const [int, frac = ''] = d.abs().toFixed().split('.') as [string, string?];
  const places = frac.padEnd(minFrac, '0');
  return `${d.isNegative() && !d.isZero() ? '-' : ''}${group(int)}${places ? `.${places}` : ''}`;
}
