// Cell-level readers for CSV imports: strict decimals, exact scales, multiples of a tick or lot, enums, ids and
// ISO-8601 times with their zone (stored in UTC). Every refusal is an InputError naming the file, row and column, and saying why.
import { InputError } from '../../shared/errors.ts';
import { unsafeTextProblem, escapeUnsafe, forMessage } from '../../shared/safeText.ts';
import { AMOUNT_SCALE, INT64_MAX, INT64_MIN, RATE_SCALE, formatUnits } from '../../shared/units.ts';
import { instantProblem, parseInstant } from '../../shared/time.ts';
import { WRITTEN_DECIMAL_PARTS } from '../../shared/decimalString.ts';

/** An exact decimal: n / 10^s. */
export interface Dec {
  n: bigint;
  s: number;
}

const STRICT_DECIMAL = WRITTEN_DECIMAL_PARTS;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const MAX_ID = 64;

/** Why a string is not a plain decimal, or null when it is one. */
export function decimalProblem(s: string): string | null {
  if (STRICT_DECIMAL.test(s)) return null;
  const why = /[eE]/.test(s)
    ? 'exponent notation is not allowed'
    : s.includes(',')
      ? 'thousands separators are not allowed'
      : /^[+]/.test(s)
        ? 'write it without a "+" sign'
        : /^-?\./.test(s)
          ? 'write a digit before the decimal point'
          : /\.$/.test(s)
            ? 'write a digit after the decimal point'
            : 'use digits, an optional leading "-" and one "."';
  return `"${s}" is not a decimal number: ${why}`;
}

