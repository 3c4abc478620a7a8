// The second core's half of ParallelRevaluer: waits for a sequence number, revalues its account range, reports.
import { parentPort, workerData } from 'node:worker_threads';
import { revalue, type KernelOut } from './kernel.ts';
import type { KernelColumns, PriceColumns } from './columns.ts';

const { cols, px, out, ctrl } = workerData as { cols: KernelColumns; px: PriceColumns; out: KernelOut; ctrl: Int32Array };
parentPort!.postMessage('ready');
let last = 0;
for (;;) {
  Atomics.wait(ctrl, 0, last);
  const seq = Atomics.load(ctrl, 0);
  if (seq === -1) break;
  if (seq === last) continue;
  last = seq;
  try {
    revalue(cols, px, out, Atomics.load(ctrl, 1), Atomics.load(ctrl, 2));
  } catch {
    Atomics.store(ctrl, 4, 1);
  }
  Atomics.store(ctrl, 3, seq);
  Atomics.notify(ctrl, 3);
}
