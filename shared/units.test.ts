import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseUnits, formatUnits, divRound, roundAmountToScale, largestRemainder, checkRange, UnitError, INT64_MAX, INT64_MIN, parseAmount } from './units.ts';

test('decimal strings parse exactly and format back to the same value', () => {
  assert.equal(parseUnits('1250.5', 6, 'x'), 1_250_500_000n);
  assert.equal(parseUnits('-0.000001', 6, 'x'), -1n);
  assert.equal(parseUnits('0.100000000', 6, 'x'), 100_000n); // trailing zeros beyond the scale are harmless
  assert.equal(formatUnits(1_250_500_000n, 6), '1250.5');
  assert.equal(formatUnits(-1n, 6), '-0.000001');
  assert.equal(formatUnits(0n, 6, 2), '0.00');
  fc.assert(fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (v) => assert.equal(parseUnits(formatUnits(v, 6), 6, 'x'), v)));
});

test('a string that is not a plain decimal, or finer than the scale, is refused with the field named', () => {
  for (const bad of ['1e3', '1,000', '', ' ', '0x10', '1.2.3', 'NaN', 'Infinity', '+-1']) {
    assert.throws(() => parseUnits(bad, 6, 'amount'), (e: unknown) => e instanceof UnitError && e.what === 'amount', bad);
  }
  assert.throws(() => parseUnits('0.0000001', 6, 'amount'), /more than 6 decimal places/);
});

test('values outside int64 are refused, never wrapped', () => {
  assert.equal(parseAmount('9223372036854.775807', 'a'), INT64_MAX);
  assert.throws(() => parseAmount('9223372036854.775808', 'a'), /outside the exact range/);
  assert.throws(() => parseAmount('-9223372036854.775809', 'a'), /outside the exact range/);
  assert.throws(() => checkRange(INT64_MAX + 1n, 'sum'), UnitError);
});

test('money demanded rounds up, money paid out rounds down (methodology §1)', () => {
  // 171.199504 USD demanded at amount scale 2 is 171.20; paid out it is 171.19.
  assert.equal(roundAmountToScale(171_199_504n, 2, 'ceil'), 171_200_000n);
  assert.equal(roundAmountToScale(171_199_504n, 2, 'floor'), 171_190_000n);
  assert.equal(roundAmountToScale(171_190_000n, 2, 'ceil'), 171_190_000n); // already on the scale: unchanged
  // half-even for reported prices: ties go to the even neighbour
  assert.equal(divRound(25n, 10n, 'halfEven'), 2n);
  assert.equal(divRound(35n, 10n, 'halfEven'), 4n);
  assert.equal(divRound(-25n, 10n, 'halfEven'), -2n);
  assert.equal(divRound(-7n, 2n, 'ceil'), -3n);
  assert.equal(divRound(-7n, 2n, 'floor'), -4n);
  assert.throws(() => divRound(7n, 2n, 'exact'), /not exact/);
});

test('largest remainder: the parts add up to the whole, each within one unit of its exact share', () => {
  // 100 split 1:1:1 -> 34, 33, 33 (the earlier entry takes the tie)
  assert.deepEqual(largestRemainder(100n, [1n, 1n, 1n]), [34n, 33n, 33n]);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 30 }), (total, weights) => {
      const parts = largestRemainder(total, weights);
      const sumW = weights.reduce((a, b) => a + b, 0n);
      if (sumW === 0n) return assert.ok(parts.every((p) => p === 0n));
      assert.equal(parts.reduce((a, b) => a + b, 0n), total);
      parts.forEach((p, i) => {
        const exactTimesW = total * weights[i]!; // p should be floor or ceil of exactTimesW / sumW
        assert.ok(p * sumW <= exactTimesW + sumW && p * sumW >= exactTimesW - sumW);
      });
    }),
  );
});
