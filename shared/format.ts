// The one place numbers and times are written for a person (issue 21 item 6), for the console and for what the
// server writes to a person (a refusal's message): money to the cent on screens (the exact figure on hover), every
// digit in traces, compact millions and billions in headline tiles, thousands separators throughout; a minus for
// negatives (the console's Amount component colours them red and right-aligns them); times in UTC, saying so.
// String and BigInt work only: a shown amount never passes through a binary float. No Node import: the renderer
// imports this too.
import { DECIMAL_PARTS as DECIMAL } from './decimalString.ts';

export interface Parts {
  neg: boolean;
  int: string;
  frac: string;
}

/** A decimal string's sign, integer digits (no leading zeros) and decimals (no trailing zeros); null when not one. */
export function parts(s: string): Parts | null {
  const m = DECIMAL.exec(s.trim());
  if (!m) return null;
  const int = (m[2] ?? '0').replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zero = int === '0' && frac === '';
  return { neg: m[1] === '-' && !zero, int, frac };
}

/** The sign of a decimal string: -1, 0 or 1. */
export function signOf(s: string | null | undefined): -1 | 0 | 1 {
  if (!s) return 0;
  const p = parts(s);
  if (!p) return 0;
  if (p.int === '0' && p.frac === '') return 0;
  return p.neg ? -1 : 1;
}

const group = (int: string): string => int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "1234567.5" -> "1,234,567.50" (at least `minFrac` decimals, every decimal the string holds is kept). */
export function formatDecimal(s: string | null | undefined, minFrac = 2): string {
  if (s === null || s === undefined) return '—';
  const p = parts(s);
  if (!p) return s;
  const int = group(p.int);
  const frac = p.frac.length < minFrac ? p.frac.padEnd(minFrac, '0') : p.frac;
  return `${p.neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Every digit as given (trailing zeros kept: a trace's 8-place price is shown with its 8 places), with separators. */
export function formatExact(s: string | null | undefined): string {
  if (s === null || s === undefined) return '—';
  const m = DECIMAL.exec(s.trim());
  if (!m) return s;
  const int = group(m[2] ?? '0');
  return `${m[1] === '-' ? '-' : ''}${int}${m[3] !== undefined && m[3] !== '' ? `.${m[3]}` : ''}`;
}

/** A ratio as the grid shows it: 3 places, cut (not rounded) from the exact string; the exact one is its title. */
export function formatRatio(s: string | null | undefined): string {
  if (s === null || s === undefined) return '—';
  const m = DECIMAL.exec(s.trim());
  if (!m) return s;
  return formatDecimal(`${m[1]}${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}`, 3);
}

/** Shows a signed change with an explicit + for rises. */
export function formatChange(s: string | null, minFrac = 2): string {
  if (s === null) return '—';
  const f = formatDecimal(s, minFrac);
  return signOf(s) > 0 ? `+${f}` : f;
}

/** An exact decimal rounded half-even to `dp` places, as a plain decimal string ("1234.5678" -> "1234.57"). */
export function roundDecimal(s: string, dp: number): string | null {
  const p = parts(s);
  if (!p) return null;
  if (p.frac.length <= dp) return `${p.neg ? '-' : ''}${p.int}${p.frac ? `.${p.frac}` : ''}`;
  const digits = BigInt(p.int + p.frac.slice(0, dp));
  const rest = p.frac.slice(dp);
  const half = '5'.padEnd(rest.length, '0');
  const up = rest > half || (rest === half && digits % 2n === 1n);
  const v = (digits + (up ? 1n : 0n)).toString().padStart(dp + 1, '0');
  const int = dp ? v.slice(0, v.length - dp) : v;
  const frac = dp ? v.slice(v.length - dp) : '';
  const zero = /^0*$/.test(int + frac);
  return `${p.neg && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Money as a screen shows it: to the cent, half-even, with separators ("-1,026,243.37"). */
export function formatMoney(s: string | null | undefined): string {
  if (s === null || s === undefined) return '—';
  const r = roundDecimal(s, 2);
  return r === null ? s : formatDecimal(r, 2);
}

/** Whether the cents shown are not the whole figure (the exact one then goes on hover). */
export function moneyRounds(s: string | null | undefined): boolean {
  const p = s ? parts(s) : null;
  return !!p && p.frac.length > 2;
}

/** A headline figure: "15.47 bn", "757.41 m" from a billion and a million up (half-even), else to the cent. */
export function formatCompact(s: string | null | undefined): string {
  if (s === null || s === undefined) return '—';
  const p = parts(s);
  if (!p) return s;
  const unit = p.int.length > 9 ? { shift: 9, name: 'bn' } : p.int.length > 6 ? { shift: 6, name: 'm' } : null;
  if (!unit) return formatMoney(s);
  const int = p.int.slice(0, p.int.length - unit.shift);
  const frac = p.int.slice(p.int.length - unit.shift) + p.frac;
  return `${formatDecimal(roundDecimal(`${p.neg ? '-' : ''}${int}.${frac}`, 2)!, 2)} ${unit.name}`;
}

/** "2026-03-12T16:00:00.000Z" -> "2026-03-12 16:00:00": a UTC time where a heading already says "(UTC)". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]00:?00)?$/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

/** A time standing alone in a sentence or a cell no heading covers: "2026-03-12 16:00:00 UTC". */
export function formatUtc(iso: string | null | undefined): string {
  const t = formatTime(iso);
  return t === '—' || t === iso ? t : `${t} UTC`;
}
