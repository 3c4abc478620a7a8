import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { computeWhatIf } from '../main/calculators/margin/run.ts';
import { InputError } from '../shared/errors.ts';
import { SCHEMAS, renderSchema } from '../scripts/schemas.ts';

const example = () => JSON.parse(fs.readFileSync(new URL('../docs/examples/margin-input.json', import.meta.url), 'utf8'));

test('methodology §10 example: 1 BTC long at 50,000 with 10,000 USD', () => {
  const a = computeWhatIf(example()).accounts[0]!;
  assert.equal(a.equity, '10000');
  assert.equal(a.mm, '200'); // 50,000 x 0.4%
  assert.equal(a.im, '400'); // 50,000 x 0.8%
  assert.equal(a.health, '50.00000000');
  assert.equal(a.status, 'healthy');
  assert.equal(a.call, null);
  const p = a.positions[0]!;
  // Binance USD-M: (WB - TMM + UPNL + cum - side|q|entry) / (|q| mmr - side|q|) = (10000 - 50000) / (0.004 - 1)
  assert.equal(p.liquidationPrice, '40160.64257028');
  // Closing the whole long at the bankruptcy price leaves equity 0: 50,000 - 10,000 per BTC.
  assert.equal(p.bankruptcyPrice, '40000.00000000');
});

test('a price shock puts the account in call with IM - equity demanded, rounded up to cents', () => {
  const input = example();
  input.prices['BTC-PERP'] = '40150.005';
  input.instruments[0].tick = '0.001';
  const a = computeWhatIf(input).accounts[0]!;
  // equity = 10000 - 9849.995 = 150.005; MM = 40150.005 x 0.004 = 160.60002; IM = 321.20004; health 0.934 > 0.8
  assert.equal(a.equity, '150.005');
  assert.equal(a.mm, '160.60002');
  assert.equal(a.health, '0.93402853'); // 150.005 / 160.60002 = 0.934028526...
  assert.equal(a.status, 'call');
  assert.equal(a.call, '171.20'); // 321.20004 - 150.005 = 171.19504, up to the cent
  // A tick whose value per lot is finer than a micro-USD (0.001 x 0.0001 = 0.1 micro-USD) is a fine instrument: the
  // 1,000 lots are worth a whole number at every tick, so the figures are the same.
  input.instruments[0].tick = '0.0001';
  const fine = computeWhatIf(input).accounts[0]!;
  assert.deepEqual([fine.equity, fine.mm, fine.status, fine.call], ['150.005', '160.60002', 'call', '171.20']);
  // One finer than 10^-24 USD is refused, naming the field.
  input.instruments[0].tick = '0.0000000000000000000001'; // x lot 0.001 = 1e-25 USD
  assert.throws(() => computeWhatIf(input), /instruments\[0\]\.tick.*finer than 10\^-24 USD/);
});

test('methodology §7 dYdX v4 example: bankruptcy prices 45,010 (long) and 54,990 (short)', () => {
  const book = (qty: string, usd: string) => ({
    instruments: [{ id: 'BTC', kind: 'perpetual', underlying: 'BTC', multiplier: '1', lot: '0.1', tick: '1', margin: 'tiered', tiers: [{ floor: '0', mmr: '0.1', imr: '0.1' }] }],
    prices: { BTC: '50000' },
    accounts: [{ id: 'X', collateral: { USD: usd }, positions: [{ instrument: 'BTC', quantity: qty, entryPrice: '50000' }] }],
  });
  // dYdX counts the position's value in net collateral (USDC -4,501 + 5,000 = 499 for the long; +5,499 - 5,000 = 499
  // for the short). Futures margining keeps the entry value out of collateral, so the same accounts post 499.
  const long = computeWhatIf(book('0.1', '499')).accounts[0]!;
  assert.equal(long.equity, '499');
  assert.equal(long.positions[0]!.bankruptcyPrice, '45010.00000000');
  assert.equal(computeWhatIf(book('-0.1', '499')).accounts[0]!.positions[0]!.bankruptcyPrice, '54990.00000000');
});

