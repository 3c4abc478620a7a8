import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { adlRank, compareRanks, deleverage, type AdlCase, type AdlCandidate, type Rank } from './adl.ts';
import { computeAdl } from '../calculators/waterfall/run.ts';
import { InputError } from '../../shared/errors.ts';

const D = Decimal.clone({ precision: 100 });
const short = (account: string, quantity: bigint, entryPrice: bigint, bankruptcyPrice: bigint): AdlCandidate => ({
  account,
  quantity: -quantity,
  entryPrice,
  bankruptcyPrice,
});
const ratio = (r: Rank) => (r.infinite ? 'inf' : new D(r.num.toString()).div(r.den.toString()).toString());

/** A long of 10 bankrupt at 105 with the mark at 100, against five shorts. */
const CASE: AdlCase = {
  mark: 100n,
  bankrupt: { account: 'L', quantity: 10n, bankruptcyPrice: 105n },
  candidates: [
    short('S1', 4n, 120n, 150n), // PNL% 20/120 = 1/6, leverage 100/50 = 2: rank 1/3
    short('S2', 5n, 110n, 120n), // PNL% 10/110 = 1/11, leverage 100/20 = 5: rank 5/11
    short('S3', 3n, 90n, 200n), // PNL% -10/90 = -1/9, leverage 100/100 = 1: rank -1/9
    short('S4', 2n, 125n, 200n), // PNL% 25/125 = 1/5, leverage 1: rank 1/5
    short('S0', 1n, 120n, 150n), // the same rank as S1: the smaller account id goes first
  ],
};

test('methodology §8.2 BitMEX ranking, worked by hand, and closes at the bankruptcy price until the size is covered', () => {
  const ranks = CASE.candidates.map((c) => ratio(adlRank(CASE.mark, c)));
  assert.deepEqual(ranks, [new D(1).div(3), new D(5).div(11), new D(-1).div(9), '0.2', new D(1).div(3)].map(String));
  const r = deleverage(CASE);
  assert.deepEqual(r.ranking.map((x) => x.account), ['S2', 'S0', 'S1', 'S4', 'S3']);
  assert.deepEqual(r.closes, [
    { account: 'S2', quantity: 5n, price: 105n },
    { account: 'S0', quantity: 1n, price: 105n },
    { account: 'S1', quantity: 4n, price: 105n }, // 5 + 1 + 4 = 10: S4 and S3 are not touched
  ]);
  assert.equal(r.unfilled, 0n);
  // A larger bankrupt position takes every candidate and leaves the rest unfilled; a smaller one ends on a partial close.
  const big = deleverage({ ...CASE, bankrupt: { ...CASE.bankrupt, quantity: 20n } });
  assert.deepEqual(big.closes.map((c) => [c.account, c.quantity]), [['S2', 5n], ['S0', 1n], ['S1', 4n], ['S4', 2n], ['S3', 3n]]);
  assert.equal(big.unfilled, 5n);
  assert.deepEqual(deleverage({ ...CASE, bankrupt: { ...CASE.bankrupt, quantity: 7n } }).closes.map((c) => [c.account, c.quantity]), [['S2', 5n], ['S0', 1n], ['S1', 1n]]);
});

test('a bankrupt short is covered by longs, ranked the same way', () => {
  // Mark 100, longs: entry 80 bp 60 -> PNL% 1/4, leverage 100/40: rank 5/8; entry 95 bp 0 -> PNL% 5/95, leverage 1.
  const r = deleverage({
    mark: 100n,
    bankrupt: { account: 'S', quantity: -3n, bankruptcyPrice: 96n },
    candidates: [
      { account: 'B', quantity: 2n, entryPrice: 95n, bankruptcyPrice: 0n },
      { account: 'A', quantity: 2n, entryPrice: 80n, bankruptcyPrice: 60n },
    ],
  });
  assert.deepEqual(r.ranking.map((x) => [x.account, ratio(x.rank)]), [['A', '0.625'], ['B', new D(5).div(95).toString()]]);
  assert.deepEqual(r.closes, [
    { account: 'A', quantity: 2n, price: 96n },
    { account: 'B', quantity: 1n, price: 96n },
  ]);
});

