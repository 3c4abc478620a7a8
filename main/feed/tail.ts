// Follows a file being appended (`tail -F`): polls its size every `pollMs` and hands over the new bytes. Reads at
// most `maxBytesPerPoll` a poll (the rest on the next one, at once), starts again from the top when the file is
// truncated or replaced (a rotated log), and waits quietly while it does not exist yet.
import fs from 'node:fs';
import type { Timers } from './timers.ts';

export interface TailOptions {
  timers: Timers;
  pollMs?: number;
  maxBytesPerPoll?: number;
  /** 'start' reads what the file already holds; 'end' (the default) only what is appended after. */
  from?: 'start' | 'end';
  /** A new file (first seen, truncated or replaced): the reader starts its line count again. */
  onRestart?: (why: 'opened' | 'truncated' | 'replaced') => void;
  onError?: (message: string) => void;
}

export class FileTailer {
  readonly file: string;
  readonly #onData: (chunk: Buffer) => void;
  readonly #o: Required<Omit<TailOptions, 'onRestart' | 'onError'>> & Pick<TailOptions, 'onRestart' | 'onError'>;
  #fd: number | null = null;
  #ino = -1;
  #offset = 0;
  #timer: unknown = null;
  #stopped = false;
  #first = true;
  #lastError = '';

  constructor(file: string, onData: (chunk: Buffer) => void, o: TailOptions) {
    this.file = file;
    this.#onData = onData;
    this.#o = { pollMs: 100, maxBytesPerPoll: 1 << 20, from: 'end', ...o };
  }

  /** Reads what is there now (per `from`) and polls from then on. */
  start(): void {
    this.poll();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#close();
  }

  /** Bytes read so far of the current file. */
  get offset(): number {
    return this.#offset;
  }

  /** One poll: read what was appended (bounded), then schedule the next. Exposed for tests that drive it by hand. */
  poll(): void {
    if (this.#stopped) return;
    let more = false;
    try {
      more = this.#read();
      this.#lastError = '';
    } catch (e) {
      const message = `${this.file}: ${(e as Error).message}`;
      if (message !== this.#lastError) this.#o.onError?.(message);
      this.#lastError = message;
      this.#close();
    }
    if (this.#stopped) return;
    this.#timer = this.#o.timers.setTimeout(() => this.poll(), more ? 0 : this.#o.pollMs);
  }

  #close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }

  /** True when more is waiting than one poll reads. */
  #read(): boolean {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        // Not there (yet, or moved away): whatever comes next under that name is a new file, read from its start.
        if (this.#fd !== null || this.#first) this.#ino = -1;
        this.#close();
        this.#first = false;
        return false;
      }
      throw e;
    }
    if (this.#fd === null || st.ino !== this.#ino) {
      const replaced = this.#fd !== null || this.#ino !== -1;
      this.#close();
      this.#fd = fs.openSync(this.file, 'r');
      this.#offset = this.#first && this.#o.from === 'end' ? st.size : 0;
      this.#o.onRestart?.(replaced ? 'replaced' : 'opened');
      this.#ino = st.ino;
    } else if (st.size < this.#offset) {
      this.#offset = 0;
      this.#o.onRestart?.('truncated');
    }
    this.#first = false;
    const available = st.size - this.#offset;
    if (available <= 0) return false;
    const n = Math.min(available, this.#o.maxBytesPerPoll);
    const buf = Buffer.allocUnsafe(n);
    const got = fs.readSync(this.#fd, buf, 0, n, this.#offset);
    this.#offset += got;
    if (got > 0) this.#onData(buf.subarray(0, got));
    return available > got;
  }
}
