// Fine instruments (issue 13 item 7): one lot moving one tick is worth less than a whole micro-USD, so
// K = lotTickValue x 10^-lotTickScale is a fraction and each position's money is rounded once (lotValue.ts,
// results.ts): the notional up (requirements are money demanded, methodology §1), the signed value down (equity
// never overstated). Two instruments real venues list, each figure worked by hand below, and the engine (kernel
// routing plus BigInt path) and the decimal.js oracle both held to those figures to the unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Book, Instrument, Position, Tier } from './model.ts';
import { DEFAULT_POLICY } from './model.ts';
import type { AccountResult } from './results.ts';
import { evaluateAccounts } from './evaluate.ts';
import { referenceEvaluate } from '../../test/support/reference.ts';
import { closeEffect } from './closeMath.ts';
import { liquidationPrice } from './liquidationPrice.ts';
import { compileBook } from './columns.ts';
import { lotTickValue } from '../csv/parse.ts';
import { parseAmount, parseRate } from '../../shared/units.ts';

const usd = (s: string): bigint => parseAmount(s, 'usd');
const tier = (floor: string, mmr: string, imr: string): Tier => ({ floor: usd(floor), mmr: parseRate(mmr, 'mmr'), imr: parseRate(imr, 'imr') });

function perp(id: string, lot: string, tick: string, tiers: Tier[]): Instrument {
  const k = lotTickValue(lot, tick, '1');
  if (k === null) throw new Error(`${id}: no lot-tick value`);
  return { id, kind: 'perpetual', underlying: id, multiplier: '1', lot, tick, ...k, margin: 'tiered', tiers, slippage: 0n, expiry: null, option: null, priceBand: null };
}

// BTC with a lot of 0.00001 BTC and a tick of 0.01 USD: K = 0.00001 x 0.01 x 1e6 = 0.1 micro-USD.
const BTC = perp('BTC-FINE', '0.00001', '0.01', [tier('0', '0.004', '0.008')]);
// A memecoin perpetual quoted to 1e-8 USD with a lot of 1 token: K = 1 x 0.00000001 x 1e6 = 0.01 micro-USD.
const MEME = perp('MEME-PERP', '1', '0.00000001', [tier('0', '0.05', '0.1')]);

/** A book of account L long and account S short in one instrument, each with its USD cash (micro-USD). */
function longShort(instrument: Instrument, mark: bigint, long: [bigint, bigint, bigint], short: [bigint, bigint, bigint]): Book {
  const row = (account: string, [quantity, entryValue]: [bigint, bigint, bigint]): Position => ({ account, instrument: instrument.id, quantity, entryValue, isolatedMargin: null });
  return book(instrument, mark, [row('L', long), row('S', short)], { L: long[2], S: short[2] });
}

function book(instrument: Instrument, mark: bigint, positions: Position[], cash: Record<string, bigint>): Book {
  const ids = [...new Set(positions.map((p) => p.account))];
  return {
    policy: DEFAULT_POLICY,
    instruments: [instrument],
    assets: [{ id: 'USD', quantityScale: 6, priceScale: 0, haircuts: [{ floor: 0n, rate: 0n }], liquidityClass: 'cash' }],
    accounts: ids.map((id) => ({ id, member: 'M1', kind: 'house', mode: 'cross' })),
    positions,
    collateral: ids.map((id) => ({ account: id, asset: 'USD', quantity: cash[id] ?? 0n })),
    marks: new Map([[instrument.id, mark]]),
    assetPrices: new Map([['USD', 1n]]),
  };
}

/** Engine and oracle agree with each other and with the worked figures. */
function check(b: Book, expected: AccountResult[]): void {
  const engine = evaluateAccounts(b);
  assert.deepEqual(engine, expected);
  assert.deepEqual(referenceEvaluate(b), expected);
}

/** The exact decimal of q x mark x K (micro-USD), for showing which way each figure was rounded. */
const exactValue = (i: Instrument, q: bigint, mark: bigint): Decimal =>
  new Decimal(q.toString()).mul(mark.toString()).mul(i.lotTickValue.toString()).div(new Decimal(10).pow(i.lotTickScale));

