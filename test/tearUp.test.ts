// Partial tear-up as a recovery tool (methodology §8.1 layer 7, issue 21): the worked example of
// docs/default-management.md exactly, and an oracle written from that rule (decimal.js, its own pro-rata split)
// against the engine on random books. The tool on a real ledger is in test/recovery.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal as Decimal20 } from 'decimal.js';
import { allocateRecovery, type AdlInstrument } from '../main/engine/recoveryAllocation.ts';

const USD = 1_000_000n;
// Enough digits that no product of the oracle is rounded (a fine K of 1e-8 makes prices of 20 digits and more).
const Decimal = Decimal20.clone({ precision: 200 });
type Decimal = Decimal20;

test('worked example: 10 lots long at 1,000, $25 of loss: a tear-up price of 1,003; 5, 3 and 2 lots torn; $30 raised, $25 used', () => {
  const adl: AdlInstrument[] = [
    {
      instrument: 'X',
      lotTickValue: USD,
      lotTickScale: 0,
      mark: 1000n,
      defaulterQuantity: 10n,
      candidates: [
        { account: 'C', member: 'MC', quantity: -3n, entryValue: -3000n * USD, equity: 1n },
        { account: 'A', member: 'MA', quantity: -6n, entryValue: -6000n * USD, equity: -5n * USD },
        { account: 'B', member: 'MB', quantity: -3n, entryValue: -3000n * USD, equity: 100n * USD },
        { account: 'L', member: 'ML', quantity: 4n, entryValue: 4000n * USD, equity: 100n * USD },
      ],
    },
  ];
  const r = allocateRecovery({ loss: 25n * USD, tools: ['partialTearUp'], amountScale: 2, vmGains: [], adl, survivors: [] });
  assert.deepEqual(
    r.allocations.map((a) => [a.account, a.close!.lots, a.close!.price, a.amount]),
    [
      ['A', 5n, 1003n, 15n * USD],
      ['B', 3n, 1003n, 9n * USD],
      ['C', 2n, 1003n, 6n * USD],
    ],
  );
  assert.deepEqual(r.layers, [{ name: 'partialTearUp', available: 30n * USD, used: 25n * USD, remaining: 5n * USD }]);
  assert.equal(r.uncovered, 0n);
  // ADL on the same book ranks and screens (A is past its own bankruptcy): another answer from the same price.
  const byAdl = allocateRecovery({ loss: 25n * USD, tools: ['adl'], amountScale: 2, vmGains: [], adl, survivors: [] });
  assert.ok(byAdl.allocations.every((a) => a.account !== 'A' && a.close!.price === 1003n));
});

