// Exact fractions for the spread credits (methodology §4). A credit is rate x scan risk x used / |delta|, and the
// delta used is the free delta of one leg scaled by ratios: in decimals a division by 3, or scan x d / d, comes out a
// hair below the whole, and a credit that is exactly a whole micro-USD was floored one unit short. In fractions the
// arithmetic is exact on exact inputs: a future's delta, and an option's taken to 8 decimal places (riskArrays.ts).
import type { Decimal } from 'decimal.js';

/**
 * n / d with d > 0, not reduced: a gcd per operation cost four times the decimal work it replaced, while without it
 * the numbers of one account's spreads stay a few hundred digits. Equal denominators (the powers of ten of decimal
 * deltas and ratios) are kept as they are rather than multiplied.
 */
export interface Fraction {
  readonly n: bigint;
  readonly d: bigint;
}

function make(n: bigint, d: bigint): Fraction {
  if (d === 0n) throw new RangeError('fraction with a zero denominator');
  return d < 0n ? { n: -n, d: -d } : { n, d };
}

export const ZERO: Fraction = { n: 0n, d: 1n };

export const fraction = (n: bigint, d = 1n): Fraction => make(n, d);

/** The exact value of a decimal string such as "-12.5", "0.00031" or "2.5e-3". */
export function fromDecimalText(s: string): Fraction {
  const m = /^([-+]?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal: ${s}`);
  const frac = m[3] ?? '';
  const n = BigInt(m[2]! + frac);
  const exp = Number(m[4] ?? '0') - frac.length;
  const signed = m[1] === '-' ? -n : n;
  return exp >= 0 ? make(signed * 10n ** BigInt(exp), 1n) : make(signed, 10n ** BigInt(-exp));
}

/** The exact value of a (finite) decimal.js number. */
export const fromDecimal = (v: Decimal): Fraction => fromDecimalText(v.toFixed());

/** a + s x b (s = 1 or -1), on the common denominator where one divides the other. */
function sum(a: Fraction, b: Fraction, s: bigint): Fraction {
  if (a.d === b.d) return { n: a.n + s * b.n, d: a.d };
  if (a.d > b.d && a.d % b.d === 0n) return { n: a.n + s * b.n * (a.d / b.d), d: a.d };
  if (b.d > a.d && b.d % a.d === 0n) return { n: a.n * (b.d / a.d) + s * b.n, d: b.d };
  return { n: a.n * b.d + s * b.n * a.d, d: a.d * b.d };
}

export const add = (a: Fraction, b: Fraction): Fraction => sum(a, b, 1n);
export const sub = (a: Fraction, b: Fraction): Fraction => sum(a, b, -1n);
export const mul = (a: Fraction, b: Fraction): Fraction => make(a.n * b.n, a.d * b.d);
export const div = (a: Fraction, b: Fraction): Fraction => make(a.n * b.d, a.d * b.n);
export const absF = (a: Fraction): Fraction => (a.n < 0n ? { n: -a.n, d: a.d } : a);
export const sign = (a: Fraction): -1 | 0 | 1 => (a.n < 0n ? -1 : a.n > 0n ? 1 : 0);
/** -1, 0 or 1 as a is below, at or above b. */
export const cmp = (a: Fraction, b: Fraction): -1 | 0 | 1 => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};

/** The largest integer not above a. */
export function floorF(a: Fraction): bigint {
  const q = a.n / a.d;
  return a.n < 0n && q * a.d !== a.n ? q - 1n : q;
}
