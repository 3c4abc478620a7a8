import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Account, Asset, Book, Collateral, Instrument, Position, Tier, AccountStatus } from '../main/engine/model.ts';
import { DEFAULT_POLICY } from '../main/engine/model.ts';
import type { AccountResult, PositionResult } from '../main/engine/results.ts';
import { STATUS_RANK } from '../main/engine/results.ts';
import { referenceEvaluate } from './support/reference.ts';
import { parseAmount, parseRate, divRound, RATE_ONE, roundAmountToScale } from '../shared/units.ts';
import { bracketAmount, tieredRequirement, validateBrackets, validateTiers } from '../main/engine/tierMath.ts';
import { arbBook } from './support/randomBook.ts';

const usd = (s: string): bigint => parseAmount(s, 'usd');
const tier = (floor: string, mmr: string, imr: string): Tier => ({
  floor: usd(floor),
  mmr: parseRate(mmr, 'mmr'),
  imr: parseRate(imr, 'imr'),
});

// BTC-PERP: lot 0.001 BTC, tick 0.1 USD, multiplier 1 -> lotTickValue K = 0.001 x 0.1 x 1 x 1e6 = 100 micro-USD.
// 1 BTC = 1,000 lots; a price of 50,000 = 500,000 ticks.
const BTC_PERP: Instrument = {
  id: 'BTC-PERP',
  kind: 'perpetual',
  underlying: 'BTC',
  multiplier: '1',
  lot: '0.001',
  tick: '0.1',
  lotTickValue: 100n,
  lotTickScale: 0,
  margin: 'tiered',
  tiers: [tier('0', '0.004', '0.008')],
  slippage: 0n,
  expiry: null,
  option: null,
  priceBand: null,
};

// USD as collateral in cents: quantityScale 2, priceScale 0, price 1.
const USD: Asset = { id: 'USD', quantityScale: 2, priceScale: 0, haircuts: [{ floor: 0n, rate: 0n }], liquidityClass: 'cash' };

function account(id: string, mode: 'cross' | 'isolated' = 'cross'): Account {
  return { id, member: 'M1', kind: 'house', mode };
}

function book(parts: Partial<Book>): Book {
  return {
    policy: DEFAULT_POLICY,
    instruments: [BTC_PERP],
    assets: [USD],
    accounts: [],
    positions: [],
    collateral: [],
    marks: new Map(),
    assetPrices: new Map([['USD', 1n]]),
    ...parts,
  };
}

// 1 BTC long at 50,000: entryValue = 1,000 lots x 50,000 x 0.001 x 1 x 1e6 = 5e10 micro = 50,000 USD.
const btcLong: Position = { account: 'A1', instrument: 'BTC-PERP', quantity: 1000n, entryValue: usd('50000'), isolatedMargin: null };
// 10,000 USD = 1,000,000 cents.
const tenK: Collateral = { account: 'A1', asset: 'USD', quantity: 1_000_000n };

function btcBook(markTicks: bigint, policy = DEFAULT_POLICY): Book {
  return book({
    policy,
    accounts: [account('A1')],
    positions: [btcLong],
    collateral: [tenK],
    marks: new Map([['BTC-PERP', markTicks]]),
  });
}

test('cross: 1 BTC-PERP long at 50,000, mark 50,000, USD 10,000 -> healthy', () => {
  // collateral gross = floor(1,000,000 cents x 1 x 1e6 / 10^(2+0)) = 1e10 micro = 10,000 USD; haircut 0.
  // notional = |q| x mark x K = 1,000 x 500,000 x 100 = 5e10 micro = 50,000 USD.
  // upnl = q x mark x K - entryValue = 5e10 - 5e10 = 0.
  // MM = ceil(5e10 x 4,000 ppm / 1e6) = 2e8 = 200 USD; IM = ceil(5e10 x 8,000 / 1e6) = 4e8 = 400 USD.
  // equity = 10,000 + 0 = 10,000 >= IM 400 -> healthy, no call.
  const [r] = referenceEvaluate(btcBook(500_000n));
  assert.deepEqual(r, {
    id: 'A1',
    collateralValue: usd('10000'),
    equity: usd('10000'),
    mm: usd('200'),
    im: usd('400'),
    status: 'healthy',
    callAmount: null,
    positions: [
      { instrument: 'BTC-PERP', quantity: 1000n, notional: usd('50000'), upnl: 0n, mm: usd('200'), im: usd('400'), isolated: null },
    ],
  } satisfies AccountResult);
});