/** The rule, from the docs, on decimals: what each opposing account is torn by and gives up. */
function oracle(loss: bigint, instruments: AdlInstrument[]): { account: string; instrument: string; lots: bigint; price: bigint; cost: bigint }[] {
  const D = (x: bigint | number) => new Decimal(x.toString());
  const k = (i: AdlInstrument) => D(i.lotTickValue).div(D(10).pow(i.lotTickScale));
  /** Splits a whole total pro rata to weights: floors, then one more to the largest remainders, ties to the earlier. */
  const split = (total: Decimal, weights: Decimal[]): Decimal[] => {
    const sum = weights.reduce((s, w) => s.plus(w), D(0));
    if (sum.isZero()) return weights.map(() => D(0));
    // Whole numbers throughout: the remainder of total x w over the sum is exact where a fraction would be rounded.
    const parts = weights.map((w) => total.times(w).divToInt(sum));
    let left = total.minus(parts.reduce((s, p) => s.plus(p), D(0))).toNumber();
    const order = weights.map((w, i) => ({ i, r: total.times(w).mod(sum) })).sort((a, b) => (a.r.eq(b.r) ? a.i - b.i : b.r.cmp(a.r)));
    for (let j = 0; left > 0; j++, left--) parts[order[j]!.i] = parts[order[j]!.i]!.plus(1);
    return parts;
  };
  const cases = instruments.filter((i) => i.defaulterQuantity !== 0n && i.mark > 0n).sort((a, b) => (a.instrument < b.instrument ? -1 : 1));
  if (loss <= 0n) return [];
  const shares = split(D(loss), cases.map((i) => D(i.defaulterQuantity).abs().times(D(i.mark)).times(k(i)).ceil()));
  const out: ReturnType<typeof oracle> = [];
  cases.forEach((i, n) => {
    if (shares[n]!.isZero()) return;
    const size = D(i.defaulterQuantity).abs();
    const delta = shares[n]!.div(size.times(k(i))).ceil();
    const price = D(i.mark).plus(i.defaulterQuantity > 0n ? delta : delta.neg());
    if (price.lte(0)) return;
    const opposing = i.candidates.filter((p) => p.quantity !== 0n && p.quantity > 0n !== i.defaulterQuantity > 0n).sort((a, b) => (a.account < b.account ? -1 : 1));
    const held = opposing.map((p) => D(p.quantity).abs());
    const lots = split(Decimal.min(size, held.reduce((s, h) => s.plus(h), D(0))), held);
    opposing.forEach((p, j) => {
      if (lots[j]!.gt(0)) out.push({ account: p.account, instrument: i.instrument, lots: BigInt(lots[j]!.toFixed()), price: BigInt(price.toFixed()), cost: BigInt(lots[j]!.times(delta).times(k(i)).floor().toFixed()) });
    });
  });
  return out;
}

const candidateArb = (account: string) =>
  fc.record({
    account: fc.constant(account),
    member: fc.constantFrom('M1', 'M2', 'M3'),
    quantity: fc.bigInt({ min: -500n, max: 500n }),
    entryValue: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    equity: fc.bigInt({ min: -(10n ** 10n), max: 10n ** 12n }),
  });
const instrumentArb = (id: string) =>
  fc.record({
    instrument: fc.constant(id),
    lotTickValue: fc.bigInt({ min: 1n, max: 5_000_000n }),
    lotTickScale: fc.constantFrom(0, 0, 3, 8),
    mark: fc.bigInt({ min: 1n, max: 10_000_000n }),
    defaulterQuantity: fc.bigInt({ min: -800n, max: 800n }),
    candidates: fc.tuple(...['a1', 'a2', 'a3', 'a4', 'a5'].map(candidateArb)).chain((cs) => fc.subarray(cs)),
  });

test('property: the engine tears up exactly what the oracle does; lots never above a position, never above the defaulter\'s size', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.subarray(['I1', 'I2', 'I3']).chain((ids) => fc.tuple(...ids.map(instrumentArb))), (loss, instruments) => {
      const r = allocateRecovery({ loss, tools: ['partialTearUp'], amountScale: 2, vmGains: [], adl: instruments, survivors: [] });
      const want = oracle(loss, instruments);
      assert.deepEqual(
        r.allocations.map((a) => ({ account: a.account!, instrument: a.close!.instrument, lots: a.close!.lots, price: a.close!.price, cost: a.amount })),
        want,
      );
      for (const i of instruments) {
        const torn = r.allocations.filter((a) => a.close!.instrument === i.instrument);
        const size = i.defaulterQuantity < 0n ? -i.defaulterQuantity : i.defaulterQuantity;
        assert.ok(torn.reduce((s, a) => s + a.close!.lots, 0n) <= size);
        for (const a of torn) {
          const q = i.candidates.find((p) => p.account === a.account)!.quantity;
          assert.ok(a.close!.lots <= (q < 0n ? -q : q) && q > 0n !== i.defaulterQuantity > 0n);
        }
      }
      const raised = want.reduce((s, w) => s + w.cost, 0n);
      const used = raised < loss ? raised : loss;
      assert.deepEqual(r.layers, [{ name: 'partialTearUp', available: raised, used, remaining: raised - used }]);
      assert.equal(r.uncovered, loss - used);
    }),
    { numRuns: 400, seed: 21 },
  );
});
