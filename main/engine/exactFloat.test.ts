import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ceilDiv1e6, floorDiv1e6, floorDiv, ceilDiv, mulRateCeil, mulDivFloor, MAX_SAFE, MAX_RATE_PPM } from './exactFloat.ts';

const big = (n: number) => BigInt(n);
const bCeil = (x: bigint, d: bigint) => (x >= 0n ? (x + d - 1n) / d : -(-x / d));
const bFloor = (x: bigint, d: bigint) => (x >= 0n ? x / d : -((-x + d - 1n) / d));
const safeInt = fc.integer({ min: -MAX_SAFE, max: MAX_SAFE });

test('ceilDiv1e6 and floorDiv1e6 are exact over the whole safe range', () => {
  fc.assert(
    fc.property(safeInt, (x) => {
      assert.equal(big(ceilDiv1e6(x)), bCeil(big(x), 1_000_000n));
      assert.equal(big(floorDiv1e6(x)), bFloor(big(x), 1_000_000n));
    }),
    { numRuns: 20_000 },
  );
  // The edges where a float quotient is most likely to round the wrong way.
  for (const x of [MAX_SAFE, -MAX_SAFE, MAX_SAFE - 1, 9007199254000000, 9007199254000001, 999_999, 1_000_001, 0, -1]) {
    assert.equal(big(ceilDiv1e6(x)), bCeil(big(x), 1_000_000n), `ceil ${x}`);
    assert.equal(big(floorDiv1e6(x)), bFloor(big(x), 1_000_000n), `floor ${x}`);
  }
});

test('floorDiv and ceilDiv are exact for any positive divisor', () => {
  fc.assert(
    fc.property(safeInt, fc.integer({ min: 1, max: MAX_SAFE }), (x, d) => {
      assert.equal(big(floorDiv(x, d)), bFloor(big(x), big(d)));
      assert.equal(big(ceilDiv(x, d)), bCeil(big(x), big(d)));
    }),
    { numRuns: 20_000 },
  );
});

test('mulRateCeil is exact when the product passes 2^53', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_SAFE }),
      fc.integer({ min: 0, max: MAX_RATE_PPM }),
      fc.integer({ min: 0, max: 999_999 }),
      (n, r, sub) => {
        const want = bCeil(big(n) * big(r) - big(sub), 1_000_000n);
        const got = mulRateCeil(n, r, sub);
        if (want > big(MAX_SAFE)) assert.ok(got > MAX_SAFE, 'an out-of-range result must be seen as out of range');
        else assert.equal(big(got), want);
      },
    ),
    { numRuns: 20_000 },
  );
});

test('mulDivFloor is exact past 2^53 or says it cannot be', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -MAX_SAFE, max: MAX_SAFE }),
      fc.integer({ min: 0, max: 2 ** 26 - 1 }),
      fc.integer({ min: 1, max: 2 ** 26 - 1 }),
      (q, p, d) => {
        const want = bFloor(big(q) * big(p), big(d));
        const got = mulDivFloor(q, p, d);
        if (want > big(MAX_SAFE) || want < -big(MAX_SAFE)) assert.ok(Number.isNaN(got));
        else assert.equal(big(got), want);
      },
    ),
    { numRuns: 20_000 },
  );
});
