import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Tier } from './model.ts';
import { bracketAmount, bracketCums, tierCums, tierIndex, tieredRequirement, validateBrackets, validateTiers } from './tierMath.ts';
import { arbTiers } from '../../test/support/randomBook.ts';
import { parseAmount, parseRate, divRound, RATE_ONE } from '../../shared/units.ts';

const tier = (floor: string, mmr: string, imr: string): Tier => ({
  floor: parseAmount(floor, 'floor'),
  mmr: parseRate(mmr, 'mmr'),
  imr: parseRate(imr, 'imr'),
});

// cum values are micro x ppm: 1 USD of cum = 1e6 micro x 1e6 ppm = 1e12.
const CUM_ONE = 1_000_000_000_000n;

test('methodology §3 Binance COIN-M example: floor 50, 5% over 2.5%, cum_4 = 0.56 gives cum_5 = 1.81 exactly', () => {
  // A table built so that cum_4 = 0.56:
  //   tier 1 floor  0 mmr 0.5%            cum_1 = 0
  //   tier 2 floor 20 mmr 1%   cum_2 = 20 x (0.01  - 0.005) + 0    = 0.10
  //   tier 3 floor 30 mmr 2%   cum_3 = 30 x (0.02  - 0.01)  + 0.10 = 0.40
  //   tier 4 floor 32 mmr 2.5% cum_4 = 32 x (0.025 - 0.02)  + 0.40 = 0.56
  //   tier 5 floor 50 mmr 5%   cum_5 = 50 x (0.05  - 0.025) + 0.56 = 1.81
  const tiers = [
    tier('0', '0.005', '0.01'),
    tier('20', '0.01', '0.02'),
    tier('30', '0.02', '0.04'),
    tier('32', '0.025', '0.05'),
    tier('50', '0.05', '0.1'),
  ];
  assert.equal(validateTiers(tiers), null);
  const cums = tierCums(tiers);
  assert.equal(cums[3]?.cumM, 560_000_000_000n); // 0.56 x 1e12
  assert.equal(cums[4]?.cumM, 1_810_000_000_000n); // 1.81 x 1e12
  assert.equal(cums[4]?.cumM, 50n * 1_000_000n * (50_000n - 25_000n) + 560_000_000_000n);
  assert.equal((cums[4]?.cumM ?? 0n) * 100n, 181n * CUM_ONE);
  // IM cums: 20 x 0.01 = 0.2; + 30 x 0.02 = 0.8; + 32 x 0.01 = 1.12; + 50 x 0.05 = 3.62.
  assert.deepEqual(
    cums.map((c) => c.cumI),
    [0n, 200_000_000_000n, 800_000_000_000n, 1_120_000_000_000n, 3_620_000_000_000n],
  );
  // At notional 60 (tier 5): MM = 60 x 0.05 - 1.81 = 1.19, IM = 60 x 0.1 - 3.62 = 2.38.
  assert.deepEqual(tieredRequirement(tiers, parseAmount('60', 'n')), { mm: 1_190_000n, im: 2_380_000n });
  // At the tier-5 edge, 50 x 0.05 - 1.81 = 0.69 = 50 x 0.025 - 0.56 (tier 4 rates).
  assert.deepEqual(tieredRequirement(tiers, parseAmount('50', 'n')), { mm: 690_000n, im: 1_380_000n });
  assert.deepEqual(tieredRequirement(tiers, parseAmount('49.999999', 'n')).mm, 690_000n);
});

