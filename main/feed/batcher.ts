// Marks gathered into batches for prices.tick: a batch goes when it holds `maxMarks`, or `maxWaitMs` after its first
// mark arrived, whichever comes first, so a busy feed makes few large commands and a quiet one waits at most that.
import type { Timers } from './timers.ts';

export interface BatcherOptions {
  timers: Timers;
  maxMarks?: number;
  maxWaitMs?: number;
}

export class Batcher<T> {
  readonly #send: (items: T[]) => void;
  readonly #timers: Timers;
  readonly #maxMarks: number;
  readonly #maxWaitMs: number;
  #pending: T[] = [];
  #timer: unknown = null;

  constructor(send: (items: T[]) => void, o: BatcherOptions) {
    this.#send = send;
    this.#timers = o.timers;
    this.#maxMarks = o.maxMarks ?? 500;
    this.#maxWaitMs = o.maxWaitMs ?? 50;
  }

  get pending(): number {
    return this.#pending.length;
  }

  push(item: T): void {
    this.#pending.push(item);
    if (this.#pending.length >= this.#maxMarks) this.flush();
    else if (this.#timer === null) this.#timer = this.#timers.setTimeout(() => this.flush(), this.#maxWaitMs);
  }

  flush(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#send(batch);
  }
}
