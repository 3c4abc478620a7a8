// What the feed has taken: the last mark per instrument (its price, its own time, when it came), marks per second
// over the last ten seconds, and counts of marks taken and refused. Live while a mark came within the stale age.
import type { FeedInstrumentStatus } from '../../shared/contractFeed.ts';
import type { Mark } from './mark.ts';

const WINDOW_S = 10;

export class FeedMonitor {
  readonly #last = new Map<string, { price: string; markTime: string; receivedAt: number }>();
  /** Marks per whole second of the clock, for the last WINDOW_S seconds. */
  readonly #buckets = new Map<number, number>();
  #lastAt: number | null = null;
  accepted = 0;
  refused = 0;
  lastError: { at: string; message: string } | null = null;

  /** Marks committed at clock time `at` (ms). */
  took(marks: readonly Mark[], at: number): void {
    for (const m of marks) this.#last.set(m.instrument, { price: m.price, markTime: m.time, receivedAt: at });
    this.accepted += marks.length;
    const s = Math.floor(at / 1000);
    this.#buckets.set(s, (this.#buckets.get(s) ?? 0) + marks.length);
    for (const k of this.#buckets.keys()) if (k <= s - WINDOW_S) this.#buckets.delete(k);
    if (marks.length > 0) this.#lastAt = at;
  }

  /** Funding-rate marks committed at clock time `at` (ms): counted as taken, and as a sign the feed is live. */
  tookRates(count: number, at: number): void {
    this.accepted += count;
    const s = Math.floor(at / 1000);
    this.#buckets.set(s, (this.#buckets.get(s) ?? 0) + count);
    if (count > 0) this.#lastAt = at;
  }

  refuse(message: string, at: number, count = 1): void {
    this.refused += count;
    this.lastError = { at: new Date(at).toISOString(), message };
  }

  get lastAt(): number | null {
    return this.#lastAt;
  }

  marksPerSecond(now: number): number {
    const s = Math.floor(now / 1000);
    let n = 0;
    for (const [k, v] of this.#buckets) if (k > s - WINDOW_S && k <= s) n += v;
    return Math.round((n / WINDOW_S) * 10) / 10;
  }

  instruments(now: number): FeedInstrumentStatus[] {
    return [...this.#last]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([instrument, l]) => ({
        instrument,
        price: l.price,
        markTime: l.markTime,
        receivedAt: new Date(l.receivedAt).toISOString(),
        ageSeconds: Math.max(0, Math.floor((now - l.receivedAt) / 1000)),
      }));
  }
}