test('cross: the same at mark 40,100 -> equity 100, liquidation, call 220.80', () => {
  // mark 40,100 = 401,000 ticks. notional = 1,000 x 401,000 x 100 = 4.01e10 = 40,100 USD.
  // upnl = 4.01e10 - 5e10 = -9.9e9 = -9,900 USD; equity = 10,000 - 9,900 = 100 USD.
  // MM = 40,100 x 0.4% = 160.4 USD; IM = 40,100 x 0.8% = 320.8 USD.
  // Status: equity >= 0; MM > 0 and equity x 1e6 = 1e8 x 1e6 = 1e14 < liquidationHealth x MM
  //   = 800,000 x 160,400,000 = 1.2832e14 (health 100 / 160.4 = 0.623 < 0.8) -> liquidation.
  // Call (maintenance trigger): equity 100 < MM 160.4 -> IM - equity = 320.8 - 100 = 220.8, rounded up to cents = 220.80.
  const [r] = referenceEvaluate(btcBook(401_000n));
  assert.equal(r?.equity, usd('100'));
  assert.equal(r?.collateralValue, usd('10000'));
  assert.equal(r?.mm, usd('160.4'));
  assert.equal(r?.im, usd('320.8'));
  assert.equal(r?.status, 'liquidation');
  assert.equal(r?.callAmount, usd('220.8'));
  assert.deepEqual(r?.positions[0], {
    instrument: 'BTC-PERP',
    quantity: 1000n,
    notional: usd('40100'),
    upnl: usd('-9900'),
    mm: usd('160.4'),
    im: usd('320.8'),
    isolated: null,
  } satisfies PositionResult);
});

test('cross: mark 40,150 -> health 0.934, status call, call 171.20', () => {
  // notional 40,150; upnl -9,850; equity 150. MM = 160.6, IM = 321.2.
  // 150 x 1e6 >= 0.8 x 160.6 = 128.48 -> not liquidation; 150 < 160.6 -> call. Amount = 321.2 - 150 = 171.2.
  const [r] = referenceEvaluate(btcBook(401_500n));
  assert.equal(r?.equity, usd('150'));
  assert.equal(r?.mm, usd('160.6'));
  assert.equal(r?.status, 'call');
  assert.equal(r?.callAmount, usd('171.2'));
});

test('cross: mark 40,300 -> warning; a call only under the initial trigger (22.40)', () => {
  // notional 40,300; upnl -9,700; equity 300. MM = 161.2, IM = 322.4. MM <= 300 < IM -> warning.
  const [r] = referenceEvaluate(btcBook(403_000n));
  assert.equal(r?.equity, usd('300'));
  assert.equal(r?.status, 'warning');
  assert.equal(r?.callAmount, null);
  // callTrigger initial: 300 < IM 322.4 -> needs 322.4 - 300 = 22.4.
  const [ri] = referenceEvaluate(btcBook(403_000n, { ...DEFAULT_POLICY, callTrigger: 'initial' }));
  assert.equal(ri?.status, 'warning');
  assert.equal(ri?.callAmount, usd('22.4'));
});

test('call amounts are rounded up to the policy amount scale after summing', () => {
  // mark 40,100.1 = 401,001 ticks: notional = 1,000 x 401,001 x 100 = 40,100.1 USD.
  // MM = ceil(40,100,100,000 x 4,000 / 1e6) = 160,400,400 (160.4004); IM = 320,800,800 (320.8008).
  // upnl = -9,899.9, equity = 100.1. Need = 320.8008 - 100.1 = 220.7008 -> up to cents 220.71.
  const [r] = referenceEvaluate(btcBook(401_001n));
  assert.equal(r?.mm, 160_400_400n);
  assert.equal(r?.im, 320_800_800n);
  assert.equal(r?.equity, usd('100.1'));
  assert.equal(r?.callAmount, usd('220.71'));
  // Amount scale 0 (whole dollars): 221.
  const [r0] = referenceEvaluate(btcBook(401_001n, { ...DEFAULT_POLICY, amountScale: 0 }));
  assert.equal(r0?.callAmount, usd('221'));
  // Amount scale 6: exact.
  const [r6] = referenceEvaluate(btcBook(401_001n, { ...DEFAULT_POLICY, amountScale: 6 }));
  assert.equal(r6?.callAmount, usd('220.7008'));
});

