// The demo book's option overlay (the portfolio bench's book): deterministic, the share of positions asked for, and
// margined the same way by the kernel path and the BigInt path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoBook, bookAtLastMark } from './generate.ts';
import { optionOverlay, withOptions } from './options.ts';
import { evaluateBook, exactForIndex, figuresOf } from '../engine/evaluate.ts';
import { DEMO_AS_OF } from '../commands/initLedger.ts';

test('option overlay: a fifth of the positions in BTC and NQ options, the same from the same seed, margined alike on both paths', () => {
  const book = bookAtLastMark(generateDemoBook({ accounts: 300, seed: 3, asOf: DEMO_AS_OF }));
  const o = optionOverlay(book, DEMO_AS_OF, 0.2, 3);
  assert.deepEqual(optionOverlay(book, DEMO_AS_OF, 0.2, 3), o);
  assert.equal(o.instruments.length, 12);
  assert.ok(o.instruments.every((x) => x.margin === 'portfolio' && x.option && o.marks.get(x.id)! >= 0n));
  const withO = withOptions(book, o, DEMO_AS_OF);
  const share = o.positions.length / withO.positions.length;
  assert.ok(share > 0.19 && share < 0.21, `share ${share}`);
  const ev = evaluateBook(withO, false);
  let scanned = 0;
  for (let a = 0; a < ev.cols.nAccounts; a++) {
    if (ev.cols.accountPortfolio[a] && !ev.exact.has(a)) scanned++;
    const want = exactForIndex(ev.cols, ev.ctx, a);
    const got = figuresOf(ev, a);
    assert.deepEqual([got.equity, got.mm, got.im, got.status, got.call], [want.equity, want.mm, want.im, want.status, want.callAmount], withO.accounts[a]!.id);
  }
  assert.ok(scanned > 100, `${scanned} accounts margined by the float scan`);
});