test('an isolated position is its own margin unit', () => {
  const input = example();
  input.accounts[0].positions[0].isolatedMargin = '500';
  input.prices['BTC-PERP'] = '49600';
  const a = computeWhatIf(input).accounts[0]!;
  const p = a.positions[0]!;
  // isolated equity 500 - 400 = 100 < MM 198.4: the position is in liquidation (health 0.504 < 0.8)
  assert.deepEqual(p.isolated, { equity: '100', im: '396.8', mm: '198.4', status: 'liquidation' });
  assert.equal(a.equity, '10000'); // the cross part does not lend it anything
  assert.equal(a.status, 'liquidation');
  assert.equal(a.call, '296.80');
  // Isolated LP = (q*entry - M) / (q * (1 - mmr)) = (50000 - 500) / 0.996
  assert.equal(p.liquidationPrice, '49698.79518072');
});

test('bad input names the field and why', () => {
  const cases: [(x: any) => void, RegExp][] = [
    [(x) => (x.accounts[0].positions[0].quantity = '1.0005'), /accounts\[0\]\.positions\[0\]\.quantity.*lots of 0\.001/],
    [(x) => (x.accounts[0].positions[0].quantity = '1e3'), /accounts\[0\]\.positions\[0\]\.quantity.*decimal string/],
    [(x) => (x.accounts[0].surprise = 1), /accounts\[0\].*unknown field "surprise"/],
    [(x) => (x.instruments[0].tiers[0].mmr = '0.0000001'), /instruments\[0\]\.tiers\[0\]\.mmr.*more than 6 decimal places/],
    [(x) => ((x.prices['BTC-PERP'] = '50000.5'), (x.instruments[0].tick = '1')), /prices\.BTC-PERP.*ticks of 1/],
    [(x) => (x.instruments[0].margin = 'portfolio'), /instruments\[0\]\.margin.*a perpetual has no expiry to scan to/],
    [(x) => (x.accounts[0].collateral.USD = '99999999999999999999'), /accounts\[0\]\.collateral\.USD.*exact range/],
  ];
  for (const [mutate, re] of cases) {
    const input = example();
    mutate(input);
    assert.throws(() => computeWhatIf(input), (e: unknown) => e instanceof InputError && re.test(e.message), String(re));
  }
});

test('the published JSON Schemas are the ones the code validates with', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const committed = fs.readFileSync(new URL(`../docs/schemas/${name}`, import.meta.url), 'utf8');
    assert.equal(committed, renderSchema(name, schema), `docs/schemas/${name} is stale: run npm run schemas`);
  }
});

test('methodology §10: an account in liquidation gets its liquidationPlan, the smallest lot-rounded close that restores targetHealth', () => {
  const input = example();
  input.policy.liquidationFeeRate = '0';
  input.prices['BTC-PERP'] = '40100';
  const a = computeWhatIf(input).accounts[0]!;
  // equity 10,000 - 9,900 = 100 against MM 160.4: health 0.62 < 0.8.
  assert.equal(a.status, 'liquidation');
  // Closing c BTC at the mark keeps equity 100 and leaves MM 160.4 (1 - c): c >= 0.37655..., up to the lot 0.377.
  assert.deepEqual(a.liquidationPlan, [{ instrument: 'BTC-PERP', side: 'sell', quantity: '0.377', estimatedPrice: '40100', fee: '0' }]);
  // With the example's 0.5% fee above the 0.4% maintenance rate, closing costs more than it frees, so no close
  // restores the target: closing everything would pay 200.5 of fees and leave the account bankrupt. The plan takes
  // the close that leaves the highest health instead, one lot (0.5% of 40.1 = 0.2005, up to the cent).
  input.policy.liquidationFeeRate = '0.005';
  assert.deepEqual(computeWhatIf(input).accounts[0]!.liquidationPlan, [{ instrument: 'BTC-PERP', side: 'sell', quantity: '0.001', estimatedPrice: '40100', fee: '0.21' }]);
  // An impact table moves the estimated price against the seller by the bracket of the closed size.
  input.policy.liquidationFeeRate = '0';
  input.instruments[0].impact = [{ floor: '0', rate: '0.001' }, { floor: '100000', rate: '0.01' }];
  const [o] = computeWhatIf(input).accounts[0]!.liquidationPlan!;
  assert.equal(o!.estimatedPrice, '40059'); // 40,100 x 0.999 = 40,059.9, down to the whole tick for a sale
  // A healthy account carries no plan.
  assert.equal(computeWhatIf(example()).accounts[0]!.liquidationPlan, undefined);
});