test('isolated: 10 ETH short, two tiers, own margin unit; the cross part stays apart', () => {
  // ETH-PERP: lot 0.01, tick 0.01, multiplier 1 -> K = 0.01 x 0.01 x 1e6 = 100 micro. 10 ETH = 1,000 lots.
  // Tiers: [0, 25,000) mmr 1% imr 2%; [25,000, ...) mmr 2% imr 4%.
  //   cumM_2 = 25,000 x (2% - 1%) = 250; cumI_2 = 25,000 x (4% - 2%) = 500.
  // Entry 3,000: entryValue = -1,000 x 3,000 x 0.01 x 1e6 = -3e10 (-30,000 USD). Mark 3,150 = 315,000 ticks.
  // notional = 1,000 x 315,000 x 100 = 3.15e10 = 31,500 USD (tier 2).
  // upnl = -1,000 x 315,000 x 100 - (-3e10) = -3.15e10 + 3e10 = -1,500 USD.
  // MM = 31,500 x 2% - 250 = 380; IM = 31,500 x 4% - 500 = 760.
  // isolatedMargin 2,000 -> equity = 2,000 - 1,500 = 500: >= 0, 500 >= 0.8 x 380, >= MM 380, < IM 760 -> warning.
  // The cross part: USD 1,000 collateral, no cross position -> equity 1,000, MM = IM = 0, healthy.
  // Account status: worst of (healthy, warning) = warning. Call (maintenance): none.
  const ETH: Instrument = {
    ...BTC_PERP,
    id: 'ETH-PERP',
    underlying: 'ETH',
    lot: '0.01',
    tick: '0.01',
    lotTickValue: 100n,
    tiers: [tier('0', '0.01', '0.02'), tier('25000', '0.02', '0.04')],
  };
  const pos: Position = { account: 'B1', instrument: 'ETH-PERP', quantity: -1000n, entryValue: usd('-30000'), isolatedMargin: usd('2000') };
  const b = book({
    instruments: [ETH],
    accounts: [account('B1', 'isolated')],
    positions: [pos],
    collateral: [{ account: 'B1', asset: 'USD', quantity: 100_000n }],
    marks: new Map([['ETH-PERP', 315_000n]]),
  });
  const [r] = referenceEvaluate(b);
  assert.deepEqual(r, {
    id: 'B1',
    collateralValue: usd('1000'),
    equity: usd('1000'),
    mm: 0n,
    im: 0n,
    status: 'warning',
    callAmount: null,
    positions: [
      {
        instrument: 'ETH-PERP',
        quantity: -1000n,
        notional: usd('31500'),
        upnl: usd('-1500'),
        mm: usd('380'),
        im: usd('760'),
        isolated: { equity: usd('500'), mm: usd('380'), im: usd('760'), status: 'warning' },
      },
    ],
  } satisfies AccountResult);
  // Under the initial trigger the isolated unit needs 760 - 500 = 260; the cross part needs nothing.
  const [ri] = referenceEvaluate({ ...b, policy: { ...DEFAULT_POLICY, callTrigger: 'initial' } });
  assert.equal(ri?.callAmount, usd('260'));
  // Mark 3,400 (340,000 ticks): notional 34,000, upnl -4,000, equity -2,000 -> bankrupt; MM = 680 - 250 = 430,
  // IM = 1,360 - 500 = 860; call = 860 - (-2,000) = 2,860. The cross part cannot help: its 1,000 is untouched.
  const [rb] = referenceEvaluate({ ...b, marks: new Map([['ETH-PERP', 340_000n]]) });
  assert.equal(rb?.status, 'bankrupt');
  assert.equal(rb?.equity, usd('1000'));
  assert.deepEqual(rb?.positions[0]?.isolated, { equity: usd('-2000'), mm: usd('430'), im: usd('860'), status: 'bankrupt' });
  assert.equal(rb?.callAmount, usd('2860'));
});

