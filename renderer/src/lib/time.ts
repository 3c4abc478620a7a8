// Times as the desk reads them: UTC throughout, ISO strings from the commands shown without the noise.

// Written by the one formatter (shared/format.ts), which the server's messages use too.
export { formatTime, formatUtc } from '../../../shared/format.ts';

/** A span in ms as "2d 03h", "3h 12m", "12m 05s", "42s". */
export function formatSpan(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(sec)}s`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}

/** Time left until a deadline: positive = still to go. */
export function msUntil(iso: string, now: number): number {
  return Date.parse(iso) - now;
}

/**
 * A UTC time as a UTC field shows it, ISO-8601 whatever the browser's locale: "2026-03-12 21:00Z" (seconds only
 * where there are some). A datetime-local input would show the machine's 12- or 24-hour format and mislead.
 */
export function isoToUtcField(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso);
  if (!m) return '';
  return `${m[1]} ${m[2]}${m[3] && m[3] !== ':00' ? m[3] : ''}Z`;
}

/**
 * What the desk typed in a UTC field, as the ISO text the server checks: a space for the T, and Z where no zone was
 * typed (the field says UTC). Anything else goes as typed and the server refuses it naming the field.
 */
export function utcFieldToIso(v: string): string {
  const t = v.trim().replace(/^(\d{4}-\d{2}-\d{2})\s+/, '$1T');
  return /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
}

/** Epoch seconds for chart axes. */
export function chartTime(iso: string): number {
  return Date.parse(iso) / 1000;
}
