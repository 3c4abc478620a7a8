import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal as DecimalJs } from 'decimal.js';
import {
  bankruptcyPricePerUnit,
  bankruptcyValue,
  closeDeltaInputs,
  closeWholePositionInputs,
  wholePositionBankruptcyPrice,
} from './bankruptcyPrice.ts';
import { parseAmount } from '../../shared/units.ts';
import { tieredRequirement } from './tierMath.ts';
import { arbTiers } from '../../test/support/randomBook.ts';

const usd = (s: string): bigint => parseAmount(s, 'usd');

// BTC with lot 0.001 and tick 1, multiplier 1: K = 0.001 x 1 x 1 x 1e6 = 1,000 micro-USD; 0.1 BTC = 100 lots;
// a price of 50,000 = 50,000 ticks. MMR 10% in a single tier.
const K = 1000n;
const MARK = 50_000n;
const TIERS = [{ floor: 0n, mmr: 100_000n, imr: 200_000n }];

test('dYdX v4 (TestGetBankruptcyPriceInQuoteQuantums): 0.1 BTC long at 50,000, USDC -4,501 -> $4,501, $45,010 per BTC', () => {
  // Position value = 100 lots x 50,000 x 1,000 = 5e9 micro = 5,000 USD; its MM = 10% = 500 USD.
  // TNC = USDC + position value = -4,501 + 5,000 = 499 USD; TMMR = 500.
  // Closing all of it: DNNV = 0 - 5,000 = -5,000; DMMR = 0 - 500 = -500.
  // BP = -DNNV - TNC x |DMMR| / TMMR = 5,000 - 499 x 500 / 500 = 5,000 - 499 = 4,501 USD.
  // Per BTC: 4,501 / 0.1 = 45,010.
  const positionValue = 100n * MARK * K;
  assert.equal(positionValue, usd('5000'));
  const inputs = closeWholePositionInputs({ equity: usd('499'), mm: usd('500'), positionValue, positionMm: usd('500') });
  assert.deepEqual(inputs, { dnnv: usd('-5000'), tnc: usd('499'), dmmr: usd('-500'), tmmr: usd('500') });
  const value = bankruptcyValue(inputs);
  assert.equal(value, usd('4501'));
  assert.equal(value, 4_501_000_000n); // dYdX: 4,501,000,000 quote quantums (also 1e-6 USD)
  assert.equal(bankruptcyPricePerUnit({ value, quantity: 100n, lot: '0.001', multiplier: '1' }), '45010.00000000');
  assert.equal(
    wholePositionBankruptcyPrice({ equity: usd('499'), mm: usd('500'), quantity: 100n, mark: MARK, lotTickValue: K, lotTickScale: 0, positionMm: usd('500'), lot: '0.001', multiplier: '1' }),
    '45010.00000000',
  );
});

test('dYdX v4 short mirror: 0.1 BTC short, USDC +5,499 -> -$5,499, $54,990 per BTC', () => {
  // Position value = -5,000; TNC = 5,499 - 5,000 = 499; DNNV = 0 - (-5,000) = +5,000; DMMR = -500; TMMR = 500.
  // BP = -5,000 - 499 x 500 / 500 = -5,499. Per BTC: -5,499 / -0.1 = 54,990.
  const inputs = closeWholePositionInputs({ equity: usd('499'), mm: usd('500'), positionValue: -100n * MARK * K, positionMm: usd('500') });
  const value = bankruptcyValue(inputs);
  assert.equal(value, usd('-5499'));
  assert.equal(bankruptcyPricePerUnit({ value, quantity: -100n, lot: '0.001', multiplier: '1' }), '54990.00000000');
});

