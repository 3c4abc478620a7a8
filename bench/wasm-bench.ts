// `node bench/wasm-bench.ts [--accounts N] [--rounds R] [--reps K] [--json]`: the float (JS) kernel against the
// WebAssembly i64 kernel (main/engine/wasm) on the bench book of bench/bench.ts (the demo book, default 100k
// accounts and ~1M positions, seed 1, at its last mark), one and two threads each.
//
// Each measurement is the engine's full revaluation as bench.ts times it: the kernel over every account, then
// the BigInt path (exactAccount) for every account the kernel flagged. Variants run in blocks of R rounds after a
// warm-up, the blocks K times in rotating order; the table gives the median over all rounds and the spread of the
// blocks' medians (another process on the machine shows up as a block with a higher median). The load average
// is printed before and after. The wasm results are checked against the float kernel's on every account.
import os from 'node:os';
import { generateDemoBook, bookAtLastMark } from '../main/demo/generate.ts';
import { compileBook, priceColumns, type BookColumns } from '../main/engine/columns.ts';
import { allocOut, revalue, type KernelOut } from '../main/engine/kernel.ts';
import { JsParallelRevaluer } from '../main/engine/parallel.ts';
import { WasmKernel } from '../main/engine/wasm/loader.ts';
import { WasmParallelRevaluer } from '../main/engine/wasm/parallel.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { printTable } from '../main/text/table.ts';
import { engineRevaluation } from './bench.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const accounts = opt('accounts', 100_000);
const rounds = opt('rounds', 30);
const reps = opt('reps', 3);
const json = args.includes('--json');
const log = (s: string) => process.stderr.write(`${s}\n`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

const fullRevaluation = (cols: BookColumns, kernel: () => KernelOut) => {
  const run = engineRevaluation(cols.book, cols, kernel);
  return () => run().flagged;
};

log(`load average at start: ${load()}`);
log(`building a ${accounts.toLocaleString('en-US')}-account demo book...`);
const book = bookAtLastMark(generateDemoBook({ accounts, seed: 1, asOf: DEMO_AS_OF }));
const cols = compileBook(book);
const px = priceColumns(cols, book.marks, book.assetPrices);

const t = performance.now();
const wasm1 = WasmKernel.create(cols);
const wasmCopyMs = performance.now() - t;
const wasm2 = await WasmParallelRevaluer.start(cols, px);
const js2 = await JsParallelRevaluer.start(cols, px);
const jsOut = allocOut(cols.nAccounts);

const variants: { name: string; run: () => number; flagged: number; ms: number[]; blocks: number[]; loads: number[] }[] = [
  { name: 'JS float kernel, 1 thread', run: fullRevaluation(cols, () => (revalue(cols, px, jsOut), jsOut)), flagged: 0, ms: [], blocks: [], loads: [] },
  { name: 'JS float kernel, 2 threads', run: fullRevaluation(cols, () => js2.run()), flagged: 0, ms: [], blocks: [], loads: [] },
  { name: 'Wasm i64 kernel, 1 thread', run: fullRevaluation(cols, () => wasm1.run(px)), flagged: 0, ms: [], blocks: [], loads: [] },
  { name: 'Wasm i64 kernel, 2 threads', run: fullRevaluation(cols, () => wasm2.run(px)), flagged: 0, ms: [], blocks: [], loads: [] },
];

for (let r = 0; r < reps; r++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(k + r) % variants.length]!;
    log(`rep ${r + 1}/${reps}: ${v.name}...`);
    v.flagged = v.run(); // warm-up
    const block: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      v.run();
      block.push(performance.now() - t0);
    }
    v.ms.push(...block);
    v.blocks.push(median(block));
    v.loads.push(os.loadavg()[0]!);
  }
}

// The wasm kernel's figures equal the float kernel's on every account that neither flagged.
revalue(cols, px, jsOut);
const w = wasm2.run(px);
let differ = 0;
for (let a = 0; a < cols.nAccounts; a++) {
  if (w.exact[a] || jsOut.exact[a]) continue;
  for (const k of ['collateral', 'equity', 'mm', 'im', 'call', 'status'] as const) if (w[k][a] !== jsOut[k][a]) differ++;
}
await wasm2.close();
await js2.close();

const base = median(variants[1]!.ms);
const report = {
  book: { accounts: cols.nAccounts, positions: cols.posInst.length, collateral: cols.colAsset.length },
  rounds,
  reps,
  wasmCopyMs: Number(wasmCopyMs.toFixed(1)),
  variants: variants.map((v) => ({
    name: v.name,
    medianMs: Number(median(v.ms).toFixed(3)),
    blockMedianMinMs: Number(Math.min(...v.blocks).toFixed(3)),
    blockMedianMaxMs: Number(Math.max(...v.blocks).toFixed(3)),
    minMs: Number(Math.min(...v.ms).toFixed(3)),
    flagged: v.flagged,
    blocks: v.blocks.map((m, k) => ({ medianMs: Number(m.toFixed(3)), loadAverage1m: v.loads[k]! })),
  })),
  wasmAgreesWithJs: differ === 0,
  load: os.loadavg(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version },
};
log(`load average at end: ${load()}`);

if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  const b = report.book;
  process.stdout.write(
    `\nbook: ${b.accounts} accounts, ${b.positions} positions, ${b.collateral} collateral rows; ${rounds} rounds x ${reps} blocks per variant\n` +
      `${report.machine.cpus} x ${report.machine.cpu}, Node ${report.machine.node}; load average at end ${load()}\n` +
      `wasm: columns copied into its memory once, ${report.wasmCopyMs} ms\n\n`,
  );
  printTable(
    ['full revaluation', 'median ms', 'block medians', 'min ms', 'BigInt-path accounts', 'vs JS 2 threads'],
    report.variants.map((v) => [
      v.name,
      v.medianMs.toFixed(2),
      `${v.blockMedianMinMs.toFixed(2)}-${v.blockMedianMaxMs.toFixed(2)}`,
      v.minMs.toFixed(2),
      String(v.flagged),
      `${(base / v.medianMs).toFixed(2)}x`,
    ]),
    [1, 2, 3, 4, 5],
  );
  process.stdout.write('\nper block (median ms @ 1-minute load average after the block):\n');
  for (const v of report.variants) {
    process.stdout.write(`  ${v.name.padEnd(28)} ${v.blocks.map((b) => `${b.medianMs.toFixed(2)}@${b.loadAverage1m.toFixed(1)}`).join('  ')}\n`);
  }
  process.stdout.write(`\nwasm figures equal the JS kernel's on every account: ${report.wasmAgreesWithJs ? 'yes' : 'NO'}\n`);
}
process.exitCode = report.wasmAgreesWithJs ? 0 : 1;
