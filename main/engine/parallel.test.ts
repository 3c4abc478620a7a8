import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoBook, bookAtLastMark } from '../demo/generate.ts';
import { compileBook, priceColumns } from './columns.ts';
import { allocOut, revalue } from './kernel.ts';
import { ParallelRevaluer } from './parallel.ts';

test('the two-thread kernel gives the single-thread figures for every account, also after a price change', async () => {
  const book = bookAtLastMark(generateDemoBook({ accounts: 3000, seed: 11, asOf: '2026-03-12T21:00:00.000Z', dataDir: null }));
  const cols = compileBook(book);
  const px = priceColumns(cols, book.marks, book.assetPrices);
  const pr = await ParallelRevaluer.start(cols, px);
  try {
    for (const shock of [1, 0.8, 1.15]) {
      for (let i = 0; i < px.inst.length; i++) pr.px.inst[i] = Math.round(px.inst[i]! * shock);
      const single = allocOut(cols.nAccounts);
      revalue(cols, pr.px, single);
      const both = pr.run();
      for (const k of ['collateral', 'equity', 'mm', 'im', 'call', 'status', 'exact'] as const) {
        assert.deepEqual(both[k], single[k], `${k} at shock ${shock}`);
      }
      assert.ok(single.status.some((s) => s >= 2), 'the book has accounts in trouble, so the comparison means something');
    }
  } finally {
    await pr.close();
  }
});