test('haircut brackets: 3 BTC of collateral at 50,000.01 with 2% to 100k and 10% above', () => {
  // BTC asset: quantityScale 8 (satoshi), priceScale 2 (cents); price 50,000.01 = 5,000,001 cents.
  // 3 BTC = 300,000,000 sat: gross = floor(3e8 x 5,000,001 x 1e6 / 10^10) = floor(150,000,030,000) micro
  //   = 150,000.03 USD (exact).
  // Brackets: [0, 100,000) 2%; [100,000, ...) 10%: cumH_2 = 100,000 x (10% - 2%) = 8,000 USD.
  // haircut = ceil((150,000.03 x 10% - 8,000) to the micro) = 15,000.003 - 8,000 = 7,000.003 USD.
  //   (Check: 2% of the first 100,000 = 2,000, plus 10% of the next 50,000.03 = 5,000.003.)
  // value = 150,000.03 - 7,000.003 = 143,000.027 USD.
  // Second account, 1.23456789 BTC = 123,456,789 sat: gross = floor(123,456,789 x 5,000,001 x 1e6 / 1e10)
  //   (123,456,789 x 5,000,000 = 617,283,945,000,000, plus 123,456,789 = 617,284,068,456,789)
  //   = floor(617,284,068,456,789 / 10^4) = floor(61,728,406,845.6789) = 61,728,406,845 micro.
  //   haircut (bracket 1, 2%) = ceil(61,728,406,845 x 20,000 / 1e6) = ceil(1,234,568,136.9) = 1,234,568,137 micro.
  //   value = 61,728,406,845 - 1,234,568,137 = 60,493,838,708 micro.
  const BTC: Asset = {
    id: 'BTC',
    quantityScale: 8,
    priceScale: 2,
    haircuts: [
      { floor: 0n, rate: 20_000n },
      { floor: usd('100000'), rate: 100_000n },
    ],
    liquidityClass: 'crypto',
  };
  assert.equal(validateBrackets(BTC.haircuts), null);
  const b = book({
    assets: [USD, BTC],
    accounts: [account('C1'), account('C2')],
    collateral: [
      { account: 'C1', asset: 'BTC', quantity: 300_000_000n },
      { account: 'C2', asset: 'BTC', quantity: 123_456_789n },
    ],
    assetPrices: new Map([
      ['USD', 1n],
      ['BTC', 5_000_001n],
    ]),
  });
  const [c1, c2] = referenceEvaluate(b);
  assert.equal(c1?.collateralValue, usd('143000.027'));
  assert.equal(c1?.equity, usd('143000.027'));
  assert.equal(c1?.status, 'healthy');
  assert.equal(c2?.collateralValue, 60_493_838_708n);
});

