// The two-thread protocol of both parallel revaluers (../parallel.ts for the float kernel, parallel.ts here for the
// wasm kernel): accounts split in two ranges of about equal positions, the first revalued on the calling thread,
// the second on a worker (worker.ts) that waits for a sequence number in shared memory, revalues, and reports.
import { Worker } from 'node:worker_threads';

// Slots of the control array (Int32, shared); worker.ts reads and writes the same.
export const CMD_SEQ = 0;
export const CMD_FROM = 1;
export const CMD_TO = 2;
export const DONE_SEQ = 3;
export const FAILED = 4;

// The Electron bundle (scripts/build-electron.ts) defines this as the file name of the worker's own bundle.
declare const __RISKDESK_WASM_WORKER__: string | undefined;
const workerUrl = (): URL =>
  new URL(typeof __RISKDESK_WASM_WORKER__ === 'string' ? __RISKDESK_WASM_WORKER__ : './worker.ts', import.meta.url);

/** First account index before which half the positions lie: the work is per position far more than per account. */
export function splitByPositions(posStart: Int32Array, nAccounts: number): number {
  const half = posStart[nAccounts]! / 2;
  let lo = 0;
  let hi = nAccounts;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (posStart[m]! < half) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** What worker.ts revalues: the wasm kernel (its init) or the float kernel (its columns, prices and output). */
export type RangeWorkerData = { wasm: unknown } | { js: unknown };

export class RangeThreads {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly mid: number;
  private readonly nAccounts: number;
  private seq = 0;

  private constructor(worker: Worker, ctrl: Int32Array, mid: number, nAccounts: number) {
    this.worker = worker;
    this.ctrl = ctrl;
    this.mid = mid;
    this.nAccounts = nAccounts;
  }

  static async start(data: RangeWorkerData, posStart: Int32Array, nAccounts: number): Promise<RangeThreads> {
    const ctrl = new Int32Array(new SharedArrayBuffer(5 * 4));
    const worker = new Worker(workerUrl(), { workerData: { ...data, ctrl } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.unref();
    return new RangeThreads(worker, ctrl, splitByPositions(posStart, nAccounts), nAccounts);
  }

  /** Has the worker revalue the second range while `here` revalues the first; returns when both are done. */
  run(here: (from: number, to: number) => void): void {
    const ctrl = this.ctrl;
    const seq = ++this.seq;
    Atomics.store(ctrl, CMD_FROM, this.mid);
    Atomics.store(ctrl, CMD_TO, this.nAccounts);
    Atomics.store(ctrl, CMD_SEQ, seq);
    Atomics.notify(ctrl, CMD_SEQ);
    here(0, this.mid);
    for (let done = Atomics.load(ctrl, DONE_SEQ); done !== seq; done = Atomics.load(ctrl, DONE_SEQ)) {
      if (Atomics.load(ctrl, FAILED) !== 0) throw new Error('the kernel worker failed');
      Atomics.wait(ctrl, DONE_SEQ, done, 5_000);
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.ctrl, CMD_SEQ, -1);
    Atomics.notify(this.ctrl, CMD_SEQ);
    await this.worker.terminate();
  }
}