test('Binance USD-M BTCUSDT-style table: 0.4% to 50k, 0.5% to 250k (cum 50), 1% above (cum 1,300)', () => {
  const tiers = [tier('0', '0.004', '0.008'), tier('50000', '0.005', '0.01'), tier('250000', '0.01', '0.02')];
  const cums = tierCums(tiers);
  // cum_2 = 50,000 x 0.001 = 50; cum_3 = 250,000 x 0.005 + 50 = 1,300.
  assert.equal(cums[1]?.cumM, 50n * CUM_ONE);
  assert.equal(cums[2]?.cumM, 1_300n * CUM_ONE);
  // Notional 300,000: MM = 300,000 x 1% - 1,300 = 1,700; IM = 300,000 x 2% - cumIm (50,000 x 0.002 + 250,000 x 0.01 = 2,600) = 3,400.
  assert.deepEqual(tieredRequirement(tiers, parseAmount('300000', 'n')), {
    mm: parseAmount('1700', 'mm'),
    im: parseAmount('3400', 'im'),
  });
  // Ceil to the micro-USD: notional 0.000001 at 0.4% is 0.000000004 -> 0.000001.
  assert.deepEqual(tieredRequirement(tiers, 1n), { mm: 1n, im: 1n });
  assert.deepEqual(tieredRequirement(tiers, 0n), { mm: 0n, im: 0n });
});

test('tierIndex picks the last tier whose floor <= notional', () => {
  const tiers = [tier('0', '0.01', '0.02'), tier('10', '0.02', '0.04'), tier('20', '0.03', '0.06')];
  assert.equal(tierIndex(tiers, 0n), 0);
  assert.equal(tierIndex(tiers, 9_999_999n), 0);
  assert.equal(tierIndex(tiers, 10_000_000n), 1);
  assert.equal(tierIndex(tiers, 19_999_999n), 1);
  assert.equal(tierIndex(tiers, 20_000_000n), 2);
  assert.equal(tierIndex(tiers, 10n ** 18n), 2);
  assert.equal(tierIndex(tiers, -5n), 0);
});

