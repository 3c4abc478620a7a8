// The second core's half of both parallel revaluers (rangeThreads.ts): the wasm kernel over the same shared
// WebAssembly memory, or the float kernel over the same shared columns; waits for a sequence number, revalues its
// account range, reports.
import { parentPort, workerData } from 'node:worker_threads';
import { WasmKernel, type WasmKernelInit } from './loader.ts';
import { revalue, type KernelOut } from '../kernel.ts';
import type { KernelColumns, PriceColumns } from '../columns.ts';
import { CMD_FROM, CMD_SEQ, CMD_TO, DONE_SEQ, FAILED } from './rangeThreads.ts';

const data = workerData as {
  ctrl: Int32Array;
  wasm?: WasmKernelInit;
  js?: { cols: KernelColumns; px: PriceColumns; out: KernelOut };
};
const { ctrl, js } = data;
const kernel = data.wasm ? new WasmKernel(data.wasm) : null;
const range = (from: number, to: number): void => (kernel ? kernel.revalue(from, to) : revalue(js!.cols, js!.px, js!.out, from, to));
parentPort!.postMessage('ready');
let last = 0;
for (;;) {
  Atomics.wait(ctrl, CMD_SEQ, last);
  const seq = Atomics.load(ctrl, CMD_SEQ);
  if (seq === -1) break;
  if (seq === last) continue;
  last = seq;
  try {
    range(Atomics.load(ctrl, CMD_FROM), Atomics.load(ctrl, CMD_TO));
  } catch {
    Atomics.store(ctrl, FAILED, 1);
  }
  Atomics.store(ctrl, DONE_SEQ, seq);
  Atomics.notify(ctrl, DONE_SEQ);
}