test('debit collateral: a negative USD row takes no haircut; BTC does; floor rounds a debit down', () => {
  // D1: USD -5,000 (-500,000 cents) -> gross = -5,000 USD (a debit: value = gross, no haircut).
  //     BTC 0.2 at 50,000.00 (5,000,000 cents), flat 2% haircut: gross = 2e7 x 5e6 x 1e6 / 1e10 = 1e10 = 10,000 USD,
  //     haircut = 200 -> 9,800. Collateral value = 9,800 - 5,000 = 4,800.
  //     0.1 BTC-PERP long (100 lots) at entry 50,000, mark 50,000: notional 5,000, upnl 0, MM 20, IM 40.
  //     equity 4,800 >= IM 40 -> healthy.
  // D2: USD -5,000 only, no position: equity -5,000 < 0 -> bankrupt; equity < MM (0) -> call IM - equity = 5,000.
  // D3: BTC -1 sat (a BTC debit): gross = floor(-1 x 5e6 x 1e6 / 1e10) = floor(-500) = -500 micro; at a price of
  //     50,000.01 it would be floor(-500.0001) = -501 (D4, own book below).
  const BTC: Asset = { id: 'BTC', quantityScale: 8, priceScale: 2, haircuts: [{ floor: 0n, rate: 20_000n }], liquidityClass: 'crypto' };
  const b = book({
    assets: [USD, BTC],
    accounts: [account('D1'), account('D2'), account('D3')],
    positions: [{ account: 'D1', instrument: 'BTC-PERP', quantity: 100n, entryValue: usd('5000'), isolatedMargin: null }],
    collateral: [
      { account: 'D1', asset: 'USD', quantity: -500_000n },
      { account: 'D1', asset: 'BTC', quantity: 20_000_000n },
      { account: 'D2', asset: 'USD', quantity: -500_000n },
      { account: 'D3', asset: 'BTC', quantity: -1n },
    ],
    marks: new Map([['BTC-PERP', 500_000n]]),
    assetPrices: new Map([
      ['USD', 1n],
      ['BTC', 5_000_000n],
    ]),
  });
  const [d1, d2, d3] = referenceEvaluate(b);
  assert.equal(d1?.collateralValue, usd('4800'));
  assert.equal(d1?.equity, usd('4800'));
  assert.equal(d1?.mm, usd('20'));
  assert.equal(d1?.im, usd('40'));
  assert.equal(d1?.status, 'healthy');
  assert.equal(d1?.callAmount, null);
  assert.equal(d2?.equity, usd('-5000'));
  assert.equal(d2?.status, 'bankrupt');
  assert.equal(d2?.callAmount, usd('5000'));
  assert.equal(d3?.collateralValue, -500n);
  assert.equal(d3?.status, 'bankrupt');
  // A call of 0.0005 USD is rounded up to a cent.
  assert.equal(d3?.callAmount, usd('0.01'));
  const [d4] = referenceEvaluate({ ...b, assetPrices: new Map([['USD', 1n], ['BTC', 5_000_001n]]) }).slice(2);
  assert.equal(d4?.collateralValue, -501n);
});

test('accounts come out in book.accounts order, positions in book.positions order; an empty account is healthy', () => {
  const ETH: Instrument = { ...BTC_PERP, id: 'ETH-PERP', underlying: 'ETH' };
  const b = book({
    instruments: [BTC_PERP, ETH],
    accounts: [account('Z'), account('A'), account('E')],
    positions: [
      { account: 'A', instrument: 'ETH-PERP', quantity: -5n, entryValue: -5n * 1000n * 100n, isolatedMargin: null },
      { account: 'Z', instrument: 'BTC-PERP', quantity: 5n, entryValue: 5n * 1000n * 100n, isolatedMargin: null },
      { account: 'A', instrument: 'BTC-PERP', quantity: 7n, entryValue: 7n * 1000n * 100n, isolatedMargin: null },
    ],
    marks: new Map([
      ['BTC-PERP', 1000n],
      ['ETH-PERP', 1000n],
    ]),
  });
  const rs = referenceEvaluate(b);
  assert.deepEqual(rs.map((r) => r.id), ['Z', 'A', 'E']);
  assert.deepEqual(rs[1]?.positions.map((p) => p.instrument), ['ETH-PERP', 'BTC-PERP']);
  assert.deepEqual(rs[2], {
    id: 'E', collateralValue: 0n, equity: 0n, mm: 0n, im: 0n, status: 'healthy', callAmount: null, positions: [],
  } satisfies AccountResult);
});

test('equity exactly at the thresholds: = IM healthy, = MM warning, = 0.8 x MM call, below liquidation', () => {
  // 1 BTC long at entry 50,000 and mark 50,000 (upnl 0): MM 200, IM 400. Collateral sets the equity.
  const at = (cents: bigint): AccountStatus =>
    referenceEvaluate(book({
      accounts: [account('A1')],
      positions: [btcLong],
      collateral: [{ account: 'A1', asset: 'USD', quantity: cents }],
      marks: new Map([['BTC-PERP', 500_000n]]),
    }))[0]!.status;
  assert.equal(at(40_000n), 'healthy'); // 400 = IM
  assert.equal(at(39_999n), 'warning'); // 399.99
  assert.equal(at(20_000n), 'warning'); // 200 = MM
  assert.equal(at(19_999n), 'call');
  assert.equal(at(16_000n), 'call'); // 160 = 0.8 x 200: 160e6 x 1e6 = 800,000 x 200e6, not below
  assert.equal(at(15_999n), 'liquidation');
  assert.equal(at(0n), 'liquidation'); // equity 0: not bankrupt (equity < 0 is), health 0
  assert.equal(at(-1n), 'bankrupt');
});