test('dYdX v4 cases: at and below the bankruptcy price, partial closes, several positions', () => {
  const whole = (equity: string, mm: string, value: bigint, posMm: string) =>
    bankruptcyValue(closeWholePositionInputs({ equity: usd(equity), mm: usd(mm), positionValue: value, positionMm: usd(posMm) }));
  // 0.1 BTC long, USDC -5,000: TNC 0 -> 5,000. USDC -5,100: TNC -100 -> 5,000 + 100 = 5,100.
  assert.equal(whole('0', '500', usd('5000'), '500'), usd('5000'));
  assert.equal(whole('-100', '500', usd('5000'), '500'), usd('5100'));
  // 0.1 BTC short, USDC 5,000 (TNC 0) -> -5,000; USDC 4,900 (TNC -100) -> -4,900.
  assert.equal(whole('0', '500', usd('-5000'), '500'), usd('-5000'));
  assert.equal(whole('-100', '500', usd('-5000'), '500'), usd('-4900'));
  // Half of 0.1 BTC long at TNC 0: DNNV = -2,500, DMMR = -250 -> 2,500 (dYdX: 2,500,000,000).
  assert.equal(bankruptcyValue(closeDeltaInputs({ equity: 0n, mm: usd('500'), quantity: 100n, closeQuantity: 50n, mark: MARK, lotTickValue: K, lotTickScale: 0, tiers: TIERS })), usd('2500'));
  // Half of 0.1 BTC short at TNC 0 -> -2,500.
  assert.equal(bankruptcyValue(closeDeltaInputs({ equity: 0n, mm: usd('500'), quantity: -100n, closeQuantity: -50n, mark: MARK, lotTickValue: K, lotTickScale: 0, tiers: TIERS })), usd('-2500'));
  // 0.004 BTC long (200 USD, MM 20) and 0.1 ETH long at 3,000 (300 USD, MM 30), USDC -490:
  // TNC = -490 + 200 + 300 = 10; TMMR = 50. Closing the ETH: 300 - 10 x 30 / 50 = 294 (dYdX: 294,000,000).
  assert.equal(whole('10', '50', usd('300'), '30'), usd('294'));
  // Both short, USDC 510: TNC = 510 - 500 = 10 -> -300 - 6 = -306. BTC long + ETH short, USDC 110: TNC = 110 + 200
  // - 300 = 10 -> -306.
  assert.equal(whole('10', '50', usd('-300'), '30'), usd('-306'));
  // 1 BTC long, USDC 1 (TNC 50,001, TMMR 5,000): closing it all: 50,000 - 50,001 = -1 USD (dYdX: -1,000,000).
  assert.equal(whole('50001', '5000', usd('50000'), '5000'), usd('-1'));
});

test('dYdX v4 rounding: toward +infinity, for positive and negative TNC', () => {
  // 1 BTC long (lot 1e-8, tick 100 -> K = 1e-8 x 100 x 1e6 = 1 micro; 1 BTC = 1e8 lots; 50,000 = 500 ticks),
  // USDC -13: TNC = 49,987 USD, TMMR = 5,000 USD. Closing 21,347 lots (0.00021347 BTC):
  //   DNNV = 99,978,653 x 500 - 1e8 x 500 = -10,673,500 micro; DMMR = 4,998,932,650 - 5,000,000,000 = -1,067,350.
  //   TNC x |DMMR| / TMMR = 49,987e6 x 1,067,350 / 5e9 = 10,670,724.89 -> BP = 10,673,500 - 10,670,724.89
  //   = 2,775.11 -> up: 2,776 micro (dYdX: 2,776 quote quantums, "rounded up from 2,775.11").
  const btc = { mark: 500n, lotTickValue: 1n, lotTickScale: 0, tiers: TIERS };
  const long = closeDeltaInputs({ equity: usd('49987'), mm: usd('5000'), quantity: 100_000_000n, closeQuantity: 21_347n, ...btc });
  assert.deepEqual(long, { dnnv: -10_673_500n, tnc: usd('49987'), dmmr: -1_067_350n, tmmr: usd('5000') });
  assert.equal(bankruptcyValue(long), 2_776n);
  // The short mirror, USDC +13: TNC = 13 - 50,000 = -49,987: BP = -10,673,500 + 10,670,724.89 = -2,775.11 -> up:
  // -2,775 (dYdX: -2,775).
  const short = closeDeltaInputs({ equity: usd('-49987'), mm: usd('5000'), quantity: -100_000_000n, closeQuantity: -21_347n, ...btc });
  assert.equal(bankruptcyValue(short), -2_775n);
  // Per unit: 2,776 micro / 0.00021347 BTC = 13.00417... USD per BTC.
  assert.equal(bankruptcyPricePerUnit({ value: 2_776n, quantity: 21_347n, lot: '0.00000001', multiplier: '1' }), '13.00416920');
});