test('at its bankruptcy price a candidate has infinite leverage: first when in profit, rank 0 when not', () => {
  const r = deleverage({
    mark: 100n,
    bankrupt: { account: 'L', quantity: 1n, bankruptcyPrice: 101n },
    candidates: [
      short('loss', 1n, 100n, 100n), // PNL% 0 at infinite leverage: 0 / inf = 0
      short('neg', 1n, 99n, 300n), // PNL% -1/99: below 0
      short('low', 1n, 101n, 300n), // PNL% 1/101 x leverage 1/2: just above 0
      short('inf', 1n, 150n, 100n), // PNL% 1/3 at infinite leverage
      short('inf2', 1n, 120n, 100n), // the same infinite rank: after "inf" by account id
    ],
  });
  assert.deepEqual(r.ranking.map((x) => x.account), ['inf', 'inf2', 'low', 'loss', 'neg']);
  assert.deepEqual(r.ranking[3]!.rank, { infinite: false, num: 0n, den: 1n });
  assert.equal(compareRanks({ infinite: true }, { infinite: true }), 0);
  assert.deepEqual(r.closes, [{ account: 'inf', quantity: 1n, price: 101n }]);
});

test('refusals name the candidate and the field', () => {
  const json = () => ({
    mark: '100',
    bankrupt: { account: 'L', quantity: '10', bankruptcyPrice: '105' },
    candidates: [
      { account: 'S1', quantity: '-4', entryPrice: '120', bankruptcyPrice: '150' },
      { account: 'S2', quantity: '-5', entryPrice: '110', bankruptcyPrice: '120' },
    ],
  });
  const cases: [(x: any) => void, RegExp][] = [
    [(x) => (x.candidates[1].quantity = '5'), /field candidates\[1\]\.quantity: on the same side as the bankrupt position \(long\)/],
    [(x) => (x.candidates[1].quantity = '0'), /field candidates\[1\]\.quantity: a candidate needs a position/],
    [(x) => (x.candidates[1].account = 'S1'), /field candidates\[1\]\.account: "S1" repeats candidates\[0\]\.account/],
    [(x) => (x.candidates[0].account = 'L'), /field candidates\[0\]\.account: account "L" is the bankrupt account/],
    [(x) => (x.candidates[1].bankruptcyPrice = '99.5'), /field candidates\[1\]\.bankruptcyPrice: .*past its bankruptcy price/],
    [(x) => (x.candidates[0].entryPrice = '0'), /field candidates\[0\]\.entryPrice: the entry price must be positive/],
    [(x) => (x.mark = '0.0'), /field mark: the mark must be positive/],
    [(x) => (x.mark = '-1'), /field mark: .*non-negative/],
    [(x) => (x.bankrupt.quantity = '0'), /field bankrupt\.quantity: the bankrupt position has no size/],
    [(x) => (x.bankrupt.quantity = '1e3'), /field bankrupt\.quantity: .*expected a decimal string/],
    [(x) => (x.candidates[0].side = 'sell'), /field candidates\[0\]: .*unknown field "side"/],
    [(x) => (x.mark = '100.0000000000000000001'), /field mark: .*exact range/],
  ];
  assert.deepEqual(computeAdl(json()), {
    ranking: ['S2', 'S1'],
    closes: [
      { account: 'S2', quantity: '5', price: '105' },
      { account: 'S1', quantity: '4', price: '105' },
    ],
    unfilled: '1',
  });
  for (const [mutate, re] of cases) {
    const input = json();
    mutate(input);
    assert.throws(() => computeAdl(input), (e: unknown) => e instanceof InputError && re.test(e.message), String(re));
  }
});

test('prices and quantities of different precision share one exact unit', () => {
  const out = computeAdl({
    mark: '61250.5',
    bankrupt: { account: 'L', quantity: '0.3', bankruptcyPrice: '61800.25' },
    candidates: [
      { account: 'A', quantity: '-0.125', entryPrice: '64000', bankruptcyPrice: '80000' },
      { account: 'B', quantity: '-1', entryPrice: '62500.125', bankruptcyPrice: '66000' },
    ],
  });
  // A: PNL% 2749.5/64000 x leverage 61250.5/18749.5 = 0.1403; B: 1249.625/62500.125 x 61250.5/4749.5 = 0.2578.
  assert.deepEqual(out, {
    ranking: ['B', 'A'],
    closes: [{ account: 'B', quantity: '0.3', price: '61800.25' }],
    unfilled: '0',
  });
});

// ---- properties ---------------------------------------------------------------------------------------------------

