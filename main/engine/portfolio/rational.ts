// Exact fractions for the spread credits (methodology §4). A credit is rate x scan risk x used / |delta|, and the
// delta used is the free delta of one leg scaled by ratios: in decimals a division by 3, or scan x d / d, comes out a
// hair below the whole, and a credit that is exactly a whole micro-USD was floored one unit short. In fractions the
// arithmetic is exact; the only approximation left is the delta of an option itself (Black-76, irrational), which
// enters as the exact value of its decimal.
import type { Decimal } from 'decimal.js';

/** n / d with d > 0, in lowest terms. */
export interface Fraction {
  readonly n: bigint;
  readonly d: bigint;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function make(n: bigint, d: bigint): Fraction {
  if (d === 0n) throw new RangeError('fraction with a zero denominator');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
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

export const add = (a: Fraction, b: Fraction): Fraction => make(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Fraction, b: Fraction): Fraction => make(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Fraction, b: Fraction): Fraction => make(a.n * b.n, a.d * b.d);
export const div = (a: Fraction, b: Fraction): Fraction => make(a.n * b.d, a.d * b.n);
export const absF = (a: Fraction): Fraction => (a.n < 0n ? { n: -a.n, d: a.d } : a);
export const sign = (a: Fraction): -1 | 0 | 1 => (a.n < 0n ? -1 : a.n > 0n ? 1 : 0);
/** -1, 0 or 1 as a is below, at or above b. */
export const cmp = (a: Fraction, b: Fraction): -1 | 0 | 1 => sign(sub(a, b));

/** The largest integer not above a. */
export function floorF(a: Fraction): bigint {
  const q = a.n / a.d;
  return a.n < 0n && q * a.d !== a.n ? q - 1n : q;
}