test('validateTiers names what is wrong', () => {
  assert.equal(validateTiers([tier('0', '0.01', '0.02')]), null);
  assert.match(validateTiers([]) ?? '', /empty/);
  assert.match(validateTiers([tier('1', '0.01', '0.02')]) ?? '', /first tier's floor/);
  assert.match(validateTiers([tier('0', '0.01', '0.02'), tier('0', '0.02', '0.03')]) ?? '', /not above/);
  assert.match(validateTiers([tier('0', '0.01', '0.02'), tier('10', '0.02', '0.03'), tier('5', '0.03', '0.04')]) ?? '', /tier 3 floor/);
  assert.match(validateTiers([tier('0', '0.02', '0.04'), tier('10', '0.01', '0.04')]) ?? '', /maintenance rate .* below/);
  assert.match(validateTiers([tier('0', '0.02', '0.04'), tier('10', '0.02', '0.03')]) ?? '', /initial rate .* below/);
  assert.match(validateTiers([tier('0', '0.05', '0.04')]) ?? '', /above its initial rate/);
  assert.match(validateTiers([tier('0', '0.5', '1.000001')]) ?? '', /above 1/);
  assert.match(validateTiers([{ floor: 0n, mmr: -1n, imr: 0n }]) ?? '', /negative/);
  assert.equal(validateTiers([tier('0', '1', '1')]), null);
});

test('bracketAmount: haircut by holding value, bracketed like tiers, ceil to the micro', () => {
  // 0% up to 1,000,000, 5% to 5,000,000, 20% above.
  const brackets = [
    { floor: 0n, rate: 0n },
    { floor: parseAmount('1000000', 'f'), rate: 50_000n },
    { floor: parseAmount('5000000', 'f'), rate: 200_000n },
  ];
  assert.equal(validateBrackets(brackets), null);
  // cum_2 = 1,000,000 x 0.05 = 50,000; cum_3 = 5,000,000 x 0.15 + 50,000 = 800,000.
  assert.deepEqual(bracketCums(brackets), [0n, 50_000n * CUM_ONE, 800_000n * CUM_ONE]);
  assert.equal(bracketAmount(brackets, parseAmount('500000', 'v')), 0n);
  // 2,000,000 x 5% - 50,000 = 50,000.
  assert.equal(bracketAmount(brackets, parseAmount('2000000', 'v')), parseAmount('50000', 'h'));
  // 10,000,000 x 20% - 800,000 = 1,200,000.
  assert.equal(bracketAmount(brackets, parseAmount('10000000', 'v')), parseAmount('1200000', 'h'));
  // 1,000,000.000001 x 5% - 50,000 = 0.00000005 -> ceil 0.000001.
  assert.equal(bracketAmount(brackets, parseAmount('1000000.000001', 'v')), 1n);
  assert.equal(bracketAmount(brackets, -5n), 0n);
  assert.equal(bracketAmount(brackets, 0n), 0n);
  assert.match(validateBrackets([{ floor: 0n, rate: 2_000_000n }]) ?? '', /above 1/);
  assert.match(validateBrackets([{ floor: 0n, rate: 5n }, { floor: 1n, rate: 4n }]) ?? '', /below/);
});

test('property: generated tier tables are valid', () => {
  fc.assert(fc.property(arbTiers(10n ** 15n), (tiers) => validateTiers(tiers) === null), { numRuns: 500 });
});

test('property: MM and IM are continuous at every tier edge (tier n-1 and tier n rates agree at floor_n)', () => {
  fc.assert(
    fc.property(arbTiers(10n ** 15n), (tiers) => {
      const cums = tierCums(tiers);
      for (let n = 1; n < tiers.length; n++) {
        const t = tiers[n] as Tier;
        const p = tiers[n - 1] as Tier;
        const c = cums[n]!;
        const pc = cums[n - 1]!;
        const f = t.floor;
        // Exact numerators agree, so the ceil-rounded requirements agree exactly.
        assert.equal(f * p.mmr - pc.cumM, f * t.mmr - c.cumM);
        assert.equal(f * p.imr - pc.cumI, f * t.imr - c.cumI);
        const withPrev = {
          mm: divRound(f * p.mmr - pc.cumM, RATE_ONE, 'ceil'),
          im: divRound(f * p.imr - pc.cumI, RATE_ONE, 'ceil'),
        };
        assert.deepEqual(tieredRequirement(tiers, f, cums), withPrev);
        // And one micro below the edge (tier n-1) differs from the edge by at most one micro (ceil rounding).
        const below = tieredRequirement(tiers, f - 1n, cums);
        const at = tieredRequirement(tiers, f, cums);
        assert.ok(at.mm - below.mm >= 0n && at.mm - below.mm <= 1n);
        assert.ok(at.im - below.im >= 0n && at.im - below.im <= 1n);
      }
    }),
    { numRuns: 500 },
  );
});

test('property: MM and IM are non-decreasing in notional, never negative, and MM <= IM <= notional', () => {
  fc.assert(
    fc.property(
      arbTiers(10n ** 15n),
      fc.bigInt({ min: 0n, max: 10n ** 16n }),
      fc.bigInt({ min: 0n, max: 10n ** 16n }),
      (tiers, a, b) => {
        const lo = a < b ? a : b;
        const hi = a < b ? b : a;
        const rl = tieredRequirement(tiers, lo);
        const rh = tieredRequirement(tiers, hi);
        assert.ok(rl.mm <= rh.mm, `mm ${rl.mm} > ${rh.mm}`);
        assert.ok(rl.im <= rh.im, `im ${rl.im} > ${rh.im}`);
        assert.ok(rl.mm >= 0n && rl.mm <= rl.im && rl.im <= lo);
        // Step by one micro: the requirement rises by 0 or 1 micro (rates <= 1).
        const r1 = tieredRequirement(tiers, lo + 1n);
        assert.ok(r1.mm - rl.mm >= 0n && r1.mm - rl.mm <= 1n);
        assert.ok(r1.im - rl.im >= 0n && r1.im - rl.im <= 1n);
      },
    ),
    { numRuns: 1000 },
  );
});

test('property: notional exactly at tier floors hits the steps', () => {
  fc.assert(
    fc.property(arbTiers(10n ** 15n), (tiers) => {
      for (let n = 0; n < tiers.length; n++) {
        assert.equal(tierIndex(tiers, (tiers[n] as Tier).floor), n);
        if (n > 0) assert.equal(tierIndex(tiers, (tiers[n] as Tier).floor - 1n), n - 1);
      }
    }),
  );
});
