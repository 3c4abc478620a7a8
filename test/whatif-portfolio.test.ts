// The what-if (methodology §10) with portfolio-margined instruments (§4): commodities with scan risk, credits, MM,
// IM and the worst scenario; refusals naming the field. Every figure is §4's or the spread example's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeWhatIf } from '../main/calculators/margin/run.ts';
import { InputError } from '../shared/errors.ts';
import { Decimal } from 'decimal.js';

const SP = { id: 'SP-DEC', kind: 'future', underlying: 'SP', multiplier: '500', lot: '1', tick: '0.05', margin: 'portfolio', expiry: '2026-12-18T14:30:00Z', scanRange: '10000' };
const CALL_ARRAY = ['460', '-610', '2640', '1730', '-1270', '-2340', '5210', '4540', '-2540', '-3430', '8060', '7640', '-3380', '-3990', '3130', '-1500'];
const CALL = { id: 'SP-DEC-410-C', kind: 'option', underlying: 'SP', multiplier: '500', lot: '1', tick: '0.05', margin: 'portfolio', right: 'call', strike: '410', underlyingInstrument: 'SP-DEC', riskArray: CALL_ARRAY };

function mcmillan(positions: { instrument: string; quantity: string; entryPrice: string }[], cash = '50000'): any {
  return {
    asOf: '2026-03-12T16:00:00Z',
    instruments: structuredClone([SP, CALL]),
    prices: { 'SP-DEC': '410', 'SP-DEC-410-C': '9' },
    accounts: [{ id: 'A', collateral: { USD: cash }, positions }],
  };
}

test('§4 via the what-if: long 1 S&P future, scan risk $10,000 at scenario 13; MM 10,000, IM 11,000', () => {
  const a = computeWhatIf(mcmillan([{ instrument: 'SP-DEC', quantity: '1', entryPrice: '410' }], '10500')).accounts[0]!;
  assert.deepEqual(a.commodities, [
    { underlying: 'SP', scanRisk: '10000', credits: '0', mm: '10000', im: '11000', worstScenario: { scenario: 13, label: 'price -3/3, vol up', pnl: '-10000' } },
  ]);
  assert.deepEqual([a.mm, a.im, a.status, a.call], ['10000', '11000', 'warning', null]);
  // Scanned (the future's array is the same at every price): equity 10,500 + (P - 410) x 500 meets MM 10,000 at
  // 409 and zero at 389, each the first tick there.
  assert.deepEqual([a.positions[0]!.liquidationPrice, a.positions[0]!.bankruptcyPrice, a.positions[0]!.mm], ['409.00000000', '389.00000000', '0']);
});

test('§4 via the what-if: the long Dec 410 call, imported array, scan risk $3,990; under MM a call restores IM', () => {
  const a = computeWhatIf(mcmillan([{ instrument: 'SP-DEC-410-C', quantity: '1', entryPrice: '9' }], '3000')).accounts[0]!;
  assert.deepEqual(a.commodities[0], { underlying: 'SP', scanRisk: '3990', credits: '0', mm: '3990', im: '4389', worstScenario: { scenario: 14, label: 'price -3/3, vol down', pnl: '-3990' } });
  // equity 3,000 < MM 3,990: call IM - equity = 1,389.
  assert.deepEqual([a.equity, a.status, a.call], ['3000', 'liquidation', '1389.00']);
  // The plan is sized on the rescanned commodity: selling the one call leaves no scan risk (fee 0.5% of $4,500).
  assert.deepEqual(a.liquidationPlan, [{ instrument: 'SP-DEC-410-C', side: 'sell', quantity: '1', estimatedPrice: '9', fee: '22.5' }]);
});

test('the spread-credit example via the what-if, to the cent', () => {
  const fut = (id: string, range: string) => ({ id, kind: 'future', underlying: id, multiplier: '1', lot: '1', margin: 'portfolio', expiry: '2026-12-18T14:30:00Z', scanRange: range });
  const r = computeWhatIf({
    instruments: [fut('ES', '1000'), fut('NQ', '400')],
    prices: { ES: '5000', NQ: '20000' },
    spreads: [{ id: 'ES-NQ', legs: [{ underlying: 'ES', ratio: '1' }, { underlying: 'NQ', ratio: '2' }], rate: '0.5', priority: 1 }],
    accounts: [{ id: 'A', collateral: { USD: '20000' }, positions: [{ instrument: 'ES', quantity: '10', entryPrice: '5000' }, { instrument: 'NQ', quantity: '-20', entryPrice: '20000' }] }],
  });
  const a = r.accounts[0]!;
  assert.deepEqual(
    a.commodities.map((c) => [c.underlying, c.scanRisk, c.credits, c.mm, c.im]),
    [
      ['ES', '10000', '5000', '5000', '5500'],
      ['NQ', '8000', '4000', '4000', '4400'],
    ],
  );
  assert.deepEqual([a.mm, a.im], ['9000', '9900']);
});