test('the lot-tick values of the two fine instruments, in their one canonical form', () => {
  assert.deepEqual([BTC.lotTickValue, BTC.lotTickScale], [1n, 1]); // 0.1 micro-USD
  assert.deepEqual([MEME.lotTickValue, MEME.lotTickScale], [1n, 2]); // 0.01 micro-USD
  // Trailing zeros fold away: lot 0.0001 x tick 0.05 = 5 micro-USD is an ordinary instrument, scale 0.
  assert.deepEqual(lotTickValue('0.0001', '0.05', '1'), { lotTickValue: 5n, lotTickScale: 0 });
  assert.deepEqual(lotTickValue('0.00002', '0.05', '1'), { lotTickValue: 1n, lotTickScale: 0 });
  assert.deepEqual(lotTickValue('0.00002', '0.005', '3'), { lotTickValue: 3n, lotTickScale: 1 });
  // Finer than 10^-18 micro-USD is refused.
  assert.equal(lotTickValue('0.000000001', '0.000000001', '0.0000001'), null);
  // The kernel leaves fine instruments to the BigInt path: every holder is flagged.
  const cols = compileBook(book(BTC, 5_000_001n, [{ account: 'A', instrument: BTC.id, quantity: 3n, entryValue: 1n, isolatedMargin: null }], {}));
  assert.equal(cols.accountBig[0], 1);
});

test('lot 0.00001 BTC, tick 0.01: 3 lots long and 7 lots short at 50,000.01, rounded once per position', () => {
  const mark = 5_000_001n; // 50,000.01 USD in ticks of 0.01
  // (quantity in lots, entry value and cash in micro-USD)
  // Long 3 lots (0.00003 BTC) entered at 50,100: entry value 3 x 0.00001 x 50,100 = 1.503 USD = 1,503,000 micro.
  //   q x mark x K = 3 x 5,000,001 x 0.1 = 1,500,000.3 micro: value floor = 1,500,000, notional ceil = 1,500,001.
  //   upnl = 1,500,000 - 1,503,000 = -3,000 (exactly -2,999.7: the loss is rounded to the larger whole).
  //   MM = ceil(1,500,001 x 0.004) = ceil(6,000.004) = 6,001; IM = ceil(1,500,001 x 0.008) = ceil(12,000.008) = 12,001.
  //   Cash 9,000 micro: equity 6,000 < MM 6,001 -> call for IM - equity = 6,001, rounded up to the cent: 10,000.
  // Short 7 lots entered at 49,900: entry value -7 x 0.00001 x 49,900 = -3.493 USD.
  //   q x mark x K = -3,500,000.7: value floor = -3,500,001 (the short owes the larger whole), notional 3,500,001.
  //   upnl = -3,500,001 + 3,493,000 = -7,001; MM = ceil(14,000.004) = 14,001; IM = ceil(28,000.008) = 28,001.
  //   Cash 35,002 micro: equity 28,001 = IM -> healthy, no call (one micro less would be a warning).
  const b = longShort(BTC, mark, [3n, 1_503_000n, 9_000n], [-7n, -3_493_000n, 35_002n]);
  const pos = (q: bigint, notional: bigint, upnl: bigint, mm: bigint, im: bigint) => ({ instrument: BTC.id, quantity: q, notional, upnl, mm, im, isolated: null });
  check(b, [
    { id: 'L', collateralValue: 9_000n, equity: 6_000n, mm: 6_001n, im: 12_001n, status: 'call', callAmount: 10_000n, positions: [pos(3n, 1_500_001n, -3_000n, 6_001n, 12_001n)] },
    { id: 'S', collateralValue: 35_002n, equity: 28_001n, mm: 14_001n, im: 28_001n, status: 'healthy', callAmount: null, positions: [pos(-7n, 3_500_001n, -7_001n, 14_001n, 28_001n)] },
  ]);
  // Each rounded figure is within one micro-USD of the exact one, on the side §1 asks for.
  assert.ok(exactValue(BTC, 3n, mark).sub(1_500_000).gt(0) && exactValue(BTC, 3n, mark).sub(1_500_000).lt(1));
  assert.ok(exactValue(BTC, -7n, mark).sub(-3_500_001).gt(0) && exactValue(BTC, -7n, mark).sub(-3_500_001).lt(1));
  // With one micro-USD less cash the short is a warning: the threshold decision rests on the rounded whole figures.
  assert.equal(evaluateAccounts({ ...b, collateral: [b.collateral[0]!, { ...b.collateral[1]!, quantity: 35_001n }] })[1]!.status, 'warning');
});

