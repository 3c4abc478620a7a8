// Exact decimal strings as the commands send them: compared and subtracted by string and BigInt work, never
// through a binary float (floats are for charts and the health column only). How they are shown: format.ts.

import { DECIMAL_PARTS as DECIMAL } from '../../../shared/decimalString.ts';

// The parts and sign of a decimal live with the one formatter (shared/format.ts), which the server uses too.
import { parts, signOf, type Parts } from '../../../shared/format.ts';
export { parts, signOf, type Parts };

export function isDecimal(s: string): boolean {
  return DECIMAL.test(s.trim());
}

function compareMagnitude(a: Parts, b: Parts): number {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  const n = Math.max(a.frac.length, b.frac.length);
  const fa = a.frac.padEnd(n, '0');
  const fb = b.frac.padEnd(n, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** Exact comparison of two decimal strings: -1, 0 or 1. A string that is not a decimal sorts after every number. */
export function compareDecimal(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : 0;
  if (pa.neg !== pb.neg) return pa.neg ? -1 : 1;
  const m = compareMagnitude(pa, pb);
  return pa.neg ? -m : m;
}

const COMPLEMENT: Record<string, string> = { '0': '9', '1': '8', '2': '7', '3': '6', '4': '5', '5': '4', '6': '3', '7': '2', '8': '1', '9': '0' };

/**
 * A string whose plain (code-unit) order is the exact numeric order of the decimal: for sorting big columns with
 * one cheap string comparison per pair instead of parsing both sides every time. Not a decimal -> after all numbers.
 */
export function decimalSortKey(s: string): string {
  const p = parts(s);
  if (!p) return '~';
  const len = String(p.int.length).padStart(4, '0');
  if (!p.neg) return `P${len}${p.int}.${p.frac}`;
  // Negative: a longer magnitude must come first, and digit by digit the larger one first. Nine's complement of
  // the length and of every digit, and a terminator above every digit, so that "-0.55" < "-0.5".
  const inv = (d: string) => d.replace(/\d/g, (c) => COMPLEMENT[c]!);
  return `N${inv(len)}${inv(p.int)}.${inv(p.frac)}~`;
}

/** Scale both to the same number of decimals as BigInts (exact). */
function scaled(a: string, b: string): { x: bigint; y: bigint; scale: number } | null {
  const pa = parts(a);
  const pb = parts(b);
  if (!pa || !pb) return null;
  const scale = Math.max(pa.frac.length, pb.frac.length);
  const big = (p: Parts) => (p.neg ? -1n : 1n) * BigInt(p.int + p.frac.padEnd(scale, '0'));
  return { x: big(pa), y: big(pb), scale };
}

function fromScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const int = scale ? digits.slice(0, digits.length - scale) : digits;
  const frac = scale ? digits.slice(digits.length - scale).replace(/0+$/, '') : '';
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** a - b, exactly. Null when either is not a decimal. */
export function subtractDecimal(a: string, b: string): string | null {
  const s = scaled(a, b);
  return s ? fromScaled(s.x - s.y, s.scale) : null;
}

/** A percentage as the user types it ("-20", "12.5") -> the relative fraction ("-0.2", "0.125"), exactly. */
export function percentToFraction(pct: string): string | null {
  const p = parts(pct);
  if (!p) return null;
  const digits = p.int + p.frac;
  const scale = p.frac.length + 2;
  const v = BigInt(digits) * (p.neg ? -1n : 1n);
  return fromScaled(v, scale);
}


/** A float for charts only (never for an amount that is shown or decided on). */
export function chartNumber(s: string | null | undefined): number | null {
  if (s === null || s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
