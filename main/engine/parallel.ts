// The kernel on both cores: accounts split in two ranges of about equal positions, one revalued on this thread and
// one on a worker, over columns in shared memory. Each account is written by exactly one thread, so the result is
// the same as the single-threaded kernel's, to the unit (a test checks it).
import { Worker } from 'node:worker_threads';
import type { BookColumns, KernelColumns, PriceColumns, TierColumns, UnitTierColumns } from './columns.ts';
import { allocOut, revalue, type KernelOut } from './kernel.ts';

type Typed = Float64Array | Int32Array | Uint8Array;

function shared<T extends Typed>(a: T): T {
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const c = new Ctor(new SharedArrayBuffer(a.byteLength));
  c.set(a as never);
  return c;
}

function shareAll<T extends object>(o: T): T {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) r[k] = ArrayBuffer.isView(v) ? shared(v as Typed) : v;
  return r as T;
}

export function kernelColumnsOf(c: BookColumns): KernelColumns {
  const { book: _b, accountIndex: _a, instrumentIndex: _i, assetIndex: _s, ...rest } = c;
  return {
    ...shareAll(rest),
    instTiers: shareAll<TierColumns>(c.instTiers),
    instUnitTiers: shareAll<UnitTierColumns>(c.instUnitTiers),
    assetHaircuts: shareAll<TierColumns>(c.assetHaircuts),
  };
}

const CMD_SEQ = 0;
const CMD_FROM = 1;
const CMD_TO = 2;
const DONE_SEQ = 3;
const FAILED = 4;

export class ParallelRevaluer {
  readonly cols: KernelColumns;
  /** Prices in shared memory: change them here and call run(). */
  readonly px: PriceColumns;
  readonly out: KernelOut;
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly mid: number;
  private seq = 0;

  private constructor(cols: KernelColumns, px: PriceColumns, worker: Worker, ctrl: Int32Array, out: KernelOut) {
    this.cols = cols;
    this.px = px;
    this.worker = worker;
    this.ctrl = ctrl;
    this.out = out;
    // Split where half the positions lie before: the work is per position far more than per account.
    const half = cols.posStart[cols.nAccounts]! / 2;
    let lo = 0;
    let hi = cols.nAccounts;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cols.posStart[m]! < half) lo = m + 1;
      else hi = m;
    }
    this.mid = lo;
  }

  static async start(book: BookColumns, prices: PriceColumns): Promise<ParallelRevaluer> {
    const cols = kernelColumnsOf(book);
    const px = shareAll(prices);
    const out = shareAll(allocOut(cols.nAccounts));
    const ctrl = new Int32Array(new SharedArrayBuffer(5 * 4));
    const worker = new Worker(new URL('./kernelWorker.ts', import.meta.url), { workerData: { cols, px, out, ctrl } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.unref();
    return new ParallelRevaluer(cols, px, worker, ctrl, out);
  }

  /** Revalues every account at the prices in `px`; returns `out`. */
  run(): KernelOut {
    const ctrl = this.ctrl;
    const seq = ++this.seq;
    Atomics.store(ctrl, CMD_FROM, this.mid);
    Atomics.store(ctrl, CMD_TO, this.cols.nAccounts);
    Atomics.store(ctrl, CMD_SEQ, seq);
    Atomics.notify(ctrl, CMD_SEQ);
    revalue(this.cols, this.px, this.out, 0, this.mid);
    for (let done = Atomics.load(ctrl, DONE_SEQ); done !== seq; done = Atomics.load(ctrl, DONE_SEQ)) {
      if (Atomics.load(ctrl, FAILED) !== 0) throw new Error('the kernel worker failed');
      Atomics.wait(ctrl, DONE_SEQ, done, 5_000);
    }
    return this.out;
  }

  async close(): Promise<void> {
    Atomics.store(this.ctrl, CMD_SEQ, -1);
    Atomics.notify(this.ctrl, CMD_SEQ);
    await this.worker.terminate();
  }
}