test('huge: results beyond 2^53 are exact', () => {
  // 100,000 BTC long (1e8 lots) at mark 50,000.1 (500,001 ticks): notional = 1e8 x 500,001 x 100 = 5.00001e15 micro
  // ... times 1,000 with K = 100,000 (lot 1, tick 0.1): notional = 1e8 x 500,001 x 1e5 = 5.00001e18 micro
  // (5.00001 trillion USD), MM at 0.4% = 2.000004e16 micro exactly.
  const BIG: Instrument = { ...BTC_PERP, lot: '1', lotTickValue: 100_000n };
  const b = book({
    instruments: [BIG],
    accounts: [account('H')],
    positions: [{ account: 'H', instrument: 'BTC-PERP', quantity: 100_000_000n, entryValue: 5n * 10n ** 18n, isolatedMargin: null }],
    marks: new Map([['BTC-PERP', 500_001n]]),
  });
  const [r] = referenceEvaluate(b);
  assert.equal(r?.positions[0]?.notional, 5_000_010_000_000_000_000n);
  assert.equal(r?.positions[0]?.upnl, 10_000_000_000_000n);
  assert.equal(r?.mm, 20_000_040_000_000_000n);
  assert.equal(r?.im, 40_000_080_000_000_000n);
  // Beyond int64 a result is refused, not wrapped.
  const tooBig = { ...b, marks: new Map([['BTC-PERP', 1_000_000n]]) }; // notional 1e19 > int64
  assert.throws(() => referenceEvaluate(tooBig), /exact range/);
});

// A second, independent bigint evaluation (on tierMath.ts) of results.ts. It is not the kernel; it checks the
// reference itself and the generated books until the lead's kernel lands, and keeps checking the reference.
function bigintEvaluate(b: Book): AccountResult[] {
  const inst = new Map(b.instruments.map((i) => [i.id, i]));
  const assets = new Map(b.assets.map((a) => [a.id, a]));
  const status = (e: bigint, mm: bigint, im: bigint): AccountStatus =>
    e < 0n ? 'bankrupt'
    : mm > 0n && e * RATE_ONE < b.policy.liquidationHealth * mm ? 'liquidation'
    : e < mm ? 'call'
    : e < im ? 'warning'
    : 'healthy';
  return b.accounts.map((acc) => {
    let colV = 0n;
    for (const c of b.collateral) {
      if (c.account !== acc.id) continue;
      const a = assets.get(c.asset)!;
      const gross = divRound(c.quantity * b.assetPrices.get(c.asset)! * 1_000_000n, 10n ** BigInt(a.quantityScale + a.priceScale), 'floor');
      colV += gross > 0n ? gross - bracketAmount(a.haircuts, gross) : gross;
    }
    let eq = colV;
    let mm = 0n;
    let im = 0n;
    let worst: AccountStatus = 'healthy';
    let need: bigint | null = null;
    const positions: PositionResult[] = [];
    for (const p of b.positions) {
      if (p.account !== acc.id) continue;
      const i = inst.get(p.instrument)!;
      // K = lotTickValue / 10^lotTickScale: each position's notional rounded up, its signed value down.
      const v = p.quantity * b.marks.get(p.instrument)! * i.lotTickValue;
      const kd = 10n ** BigInt(i.lotTickScale);
      const notional = divRound(v < 0n ? -v : v, kd, 'ceil');
      const upnl = divRound(v, kd, 'floor') - p.entryValue;
      const req = tieredRequirement(i.tiers, notional);
      let iso = null;
      if (p.isolatedMargin === null) {
        eq += upnl;
        mm += req.mm;
        im += req.im;
      } else {
        const e = p.isolatedMargin + upnl;
        const s = status(e, req.mm, req.im);
        if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
        if (e < (b.policy.callTrigger === 'initial' ? req.im : req.mm)) need = (need ?? 0n) + req.im - e;
        iso = { equity: e, mm: req.mm, im: req.im, status: s };
      }
      positions.push({ instrument: p.instrument, quantity: p.quantity, notional, upnl, mm: req.mm, im: req.im, isolated: iso });
    }
    const s = status(eq, mm, im);
    if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
    if (eq < (b.policy.callTrigger === 'initial' ? im : mm)) need = (need ?? 0n) + im - eq;
    return {
      id: acc.id,
      collateralValue: colV,
      equity: eq,
      mm,
      im,
      status: worst,
      callAmount: need === null ? null : roundAmountToScale(need, b.policy.amountScale, 'ceil'),
      positions,
    };
  });
}

