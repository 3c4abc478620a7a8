import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoBook, bookAtLastMark } from '../demo/generate.ts';
import { compileBook, priceColumns, type BookColumns, type PriceColumns } from './columns.ts';
import { allocOut, revalue, type KernelOut } from './kernel.ts';
import { ParallelRevaluer, JsParallelRevaluer } from './parallel.ts';
import { WasmParallelRevaluer } from './wasm/parallel.ts';

const starts: [string, (cols: BookColumns, px: PriceColumns) => Promise<ParallelRevaluer>][] = [
  ['ParallelRevaluer (wasm)', (c, p) => ParallelRevaluer.start(c, p)],
  ['JsParallelRevaluer', (c, p) => JsParallelRevaluer.start(c, p)],
];

for (const [name, start] of starts) {
  test(`${name}: the two-thread kernel gives the single-thread figures for every account, also after a price change`, async () => {
    const book = bookAtLastMark(generateDemoBook({ accounts: 3000, seed: 11, asOf: '2026-03-12T21:00:00.000Z', dataDir: null }));
    const cols = compileBook(book);
    const px = priceColumns(cols, book.marks, book.assetPrices);
    const pr = await start(cols, px);
    try {
      if (name.startsWith('ParallelRevaluer')) assert.ok(pr instanceof WasmParallelRevaluer, 'start gives the wasm kernel');
      for (const shock of [1, 0.8, 1.15]) {
        for (let i = 0; i < px.inst.length; i++) pr.px.inst[i] = Math.round(px.inst[i]! * shock);
        const single = allocOut(cols.nAccounts);
        revalue(cols, pr.px, single);
        const both: KernelOut = pr.run();
        for (const k of ['collateral', 'equity', 'mm', 'im', 'call', 'status', 'exact'] as const) {
          assert.deepEqual(Array.from(both[k]), Array.from(single[k]), `${k} at shock ${shock}`);
        }
        assert.ok(single.status.some((s) => s >= 2), 'the book has accounts in trouble, so the comparison means something');
      }
    } finally {
      await pr.close();
    }
  });
}

test('ParallelRevaluer falls back to the float kernel for a policy the wasm kernel refuses', async () => {
  const book = bookAtLastMark(generateDemoBook({ accounts: 200, seed: 3, asOf: '2026-03-12T21:00:00.000Z', dataDir: null }));
  const cols = compileBook({ ...book, policy: { ...book.policy, liquidationHealth: 3_000_000n } });
  const pr = await ParallelRevaluer.start(cols, priceColumns(cols, book.marks, book.assetPrices));
  try {
    assert.ok(pr instanceof JsParallelRevaluer);
    const single = allocOut(cols.nAccounts);
    revalue(cols, pr.px, single);
    assert.deepEqual(Array.from(pr.run().equity), Array.from(single.equity));
  } finally {
    await pr.close();
  }
});