/** Parses a strict decimal (as checked by decimalProblem) into an exact n / 10^s, trailing zeros dropped. */
export function toDec(s: string): Dec {
  const m = STRICT_DECIMAL.exec(s);
  if (!m) throw new RangeError(`not a decimal: ${s}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const n = BigInt((m[2] ?? '0') + frac);
  return { n: m[1] === '-' ? -n : n, s: frac.length };
}

export const pow10 = (k: number): bigint => 10n ** BigInt(k);

/** The shortest exact decimal string of d. */
export const formatDec = (d: Dec): string => formatUnits(d.n, d.s);

export function mulDec(...xs: Dec[]): Dec {
  let n = 1n;
  let s = 0;
  for (const x of xs) {
    n *= x.n;
    s += x.s;
  }
  return { n, s };
}

/** d as an integer count of 10^-scale, or null when that is not exact. */
export function decToUnits(d: Dec, scale: number): bigint | null {
  if (d.s <= scale) return d.n * pow10(scale - d.s);
  const den = pow10(d.s - scale);
  return d.n % den === 0n ? d.n / den : null;
}

/** a / b as an integer, or null when it is not a whole number. b must not be zero. */
export function divDec(a: Dec, b: Dec): bigint | null {
  const num = a.n * pow10(b.s);
  const den = b.n * pow10(a.s);
  return num % den === 0n ? num / den : null;
}

export const inInt64 = (v: bigint): boolean => v <= INT64_MAX && v >= INT64_MIN;

export const RANGE_NOTE = 'outside the exact range (a signed 64-bit count of units, about +-9.2 trillion USD of micro-USD)';

export type Sign = 'any' | 'positive' | 'nonNegative';

function signProblem(d: Dec, sign: Sign): string | null {
  if (sign === 'positive' && d.n <= 0n) return 'must be greater than 0';
  if (sign === 'nonNegative' && d.n < 0n) return 'must not be negative';
  return null;
}

/** One data row of a CSV file, read column by column. */
export class Cells {
  readonly file: string;
  readonly row: number;
  private readonly values: Map<string, string>;

  constructor(file: string, row: number, values: Map<string, string>) {
    this.file = file;
    this.row = row;
    this.values = values;
  }

  fail(column: string | undefined, message: string): never {
    // A refusal quotes the cells it is about: a 200 KB cell is named by its start and its length, not repeated.
    let text = message;
    for (const v of this.values.values()) if (v.length > 80) text = text.replaceAll(v, forMessage(v));
    throw new InputError(text, { file: this.file, row: this.row, ...(column ? { column } : {}) });
  }

  /** The trimmed cell, or null when the column is absent or the cell is empty. */
  optText(column: string): string | null {
    const v = this.values.get(column);
    if (v === undefined) return null;
    // Every cell, whatever it holds: a name with an ANSI escape or a bidi override would print as something else.
    const unsafe = unsafeTextProblem(v);
    if (unsafe) this.fail(column, `"${escapeUnsafe(v.slice(0, 40))}": ${unsafe}`);
    const t = v.trim();
    return t === '' ? null : t;
  }

  text(column: string): string {
    const v = this.optText(column);
    if (v === null) this.fail(column, 'a value is required here and the cell is empty');
    return v;
  }

  id(column: string): string {
    const v = this.text(column);
    if (v.length > MAX_ID) this.fail(column, `"${v.slice(0, 20)}..." is longer than ${MAX_ID} characters`);
    if (!ID.test(v)) {
      this.fail(column, `"${v}" is not a valid id: use letters, digits and . _ : - (starting with a letter or digit)`);
    }
    return v;
  }

  optId(column: string): string | null {
    return this.optText(column) === null ? null : this.id(column);
  }

  oneOf<T extends string>(column: string, allowed: readonly T[], fallback?: T): T {
    const v = this.optText(column);
    if (v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(column, `a value is required here: one of ${allowed.join(', ')}`);
    }
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(column, `"${v}" is not a valid ${column}: use one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  dec(column: string, sign: Sign = 'any'): Dec {
    return this.decOf(column, this.text(column), sign);
  }

  optDec(column: string, sign: Sign = 'any'): Dec | null {
    const v = this.optText(column);
    return v === null ? null : this.decOf(column, v, sign);
  }

  private decOf(column: string, v: string, sign: Sign): Dec {
    const p = decimalProblem(v);
    if (p) this.fail(column, p);
    const d = toDec(v);
    const sp = signProblem(d, sign);
    if (sp) this.fail(column, `${v} ${sp}`);
    return d;
  }

  /** A decimal at a fixed scale, exact: more decimal places than the scale are refused with `what` saying why. */
  units(column: string, scale: number, unitNote: string, sign: Sign = 'any'): bigint {
    return this.unitsOf(column, this.dec(column, sign), scale, unitNote);
  }

  optUnits(column: string, scale: number, unitNote: string, sign: Sign = 'any'): bigint | null {
    const d = this.optDec(column, sign);
    return d === null ? null : this.unitsOf(column, d, scale, unitNote);
  }

  unitsOf(column: string, d: Dec, scale: number, unitNote: string): bigint {
    const v = decToUnits(d, scale);
    if (v === null) this.fail(column, `${formatDec(d)} has more than ${scale} decimal places: ${unitNote}`);
    if (!inInt64(v)) this.fail(column, `${formatDec(d)} is ${RANGE_NOTE}`);
    return v;
  }

  /** Micro-USD. */
  amount(column: string, sign: Sign = 'any'): bigint {
    return this.units(column, AMOUNT_SCALE, 'amounts are exact to 0.000001 USD', sign);
  }

  optAmount(column: string, sign: Sign = 'any'): bigint | null {
    return this.optUnits(column, AMOUNT_SCALE, 'amounts are exact to 0.000001 USD', sign);
  }

  /** Parts per million. */
  rate(column: string, sign: Sign = 'any'): bigint {
    return this.units(column, RATE_SCALE, 'rates are exact to 0.000001 (one part per million)', sign);
  }

  optRate(column: string, sign: Sign = 'any'): bigint | null {
    return this.optUnits(column, RATE_SCALE, 'rates are exact to 0.000001 (one part per million)', sign);
  }

  /** A whole number in [min, max]. */
  int(column: string, min: number, max: number): number {
    const v = this.text(column);
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.fail(column, `"${v}" is not a whole number from ${min} to ${max}`);
    }
    return Number(v);
  }

  /** A time with its zone, returned in UTC canonical form. */
  time(column: string): string {
    return this.timeOf(column, this.text(column));
  }

  optTime(column: string): string | null {
    const v = this.optText(column);
    return v === null ? null : this.timeOf(column, v);
  }

  private timeOf(column: string, v: string): string {
    const t = canonicalTime(v);
    if (t === null) this.fail(column, instantProblem(v));
    return t;
  }
}

/** A time with its zone (shared/time.ts) -> UTC `YYYY-MM-DDTHH:MM:SS[.sss]Z` (milliseconds only when not 0); null when refused. */
export function canonicalTime(v: string): string | null {
  const t = parseInstant(v);
  if (t === null) return null;
  const iso = new Date(t).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
