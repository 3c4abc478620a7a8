// Differential tests (methodology §9): the integer kernel (evaluate.ts) and the decimal.js reference
// (test/support/reference.ts) evaluate the same random books and must agree to the unit, including on huge books whose
// results are far beyond 2^53 (but inside int64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Book } from './model.ts';
import { evaluateAccounts } from './evaluate.ts';
import { referenceEvaluate } from '../../test/support/reference.ts';
import { arbBook } from '../../test/support/randomBook.ts';

/** Shows the book that failed in a readable form (bigints as strings, Maps as objects). */
function describeBook(b: Book): string {
  return JSON.stringify(
    { ...b, marks: Object.fromEntries(b.marks), assetPrices: Object.fromEntries(b.assetPrices) },
    (_k, v) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}

function agree(b: Book): void {
  const expected = referenceEvaluate(b);
  const actual = evaluateAccounts(b);
  try {
    assert.deepEqual(actual, expected);
  } catch (e) {
    (e as Error).message += `\nbook: ${describeBook(b)}`;
    throw e;
  }
}

test('differential: evaluateAccounts equals referenceEvaluate on random books', () => {
  fc.assert(fc.property(arbBook(), agree), { numRuns: 300 });
});

test('differential: evaluateAccounts equals referenceEvaluate on huge books (beyond 2^53, inside int64)', () => {
  fc.assert(fc.property(arbBook({ huge: true }), agree), { numRuns: 100 });
});

test('differential: the evaluation does not depend on other accounts or on row order', () => {
  fc.assert(
    fc.property(arbBook(), (b) => {
      const all = evaluateAccounts(b);
      const reversed = evaluateAccounts({ ...b, positions: [...b.positions].reverse(), collateral: [...b.collateral].reverse() });
      // Reversing the rows reverses each account's positions and nothing else.
      assert.deepEqual(
        reversed.map((r) => ({ ...r, positions: [...r.positions].reverse() })),
        all,
      );
      // One account alone gives the same figures as within the whole book.
      const k = b.accounts.length - 1;
      const id = b.accounts[k]!.id;
      const only = evaluateAccounts({
        ...b,
        accounts: [b.accounts[k]!],
        positions: b.positions.filter((p) => p.account === id),
        collateral: b.collateral.filter((c) => c.account === id),
      });
      assert.deepEqual(only[0], all[k]);
    }),
    { numRuns: 100 },
  );
});

test('differential: random books hold fine instruments whose positions round, on the BigInt path', () => {
  // The generator must really exercise the rounding rule: instruments with K below a micro-USD, positions whose
  // q x mark x K has a fraction, and the kernel routing their accounts away from itself.
  let fine = 0;
  let rounded = 0;
  fc.assert(
    fc.property(arbBook(), (b) => {
      const inst = new Map(b.instruments.map((i) => [i.id, i]));
      for (const p of b.positions) {
        const i = inst.get(p.instrument)!;
        if (i.lotTickScale === 0) continue;
        fine++;
        if ((p.quantity * b.marks.get(i.id)! * i.lotTickValue) % 10n ** BigInt(i.lotTickScale) !== 0n) rounded++;
      }
    }),
    { numRuns: 300, seed: 13 },
  );
  assert.ok(fine > 100, `only ${fine} positions on fine instruments`);
  assert.ok(rounded > 50, `only ${rounded} positions whose value has a fraction of a micro-USD`);
});

test('differential: random books hold collateral under a policy whose class minimum binds and whose concentration add-ons are reached', () => {
  // The reference reads the policy (haircutBasis) and the engine the schedule compiled from it: the agreement above
  // means something only if holdings really cross the concentration thresholds and the class minimum raises brackets.
  let reached = 0;
  let raised = 0;
  fc.assert(
    fc.property(arbBook(), (b) => {
      const assets = new Map(b.assets.map((a) => [a.id, a]));
      for (const c of b.collateral) {
        const a = assets.get(c.asset)!;
        const basis = a.haircutBasis;
        if (!basis || c.quantity <= 0n) continue;
        const gross = (c.quantity * b.assetPrices.get(a.id)! * 1_000_000n) / 10n ** BigInt(a.quantityScale + a.priceScale);
        const rule = a.haircutRules!.filter((r) => r.floor <= gross).at(-1)!;
        if (rule.step > 0) reached++;
        if (rule.raisedToClass) raised++;
      }
    }),
    { numRuns: 300, seed: 21 },
  );
  assert.ok(reached >= 30, `holdings beyond a concentration threshold: ${reached}`);
  assert.ok(raised >= 30, `holdings in a bracket the class minimum raised: ${raised}`);
});
