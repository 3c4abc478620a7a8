// The one rule for a time given as input (JSON, CSV, IPC, command-line options): strict ISO-8601 with an explicit
// zone, Z or +-HH:MM. A time without a zone would be read in the machine's zone, so the same input would mean
// another instant in Tokyo than in New York; Date.parse also takes "April 11, 2026" and other guesses. No Node
// imports: the renderer imports this too.
import { InputError } from './errors.ts';

/** The accepted shape (seconds and up to 3 decimals optional); also published as the JSON Schema pattern. */
export const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})$';
export const INSTANT_HINT = 'an ISO-8601 time with Z or an offset, such as 2026-03-12T16:00:00Z or 2026-03-13T01:00:00+09:00';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch, or null when s is not a real time in the accepted shape (Feb 30, hour 24, 60 s). */
export function parseInstant(s: string): number | null {
  const m = SHAPE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec, oh, om] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0', m[9] ?? '0', m[10] ?? '0'].map(Number) as number[] as [
    number, number, number, number, number, number, number, number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59) return null;
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, ms);
  const offset = (oh * 60 + om) * 60_000;
  return t.getTime() - (m[8] === '-' ? -offset : offset);
}

function daysIn(y: number, mo: number): number {
  if (mo === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(mo) ? 30 : 31;
}

/** Why s is refused as a time: not the accepted shape, or a date or hour that does not exist. */
export function instantProblem(s: string): string {
  return SHAPE.test(s) ? `"${s}" is not a real time (no such date or hour)` : `"${s}" is not ${INSTANT_HINT}`;
}

/** The time as the ledger stores it (toISOString: UTC, milliseconds), so text order is time order; or a refusal naming the field. */
export function normaliseTime(s: string, field = 'at'): string {
  const t = parseInstant(s);
  if (t === null) throw new InputError(instantProblem(s), { field });
  return new Date(t).toISOString();
}
