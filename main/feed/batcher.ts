// Marks gathered into batches for prices.tick. By default (maxWaitMs 0) a batch goes at the next turn of the event
// loop with every mark that arrived by then: a lone mark waits for nothing, and the marks that came in while the last
// batch was being committed (a command holds the thread) are read together and go as one command, in the order they
// came. With maxWaitMs above 0 a batch waits that long after its first mark to gather more. Either way a batch goes
// at once when it holds `maxMarks`.
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
    this.#maxWaitMs = o.maxWaitMs ?? 0;
  }

  get pending(): number {
    return this.#pending.length;
  }

  push(item: T): void {
    this.#pending.push(item);
    if (this.#pending.length >= this.#maxMarks) this.flush();
    else if (this.#timer === null) {
      const go = () => this.flush();
      this.#timer = this.#maxWaitMs > 0 ? this.#timers.setTimeout(go, this.#maxWaitMs) : this.#timers.setImmediate(go);
    }
  }

  flush(): void {
    if (this.#timer !== null) {
      if (this.#maxWaitMs > 0) this.#timers.clearTimeout(this.#timer);
      else this.#timers.clearImmediate(this.#timer);
    }
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#send(batch);
  }
}
