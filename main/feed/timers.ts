// The clock and timers the feed and the scheduler run on: the real ones in the app, a fake one in tests (no sleeps:
// a test moves time forward and the due timers fire in order).

export interface Timers {
  /** Milliseconds, monotonic for pacing (performance-like), or the wall clock for the scheduler: the owner says. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Runs fn at the next turn of the event loop, once the input that is ready has been read: a feed's batch taken
   * then holds every mark that arrived while the last batch was being committed.
   */
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

/** Real timers; unref'd so that a feed or schedule never keeps a process alive on its own. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t;
  },
  clearTimeout(h) {
    clearTimeout(h as NodeJS.Timeout);
  },
  setImmediate(fn) {
    const t = setImmediate(fn);
    t.unref();
    return t;
  },
  clearImmediate(h) {
    clearImmediate(h as NodeJS.Immediate);
  },
};

/** A clock that moves only when told: advance(ms) fires every timer that falls due, in time order. */
export class FakeTimers implements Timers {
  #now: number;
  #seq = 0;
  readonly #due = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#due.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Due now: it runs at the next advance, advance(0) included, after whatever the test pushed before it. */
  setImmediate(fn: () => void): unknown {
    return this.setTimeout(fn, 0);
  }

  clearImmediate(handle: unknown): void {
    this.clearTimeout(handle);
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#due.size;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.#due) if (e[1].at <= end && (next === null || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) break;
      this.#due.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    this.#now = end;
  }
}
