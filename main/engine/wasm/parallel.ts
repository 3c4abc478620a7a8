// The wasm kernel on both cores, like ../parallel.ts: accounts split in two ranges of about equal positions, one
// revalued on this thread and one on a worker (rangeThreads.ts), both instances over the same shared WebAssembly
// memory. Each account is written by exactly one thread, so the result is the single-threaded kernel's, to the unit.
import type { KernelColumns, PriceColumns } from '../columns.ts';
import type { KernelOut } from '../kernel.ts';
import { WasmKernel } from './loader.ts';
import { RangeThreads } from './rangeThreads.ts';

export class WasmParallelRevaluer {
  readonly kernel: WasmKernel;
  /** The prices run() uses, a copy of those given to start(): change them here (or pass others to run()). */
  readonly px: PriceColumns;
  readonly out: KernelOut;
  private readonly threads: RangeThreads;
  private readonly here: (from: number, to: number) => void;

  private constructor(kernel: WasmKernel, px: PriceColumns, threads: RangeThreads) {
    this.kernel = kernel;
    this.px = px;
    this.out = kernel.out;
    this.threads = threads;
    this.here = (from, to) => kernel.revalue(from, to);
  }

  static async start(cols: KernelColumns, px: PriceColumns, opts: { withPositions?: boolean } = {}): Promise<WasmParallelRevaluer> {
    const kernel = WasmKernel.create(cols, opts);
    const threads = await RangeThreads.start({ wasm: kernel.init }, cols.posStart, cols.nAccounts);
    const own: PriceColumns = { inst: px.inst.slice(), asset: px.asset.slice(), instBig: px.instBig.slice(), assetBig: px.assetBig.slice() };
    return new WasmParallelRevaluer(kernel, own, threads);
  }

  /** Revalues every account at the prices in `px` (default: this.px); returns `out`. */
  run(px: PriceColumns = this.px): KernelOut {
    this.kernel.setPrices(px);
    this.threads.run(this.here);
    return this.out;
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
