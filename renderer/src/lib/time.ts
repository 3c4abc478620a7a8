// Times as the desk reads them: UTC throughout, ISO strings from the commands shown without the noise.

/** "2026-03-12T16:00:00Z" -> "2026-03-12 16:00:00" (UTC). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]00:?00)?$/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

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

/** The value of an <input type="datetime-local"> read as UTC -> "YYYY-MM-DDTHH:MM:SSZ". */
export function localInputToIso(v: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?/.exec(v);
  if (!m) return null;
  return `${m[1]}T${m[2]}:${m[3] ?? '00'}Z`;
}

/** An ISO UTC time -> the value for an <input type="datetime-local"> shown as UTC. */
export function isoToLocalInput(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]}T${m[2]}` : '';
}

/** Epoch seconds for chart axes. */
export function chartTime(iso: string): number {
  return Date.parse(iso) / 1000;
}