test('property: generated books are valid (tiers, brackets, ids, one position per account+instrument)', () => {
  fc.assert(
    fc.property(fc.oneof(arbBook(), arbBook({ huge: true })), (b) => {
      const accIds = new Set(b.accounts.map((a) => a.id));
      assert.equal(accIds.size, b.accounts.length);
      for (const i of b.instruments) {
        assert.equal(validateTiers(i.tiers), null);
        assert.ok(i.lotTickValue >= 1n);
        assert.ok((b.marks.get(i.id) ?? 0n) > 0n);
      }
      for (const a of b.assets) {
        assert.equal(validateBrackets(a.haircuts), null);
        assert.ok((b.assetPrices.get(a.id) ?? 0n) > 0n);
      }
      const seen = new Set<string>();
      for (const p of b.positions) {
        const key = `${p.account}\u0000${p.instrument}`;
        assert.ok(!seen.has(key));
        seen.add(key);
        assert.ok(accIds.has(p.account));
        const mode = b.accounts.find((a) => a.id === p.account)!.mode;
        assert.equal(p.isolatedMargin !== null, mode === 'isolated');
        if (p.isolatedMargin !== null) assert.ok(p.isolatedMargin >= 0n);
        assert.notEqual(p.quantity, 0n);
      }
      assert.ok(b.accounts.length >= 1 && b.accounts.length <= 20);
      assert.ok(b.instruments.length >= 1 && b.instruments.length <= 6);
      assert.ok(b.assets.length >= 1 && b.assets.length <= 3);
    }),
    { numRuns: 200 },
  );
});

test('property: the reference agrees with an independent bigint evaluation on random books', () => {
  fc.assert(
    fc.property(arbBook(), (b) => {
      assert.deepEqual(referenceEvaluate(b), bigintEvaluate(b));
    }),
    { numRuns: 200 },
  );
});

test('property: ... and on huge books (results beyond 2^53, all inside int64)', () => {
  const TWO53 = 2n ** 53n;
  let beyond = 0;
  const statuses = new Set<AccountStatus>();
  fc.assert(
    fc.property(arbBook({ huge: true }), (b) => {
      const rs = referenceEvaluate(b); // throws if any result leaves int64
      assert.deepEqual(rs, bigintEvaluate(b));
      for (const r of rs) {
        statuses.add(r.status);
        if (r.equity > TWO53 || r.equity < -TWO53 || r.positions.some((p) => p.notional > TWO53)) beyond++;
      }
    }),
    { numRuns: 100 },
  );
  assert.ok(beyond > 0, 'huge books should produce results beyond 2^53');
  assert.ok(statuses.size >= 4, `huge books should reach most statuses, got ${[...statuses].join(', ')}`);
});

test('random books reach every status and both call outcomes', () => {
  const statuses = new Set<AccountStatus>();
  let calls = 0;
  let noCalls = 0;
  fc.assert(
    fc.property(arbBook(), (b) => {
      for (const r of referenceEvaluate(b)) {
        statuses.add(r.status);
        if (r.callAmount === null) noCalls++;
        else calls++;
      }
    }),
    { numRuns: 200 },
  );
  assert.deepEqual([...statuses].sort(), ['bankrupt', 'call', 'healthy', 'liquidation', 'warning']);
  assert.ok(calls > 0 && noCalls > 0);
});