test('a covered write: the short call offsets the long future in one commodity (Black-76 scenarios)', () => {
  const fut = { id: 'F', kind: 'future', underlying: 'X', multiplier: '100', lot: '1', margin: 'portfolio', expiry: '2026-12-18T14:30:00Z', scanRange: '1500', volatility: '0.2' };
  const call = { id: 'C', kind: 'option', underlying: 'X', multiplier: '100', lot: '1', margin: 'portfolio', expiry: '2026-09-11T16:00:00Z', right: 'call', strike: '105', underlyingInstrument: 'F', volShift: '0.04', shortOptionMinimum: '10' };
  const input = (positions: any[]) => ({ asOf: '2026-03-12T16:00:00Z', instruments: [fut, call], prices: { F: '100', C: '3.5' }, accounts: [{ id: 'A', collateral: { USD: '10000' }, positions }] });
  const future = computeWhatIf(input([{ instrument: 'F', quantity: '1', entryPrice: '100' }])).accounts[0]!.commodities[0]!;
  const covered = computeWhatIf(input([{ instrument: 'F', quantity: '1', entryPrice: '100' }, { instrument: 'C', quantity: '-1', entryPrice: '3.5' }])).accounts[0]!.commodities[0]!;
  assert.equal(future.scanRisk, '1500');
  assert.ok(Number(covered.scanRisk) < 1500 && Number(covered.scanRisk) > 0, `covered write scan risk ${covered.scanRisk}`);
  assert.deepEqual([covered.worstScenario.scenario, covered.worstScenario.label], [13, 'price -3/3, vol up'], 'its worst case: the price falls 3/3 while volatility rises (the short call loses value more slowly)');
  // Greeks: the future's delta is its multiplier; the short call takes some back; the account is their sum.
  const out = computeWhatIf(input([{ instrument: 'F', quantity: '1', entryPrice: '100' }, { instrument: 'C', quantity: '-1', entryPrice: '3.5' }])).accounts[0]!;
  const [f, c] = out.positions;
  assert.deepEqual(f!.greeks, { delta: '100', gamma: '0', vega: '0', theta: '0' });
  assert.ok(Number(c!.greeks!.delta) < 0 && Number(c!.greeks!.delta) > -100 && Number(c!.greeks!.gamma) < 0 && Number(c!.greeks!.theta) > 0);
  assert.equal(out.greeks!.delta, new Decimal(f!.greeks!.delta).add(c!.greeks!.delta).toFixed());
});

test('portfolio what-if: bad input names the field and why', () => {
  const cases: [(x: any) => void, RegExp][] = [
    [(x) => delete x.instruments[0].scanRange, /instruments\[0\]\.scanRange.*needs its scanRange/],
    [(x) => (x.instruments[0].scanRange = '0'), /instruments\[0\]\.scanRange.*scans nothing/],
    [(x) => ((x.instruments[0].margin = 'tiered'), (x.instruments[0].tiers = [{ floor: '0', mmr: '0.1', imr: '0.2' }]), delete x.instruments[0].scanRange, delete x.instruments[1].riskArray), /instruments\[1\]\.scanRange.*SP-DEC has none to lend/],
    [(x) => (x.instruments[0].tiers = [{ floor: '0', mmr: '0.1', imr: '0.2' }]), /instruments\[0\]\.tiers.*takes no tiers/],
    [(x) => (x.instruments[0].imMultiplier = '0.9'), /instruments\[0\]\.imMultiplier.*below 1/],
    [(x) => (x.accounts[0].positions[0].isolatedMargin = '1000'), /accounts\[0\]\.positions\[0\].*cannot be isolated/],
    [(x) => (x.instruments[1].riskArray = CALL_ARRAY.slice(1)), /riskArray/],
    [(x) => (x.spreads = [{ id: 'S', legs: [{ underlying: 'SP', ratio: '0' }, { underlying: 'NQ', ratio: '1' }], rate: '0.5', priority: 1 }]), /spreads\[0\]\.legs\[0\]\.ratio/],
    [(x) => (x.spreads = [{ id: 'S', legs: [{ underlying: 'SP', ratio: '1' }, { underlying: 'NQ', ratio: '1' }], rate: '1.5', priority: 1 }]), /spreads\[0\]\.rate.*above 1/],
    [(x) => ((x.instruments[1].riskArray = undefined), delete x.asOf, (x.instruments[1].expiry = '2026-12-18T14:30:00Z'), (x.prices['SP-DEC-410-C'] = '9')), /asOf/],
  ];
  for (const [mutate, re] of cases) {
    const input = mcmillan([{ instrument: 'SP-DEC', quantity: '1', entryPrice: '410' }]);
    mutate(input);
    assert.throws(() => computeWhatIf(input), (e: unknown) => (e instanceof InputError || e instanceof Error) && re.test(e.message), String(re));
  }
});
