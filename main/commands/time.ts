import { InputError } from '../../shared/errors.ts';

const UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]00:?00)$/;

/**
 * One spelling of every time the ledger stores (toISOString: milliseconds, Z), so text order is time order.
 * Only UTC is accepted (a zoneless time would be read in the machine's zone), and a date that does not exist
 * (Feb 30, hour 24) is refused rather than rolled over into another day.
 */
export function normaliseTime(s: string, field = 'at'): string {
  const m = UTC.exec(s);
  if (!m) throw new InputError(`"${s}" is not an ISO-8601 UTC time such as 2026-03-12T16:00:00Z`, { field });
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== sec) {
    throw new InputError(`"${s}" is not a real time (no such date or hour)`, { field });
  }
  return back.toISOString();
}