const arbCase: fc.Arbitrary<AdlCase> = fc
  .record({
    mark: fc.bigInt({ min: 1n, max: 1_000_000n }),
    bankruptLong: fc.boolean(),
    size: fc.bigInt({ min: 1n, max: 5_000n }),
    candidates: fc.uniqueArray(
      fc.record({
        account: fc.string({ minLength: 1, maxLength: 3 }),
        size: fc.bigInt({ min: 1n, max: 2_000n }),
        entryPerMille: fc.integer({ min: 1, max: 3000 }),
        // 0: exactly at the bankruptcy price; otherwise how far on the safe side of the mark, per mille.
        distancePerMille: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 })),
      }),
      { selector: (c) => c.account, maxLength: 8 },
    ),
  })
  .map((r) => {
    const side = r.bankruptLong ? -1n : 1n; // the candidates' side
    return {
      mark: r.mark,
      bankrupt: { account: '\u0000bankrupt', quantity: -side * r.size, bankruptcyPrice: r.mark + 1n },
      candidates: r.candidates.map((c) => {
        const away = (r.mark * BigInt(c.distancePerMille)) / 1000n;
        const bp = side > 0n ? r.mark - (away > r.mark ? r.mark : away) : r.mark + away;
        return { account: c.account, quantity: side * c.size, entryPrice: 1n + (r.mark * BigInt(c.entryPerMille)) / 1000n, bankruptcyPrice: bp };
      }),
    };
  });

/** The BitMEX rank from the values themselves (not the simplified ratios), in decimal.js: the oracle. */
function oracleRank(mark: bigint, c: AdlCandidate): Decimal | 'inf' {
  const q = new D(c.quantity.toString());
  const markValue = q.mul(mark.toString());
  const entryValue = q.mul(c.entryPrice.toString());
  const bankruptValue = q.mul(c.bankruptcyPrice.toString());
  const pnl = markValue.sub(entryValue).div(entryValue.abs());
  if (markValue.eq(bankruptValue)) return pnl.gt(0) ? 'inf' : new D(0);
  const lev = markValue.abs().div(markValue.sub(bankruptValue));
  return pnl.gt(0) ? pnl.mul(lev) : pnl.div(lev);
}

test('property: ranks agree with a decimal.js oracle, highest first, ties by account id', () => {
  fc.assert(
    fc.property(arbCase, (c) => {
      const r = deleverage(c);
      const byAccount = new Map(c.candidates.map((x) => [x.account, x]));
      const oracle = r.ranking.map((x) => oracleRank(c.mark, byAccount.get(x.account)!));
      for (let i = 1; i < oracle.length; i++) {
        const [a, b] = [oracle[i - 1]!, oracle[i]!];
        // decimal.js rounds at 100 digits (1/3 / 2/3 is not exactly 1/2 there): closer than 1e-90 is a tie.
        const cmp = a === 'inf' ? (b === 'inf' ? 0 : 1) : b === 'inf' ? -1 : a.sub(b).abs().lt('1e-90') ? 0 : a.cmp(b);
        assert.ok(cmp >= 0, `rank ${i} above rank ${i - 1}`);
        if (cmp === 0) assert.ok(r.ranking[i - 1]!.account < r.ranking[i]!.account, 'a tie not broken by account id');
      }
    }),
    { numRuns: 300 },
  );
});

test('property: the closes cover the bankrupt size (or every candidate), in rank order, each within its position', () => {
  fc.assert(
    fc.property(arbCase, (c) => {
      const r = deleverage(c);
      const abs = (x: bigint) => (x < 0n ? -x : x);
      const size = abs(c.bankrupt.quantity);
      const available = c.candidates.reduce((s, x) => s + abs(x.quantity), 0n);
      const closed = r.closes.reduce((s, x) => s + x.quantity, 0n);
      assert.equal(closed, size < available ? size : available);
      assert.equal(r.unfilled, size - closed);
      assert.deepEqual(r.closes.map((x) => x.account), r.ranking.slice(0, r.closes.length).map((x) => x.account));
      const byAccount = new Map(c.candidates.map((x) => [x.account, x]));
      r.closes.forEach((x, i) => {
        assert.ok(x.quantity > 0n && x.quantity <= abs(byAccount.get(x.account)!.quantity));
        if (i < r.closes.length - 1) assert.equal(x.quantity, abs(byAccount.get(x.account)!.quantity), 'only the last close is partial');
        assert.equal(x.price, c.bankrupt.bankruptcyPrice);
      });
    }),
    { numRuns: 300 },
  );
});

test('property: the ranking and closes do not depend on the order of the candidates', () => {
  fc.assert(
    fc.property(arbCase.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray([...c.candidates], { minLength: c.candidates.length }))), ([c, shuffled]) => {
      assert.deepEqual(deleverage({ ...c, candidates: shuffled }), deleverage(c));
    }),
    { numRuns: 300 },
  );
});
