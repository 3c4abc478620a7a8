// The kernel on both cores: accounts split in two ranges of about equal positions, one revalued on this thread and
// one on a worker (wasm/rangeThreads.ts), over columns in shared memory. Each account is written by exactly one thread, so the result is
// the same as the single-threaded kernel's, to the unit (a test checks it). ParallelRevaluer.start gives the wasm
// kernel's (wasm/parallel.ts); JsParallelRevaluer is the float kernel's, for a book the wasm kernel refuses and
// for comparison (the bench).
import type { BookColumns, KernelColumns, PriceColumns, TierColumns, UnitTierColumns } from './columns.ts';
import { allocOut, revalue, type KernelOut } from './kernel.ts';
import { WasmParallelRevaluer } from './wasm/parallel.ts';
import { RangeThreads } from './wasm/rangeThreads.ts';

/** A kernel on both cores: change the prices in `px`, call run(), read `out` (overwritten by the next run). */
export interface ParallelRevaluer {
  readonly px: PriceColumns;
  readonly out: KernelOut;
  run(): KernelOut;
  close(): Promise<void>;
}

export const ParallelRevaluer = {
  /** The wasm kernel on both cores, or the float kernel where the wasm kernel refuses the book (a RangeError). */
  async start(book: BookColumns, prices: PriceColumns): Promise<ParallelRevaluer> {
    try {
      return await WasmParallelRevaluer.start(book, prices);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      return JsParallelRevaluer.start(book, prices);
    }
  },
};

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

export class JsParallelRevaluer implements ParallelRevaluer {
  readonly cols: KernelColumns;
  /** Prices in shared memory: change them here and call run(). */
  readonly px: PriceColumns;
  readonly out: KernelOut;
  private readonly threads: RangeThreads;
  private readonly here: (from: number, to: number) => void;

  private constructor(cols: KernelColumns, px: PriceColumns, out: KernelOut, threads: RangeThreads) {
    this.cols = cols;
    this.px = px;
    this.out = out;
    this.threads = threads;
    this.here = (from, to) => revalue(cols, px, out, from, to);
  }

  static async start(book: BookColumns, prices: PriceColumns): Promise<JsParallelRevaluer> {
    const cols = kernelColumnsOf(book);
    const px = shareAll(prices);
    const out = shareAll(allocOut(cols.nAccounts));
    const threads = await RangeThreads.start({ js: { cols, px, out } }, cols.posStart, cols.nAccounts);
    return new JsParallelRevaluer(cols, px, out, threads);
  }

  /** Revalues every account at the prices in `px`; returns `out`. */
  run(): KernelOut {
    this.threads.run(this.here);
    return this.out;
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
