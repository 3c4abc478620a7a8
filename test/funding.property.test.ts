// Funding amounts on random books against an oracle written from methodology §1 with decimal.js: each position pays
// value x rate; money taken is rounded up to the money step and money paid out rounded down; what is taken equals what
// is paid out plus the funding account's share, to the micro-USD, and that share is the exact net funding plus a
// rounding residue of at least 0 and less than one step per position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { fundingAmounts } from '../main/engine/funding.ts';

const value = fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }); // micro-USD: up to +-1e12 USD
const rate = fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }); // 1e-10: up to +-10% an interval
const step = fc.constantFrom(1n, 100n, 10_000n, 1_000_000n); // micro-USD: amount scales 6, 4, 2, 0

test('funding: each payment as the methodology rounds it, and the sums balance to the unit', () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 40 }), rate, step, (values, r, st) => {
      const got = fundingAmounts(values, r, st);
      const s = new Decimal(st.toString());
      let taken = new Decimal(0);
      let paid = new Decimal(0);
      let exactNet = new Decimal(0);
      values.forEach((v, k) => {
        const owed = new Decimal(v.toString()).times(r.toString()).div('1e10'); // micro-USD the account owes
        exactNet = exactNet.plus(owed);
        const amount = owed.gt(0) ? owed.div(s).ceil().times(s).neg() : owed.neg().div(s).floor().times(s);
        if (amount.lt(0)) taken = taken.minus(amount);
        else paid = paid.plus(amount);
        assert.equal(got.amounts[k]!.toString(), amount.toString(), `position ${k}: value ${v}, rate ${r}`);
      });
      assert.equal(got.debited.toString(), taken.toString());
      assert.equal(got.credited.toString(), paid.toString());
      assert.equal(got.house, got.debited - got.credited);
      const residue = new Decimal(got.house.toString()).minus(exactNet);
      assert.ok(residue.gte(0), `residue ${residue} >= 0`);
      assert.ok(residue.lt(s.times(Math.max(1, values.length))), `residue ${residue} < one step a position`);
    }),
    { numRuns: 500, seed: 20261218 },
  );
});
