// Scheduled margin cycles while the app is open (design.md §2.1): every `cycleEverySeconds` (0 = off) and once a day
// at `eodCycleAt` (HH:MM UTC; null = off). Never two at once: a cycle asked for while one runs is queued, once; asking
// again while one is queued is skipped, and both are logged. The policy is read again before every wait, so a
// change of it takes effect at the next one. The clock is the app's (serve --now included): `timers.now()` is read
// as that clock's time in ms.
import type { Timers } from '../feed/timers.ts';

export interface SchedulePolicy {
  cycleEverySeconds: number;
  /** "HH:MM" in UTC, or null. */
  eodCycleAt: string | null;
}

export type CycleKind = 'interval' | 'eod';

export interface SchedulerOptions {
  timers: Timers;
  policy: () => SchedulePolicy;
  /** Runs one cycle; `at` is the time it is for (the end of day's instant for 'eod'). */
  run: (kind: CycleKind, at: Date) => void | Promise<void>;
  log: (line: string) => void;
}

/** The wait is re-armed at least this often, so a clock or policy change is noticed within it. */
const MAX_WAIT_MS = 60_000;
const DAY_MS = 86_400_000;

/** The next HH:MM UTC strictly after `now` (ms). */
export function nextDailyAt(hhmm: string, now: number): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`eodCycleAt must be HH:MM (UTC), not "${hhmm}"`);
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  const t = day + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  return t > now ? t : t + DAY_MS;
}

export class CycleScheduler {
  readonly #o: SchedulerOptions;
  #running: CycleKind | null = null;
  #queued: { kind: CycleKind; at: Date } | null = null;
  #intervalTimer: unknown = null;
  #eodTimer: unknown = null;
  #nextInterval: number | null = null;
  #nextEod: number | null = null;
  #started = false;
  /** Cycles run, skipped and queued so far (for status and tests). */
  readonly counts = { run: 0, skipped: 0, queued: 0, failed: 0 };

  constructor(o: SchedulerOptions) {
    this.#o = o;
  }

  get running(): boolean {
    return this.#running !== null;
  }

  /** When the next interval and end-of-day cycles are due (ms of the app's clock), or null when off. */
  get next(): { interval: number | null; eod: number | null } {
    return { interval: this.#nextInterval, eod: this.#nextEod };
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#armInterval();
    this.#armEod();
  }

  stop(): void {
    this.#started = false;
    for (const t of [this.#intervalTimer, this.#eodTimer]) if (t !== null) this.#o.timers.clearTimeout(t);
    this.#intervalTimer = this.#eodTimer = null;
    this.#nextInterval = this.#nextEod = null;
    this.#queued = null;
  }

  /** Asks for a cycle now: run, queued behind the running one, or skipped when one is queued already. */
  request(kind: CycleKind, at: Date = new Date(this.#o.timers.now())): 'run' | 'queued' | 'skipped' {
    if (this.#running !== null) {
      if (this.#queued === null) {
        this.#queued = { kind, at };
        this.counts.queued++;
        this.#o.log(`scheduled ${kind} cycle queued: the ${this.#running} cycle is still running`);
        return 'queued';
      }
      this.counts.skipped++;
      this.#o.log(`scheduled ${kind} cycle skipped: a ${this.#running} cycle is running and a ${this.#queued.kind} cycle is queued`);
      return 'skipped';
    }
    this.#run(kind, at);
    return 'run';
  }

  /** Runs one cycle, then the queued one if any. A cycle that returns no promise is over when it returns. */
  #run(kind: CycleKind, at: Date): void {
    this.#running = kind;
    let result: void | Promise<void>;
    try {
      result = this.#o.run(kind, at);
    } catch (e) {
      this.#finished(kind, e);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => this.#finished(kind, null),
        (e: unknown) => this.#finished(kind, e ?? new Error('failed')),
      );
    } else this.#finished(kind, null);
  }

  #finished(kind: CycleKind, error: unknown): void {
    if (error === null) this.counts.run++;
    else {
      this.counts.failed++;
      this.#o.log(`scheduled ${kind} cycle failed: ${error instanceof Error ? error.message : String(error as unknown)}`);
    }
    this.#running = null;
    const q = this.#queued;
    this.#queued = null;
    if (q && this.#started) this.#run(q.kind, q.at);
  }

  #armInterval(): void {
    if (!this.#started) return;
    const every = this.#policy().cycleEverySeconds;
    const now = this.#o.timers.now();
    if (!(every > 0)) {
      // Off: look at the policy again in a while.
      this.#nextInterval = null;
      this.#intervalTimer = this.#o.timers.setTimeout(() => this.#armInterval(), MAX_WAIT_MS);
      return;
    }
    this.#nextInterval ??= now + every * 1000;
    // The due time stays put across re-arms; a shorter new interval brings it forward.
    this.#nextInterval = Math.min(this.#nextInterval, now + every * 1000);
    const wait = this.#nextInterval - now;
    this.#intervalTimer = this.#o.timers.setTimeout(() => {
      this.#intervalTimer = null;
      if (this.#nextInterval !== null && this.#o.timers.now() >= this.#nextInterval) {
        this.#nextInterval = null;
        this.request('interval');
      }
      this.#armInterval();
    }, Math.min(wait, MAX_WAIT_MS));
  }

  #armEod(): void {
    if (!this.#started) return;
    const at = this.#policy().eodCycleAt;
    const now = this.#o.timers.now();
    if (at === null) {
      this.#nextEod = null;
      this.#eodTimer = this.#o.timers.setTimeout(() => this.#armEod(), MAX_WAIT_MS);
      return;
    }
    const due = nextDailyAt(at, now);
    this.#nextEod = due;
    this.#eodTimer = this.#o.timers.setTimeout(() => {
      this.#eodTimer = null;
      if (this.#nextEod !== null && this.#o.timers.now() >= this.#nextEod) {
        const when = new Date(this.#nextEod);
        this.#nextEod = null;
        this.request('eod', when);
      }
      this.#armEod();
    }, Math.min(Math.max(0, due - now), MAX_WAIT_MS));
  }

  #policy(): SchedulePolicy {
    try {
      return this.#o.policy();
    } catch (e) {
      this.#o.log(`schedule policy unreadable, cycles off until it is fixed: ${e instanceof Error ? e.message : String(e)}`);
      return { cycleEverySeconds: 0, eodCycleAt: null };
    }
  }
}