test('a memecoin quoted to 1e-8 with a lot of 1: 123,457 tokens long and short at 0.00001234', () => {
  const mark = 1_234n; // 0.00001234 USD in ticks of 0.00000001
  // q x mark x K = 123,457 x 1,234 x 0.01 = 1,523,459.38 micro (1.52345938 USD).
  // Long entered at 0.000012: entry value 123,457 x 0.000012 = 1.481484 USD = 1,481,484 micro.
  //   value floor 1,523,459 -> upnl 41,975; notional ceil 1,523,460 -> MM = ceil(1,523,460 x 0.05) = 76,173,
  //   IM = 152,346. Cash 110,371: equity 152,346 = IM -> healthy.
  // Short entered at the same price: value floor -1,523,460 -> upnl = -1,523,460 + 1,481,484 = -41,976; MM, IM as
  //   the long. Cash 118,149: equity 76,173 = MM -> warning (one micro less: a call).
  const b = longShort(MEME, mark, [123_457n, 1_481_484n, 110_371n], [-123_457n, -1_481_484n, 118_149n]);
  const pos = (q: bigint, upnl: bigint) => ({ instrument: MEME.id, quantity: q, notional: 1_523_460n, upnl, mm: 76_173n, im: 152_346n, isolated: null });
  check(b, [
    { id: 'L', collateralValue: 110_371n, equity: 152_346n, mm: 76_173n, im: 152_346n, status: 'healthy', callAmount: null, positions: [pos(123_457n, 41_975n)] },
    { id: 'S', collateralValue: 118_149n, equity: 76_173n, mm: 76_173n, im: 152_346n, status: 'warning', callAmount: null, positions: [pos(-123_457n, -41_976n)] },
  ]);
  assert.equal(exactValue(MEME, 123_457n, mark).toString(), '1523459.38');
  const less = evaluateAccounts({ ...b, collateral: [b.collateral[0]!, { ...b.collateral[1]!, quantity: 118_148n }] })[1]!;
  assert.deepEqual([less.status, less.callAmount], ['call', 80_000n]); // IM 152,346 - 76,172 = 76,174 -> 0.08 USD
});

test('a close of a fine position rounds the same way: realised floored, fees on the notional rounded up', () => {
  // Closing 3 of the BTC long's lots at 50,000.01: value 1,500,000.3 -> 1,500,000; the whole entry value leaves.
  // Fee at 0.5% on the notional 1,500,001: ceil(7,500.005) = 7,501, to the cent: 10,000.
  const e = closeEffect({ quantity: 3n, entryValue: 1_503_000n, close: 3n, price: 5_000_001n, inst: BTC, policy: DEFAULT_POLICY });
  assert.deepEqual(e, { portion: 1_503_000n, realised: -3_000n, notional: 1_500_001n, liquidationFee: 10_000n, insuranceFee: 0n, cash: -13_000n });
  // Buying back 7 of the short at the same price costs the larger whole: value -3,500,001.
  const s = closeEffect({ quantity: -7n, entryValue: -3_493_000n, close: -7n, price: 5_000_001n, inst: BTC, policy: { ...DEFAULT_POLICY, liquidationFeeRate: 0n } });
  assert.deepEqual([s.realised, s.notional], [-7_001n, 3_500_001n]);
});

test('a liquidation price of a fine position takes K as its exact fraction: the memecoin long, isolated', () => {
  // Isolated, margin M = 0.1 USD, mmr 5%: LP = (E - M) / (q (1 - mmr)) = (1.481484 - 0.1) / (123,457 x 0.95).
  const expected = new Decimal('1.381484').div(new Decimal(123_457).mul('0.95')).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed(8);
  const lp = liquidationPrice({ ...MEME, kind: 'isolated', quantity: 123_457n, entryValue: 1_481_484n, isolatedMargin: 100_000n, mark: 1_234n });
  assert.equal(lp, expected);
  assert.equal(lp, '0.00001178');
});
