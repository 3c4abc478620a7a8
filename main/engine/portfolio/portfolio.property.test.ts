// Differential test of the portfolio path (methodology §4): evaluateAccounts on random portfolios of futures and
// options against the independent decimal.js oracle (test/support/portfolioOracle.ts), to the micro-USD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateBook, exactForIndex, figuresOf } from '../evaluate.ts';
import { arbBook, assertOracleAgrees } from '../../../test/support/portfolioArb.ts';

test('portfolio margin equals the decimal.js oracle on random portfolios of futures and options', () => {
  fc.assert(
    fc.property(arbBook, assertOracleAgrees),
    { numRuns: 40 },
  );
});

test('the kernel path with the float scan (a cycle\'s) gives every account the BigInt path\'s figures, to the unit', () => {
  let fast = 0;
  fc.assert(
    fc.property(arbBook, (book) => {
      const ev = evaluateBook(book, false);
      for (let a = 0; a < ev.cols.nAccounts; a++) {
        if (!ev.exact.has(a)) fast++;
        const want = exactForIndex(ev.cols, ev.ctx, a);
        assert.deepEqual(figuresOf(ev, a), {
          collateral: want.collateralValue,
          equity: want.equity,
          mm: want.mm,
          im: want.im,
          status: want.status,
          call: want.callAmount,
        });
      }
    }),
    { numRuns: 40 },
  );
  assert.ok(fast > 0, 'some accounts were margined by the float scan');
});