test('per-unit price: multiplier, half-even at the 8th place, bad input', () => {
  // 2 contracts of multiplier 50: value 399,000 USD -> 399,000 / (2 x 50) = 3,990 per unit.
  assert.equal(bankruptcyPricePerUnit({ value: usd('399000'), quantity: 2n, lot: '1', multiplier: '50' }), '3990.00000000');
  // 1 micro over 3 units: 0.000000333... -> 0.00000033; 5 micro over 1e3 units... half-even ties:
  assert.equal(bankruptcyPricePerUnit({ value: 1n, quantity: 3n, lot: '1', multiplier: '1' }), '0.00000033');
  // 0.000000005 exactly (a tie) -> even: 0.00000000; 0.000000015 -> 0.00000002.
  assert.equal(bankruptcyPricePerUnit({ value: 5n, quantity: 1000n, lot: '1', multiplier: '1' }), '0.00000000');
  assert.equal(bankruptcyPricePerUnit({ value: 15n, quantity: 1000n, lot: '1', multiplier: '1' }), '0.00000002');
  assert.equal(bankruptcyPricePerUnit({ value: -15n, quantity: 1000n, lot: '1', multiplier: '1' }), '-0.00000002');
  assert.throws(() => bankruptcyPricePerUnit({ value: 1n, quantity: 0n, lot: '1', multiplier: '1' }));
  assert.throws(() => bankruptcyValue({ dnnv: 0n, tnc: 0n, dmmr: -1n, tmmr: 0n }), /TMMR/);
  assert.equal(bankruptcyValue({ dnnv: -5n, tnc: 100n, dmmr: 0n, tmmr: 0n }), 5n);
  assert.throws(() => closeDeltaInputs({ equity: 0n, mm: 1n, quantity: 10n, closeQuantity: -1n, mark: 1n, lotTickValue: 1n, lotTickScale: 0, tiers: TIERS }));
  assert.throws(() => closeDeltaInputs({ equity: 0n, mm: 1n, quantity: 10n, closeQuantity: 11n, mark: 1n, lotTickValue: 1n, lotTickScale: 0, tiers: TIERS }));
});

test('property: the value is the ceiling of the exact expression', () => {
  const D = DecimalJs.clone({ precision: 80 });
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
      fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
      fc.bigInt({ min: 1n, max: 10n ** 12n }),
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      (dnnv, tnc, tmmr, d) => {
        const dmmr = -(d % (tmmr + 1n)); // |DMMR| <= TMMR
        const exact = new D((-dnnv).toString()).sub(new D(tnc.toString()).mul(new D((-dmmr).toString())).div(new D(tmmr.toString())));
        assert.equal(bankruptcyValue({ dnnv, tnc, dmmr, tmmr }).toString(), exact.ceil().toFixed(0));
      },
    ),
    { numRuns: 500 },
  );
});

test('property: closing the whole position at the bankruptcy value leaves the unit with zero equity (when it is the only position)', () => {
  // One position, TMMR = its MM: BP = -DNNV - TNC = positionValue - equity. Selling at BP turns the position value
  // into cash BP: equity after = equity - positionValue + BP = 0.
  fc.assert(
    fc.property(
      arbTiers(10n ** 12n),
      fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }).filter((q) => q !== 0n),
      fc.bigInt({ min: 1n, max: 10n ** 6n }),
      fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
      (tiers, q, mark, equity) => {
        const value = q * mark * 1000n;
        const mm = tieredRequirement(tiers, value < 0n ? -value : value).mm;
        const bp = bankruptcyValue(closeWholePositionInputs({ equity, mm, positionValue: value, positionMm: mm }));
        // (With no maintenance requirement at all, TNC x |DMMR| / TMMR is taken as 0: the position's share of the
        // unit's collateral is 0, and its bankruptcy value is just its value.)
        if (mm > 0n) assert.equal(equity - value + bp, 0n);
        else assert.equal(bp, value);
        // And closeDeltaInputs for the whole quantity agrees with closeWholePositionInputs.
        assert.deepEqual(
          closeDeltaInputs({ equity, mm, quantity: q, closeQuantity: q, mark, lotTickValue: 1000n, lotTickScale: 0, tiers }),
          closeWholePositionInputs({ equity, mm, positionValue: value, positionMm: mm }),
        );
      },
    ),
    { numRuns: 300 },
  );
});
