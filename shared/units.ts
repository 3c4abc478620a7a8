// Exact fixed-point units (methodology §1). Every amount, price, quantity and rate is an integer count of
// its unit inside the program and a decimal string at every boundary. Nothing here touches a float.
import { DECIMAL_PARTS as DECIMAL } from './decimalString.ts';

/** Amounts are counted in micro-units of the quote currency (USD 1e-6). */
export const AMOUNT_SCALE = 6;
/** Rates (margin rates, haircuts, fee rates) are counted in parts per million. */
export const RATE_SCALE = 6;
export const RATE_ONE = 1_000_000n;
export const AMOUNT_ONE = 1_000_000n;

/** The exact range: a signed 64-bit integer of units (about +-9.2 trillion USD at micro-units). */
export const INT64_MAX = 9_223_372_036_854_775_807n;
export const INT64_MIN = -9_223_372_036_854_775_808n;

export type Rounding = 'ceil' | 'floor' | 'halfEven' | 'exact';

/** A value that would leave the exact range, or a string that is not a decimal: never wrapped, never guessed. */
export class UnitError extends Error {
  readonly what: string;
  constructor(what: string, message: string) {
    super(`${what}: ${message}`);
    this.name = 'UnitError';
    this.what = what;
  }
}


export function isDecimalString(s: string): boolean {
  return DECIMAL.test(s);
}

export function checkRange(v: bigint, what: string): bigint {
  if (v > INT64_MAX || v < INT64_MIN) {
    throw new UnitError(what, `value is outside the exact range (+-${INT64_MAX} units)`);
  }
  return v;
}

/**
 * Parses a decimal string into an integer count of 10^-scale units. With rounding 'exact' (the default) a string
 * with more decimal places than the scale is refused rather than silently rounded.
 */
export function parseUnits(s: string, scale: number, what: string, rounding: Rounding = 'exact'): bigint {
  if (typeof s !== 'string') throw new UnitError(what, `expected a decimal string, got ${typeof s}`);
  const m = DECIMAL.exec(s.trim());
  if (!m) throw new UnitError(what, `"${s}" is not a decimal number`);
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = m[2] ?? '0';
  let frac = m[3] ?? '';
  if (frac.length > scale) {
    const kept = frac.slice(0, scale);
    const dropped = frac.slice(scale);
    if (rounding === 'exact') {
      if (/[1-9]/.test(dropped)) {
        throw new UnitError(what, `"${s}" has more than ${scale} decimal places`);
      }
      frac = kept;
    } else {
      const base = BigInt(whole + kept.padEnd(scale, '0')) * sign;
      const restNum = BigInt(dropped) * sign;
      const restDen = 10n ** BigInt(dropped.length);
      return checkRange(base + roundQuotient(restNum, restDen, rounding), what);
    }
  }
  return checkRange(sign * BigInt(whole + frac.padEnd(scale, '0')), what);
}

/** Formats units as the shortest exact decimal string (no exponent, no trailing zeros). */
export function formatUnits(v: bigint, scale: number, minDecimals = 0): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const s = abs.toString().padStart(scale + 1, '0');
  const whole = scale === 0 ? s : s.slice(0, s.length - scale);
  let frac = scale === 0 ? '' : s.slice(s.length - scale).replace(/0+$/, '');
  if (frac.length < minDecimals) frac = frac.padEnd(minDecimals, '0');
  const body = frac ? `${whole}.${frac}` : whole;
  return neg && abs !== 0n ? `-${body}` : body;
}

/** n / d rounded as asked, d > 0 or d < 0. 'exact' refuses a remainder. */
export function divRound(n: bigint, d: bigint, rounding: Rounding): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return roundQuotient(n, d, rounding);
}

function roundQuotient(n: bigint, d: bigint, rounding: Rounding): bigint {
  // d > 0 here. BigInt division truncates toward zero.
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  switch (rounding) {
    case 'exact':
      throw new RangeError(`${n}/${d} is not exact`);
    case 'floor':
      return r < 0n ? q - 1n : q;
    case 'ceil':
      return r > 0n ? q + 1n : q;
    case 'halfEven': {
      const twice = 2n * (r < 0n ? -r : r);
      const away = r < 0n ? q - 1n : q + 1n;
      if (twice > d) return away;
      if (twice < d) return q;
      return q % 2n === 0n ? q : away;
    }
  }
}

/** Re-expresses a value of one scale at another, rounding when the target is coarser. */
export function rescale(v: bigint, from: number, to: number, rounding: Rounding): bigint {
  if (to >= from) return v * 10n ** BigInt(to - from);
  return divRound(v, 10n ** BigInt(from - to), rounding);
}

/** Rounds an amount (micro-units) to a coarser amount scale (e.g. 2 for cents), staying in micro-units. */
export function roundAmountToScale(micro: bigint, amountScale: number, rounding: Rounding): bigint {
  if (amountScale >= AMOUNT_SCALE) return micro;
  const step = 10n ** BigInt(AMOUNT_SCALE - amountScale);
  return divRound(micro, step, rounding) * step;
}

export const parseAmount = (s: string, what: string): bigint => parseUnits(s, AMOUNT_SCALE, what);
export const formatAmount = (v: bigint, minDecimals = 0): string => formatUnits(v, AMOUNT_SCALE, minDecimals);
export const parseRate = (s: string, what: string): bigint => parseUnits(s, RATE_SCALE, what);
export const formatRate = (v: bigint): string => formatUnits(v, RATE_SCALE);

/** Number of decimal places in a decimal string ("0.001" -> 3, "5" -> 0). */
export function decimalPlaces(s: string): number {
  const m = DECIMAL.exec(s.trim());
  if (!m) return 0;
  return (m[3] ?? '').replace(/0+$/, '').length;
}

/** Largest-remainder split of `total` in proportion to `weights`, so that the parts add up to the total exactly. */
export function largestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  const sumW = weights.reduce((a, b) => a + b, 0n);
  if (sumW <= 0n) return weights.map(() => 0n);
  const parts = weights.map((w) => (total * w) / sumW);
  const remainders = weights.map((w, i) => ({ i, r: total * w - (parts[i] as bigint) * sumW }));
  let left = total - parts.reduce((a, b) => a + b, 0n);
  // Ties go to the earlier entry so the split is deterministic.
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k = (k + 1) % remainders.length) {
    const idx = (remainders[k] as { i: number }).i;
    parts[idx] = (parts[idx] as bigint) + 1n;
    left -= 1n;
  }
  return parts;
}

/** An integer count of a decimal unit (lots of "0.001", ticks of "0.5") as a decimal string: n x unit, exactly. */
export function unitsOf(n: bigint, unit: string): string {
  const dp = decimalPlaces(unit);
  return formatUnits(n * parseUnits(unit, dp, 'unit'), dp);
}
