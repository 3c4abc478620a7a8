// Methodology §4 (portfolio, SPAN-style margin): every worked example, exactly, and the rules around them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { evaluateAccounts } from '../evaluate.ts';
import { bookRisk } from './riskArrays.ts';
import { accountCommodities } from './scan.ts';
import { InputError } from '../../../shared/errors.ts';
import { scenarioLabel, SCENARIOS } from './scenarios.ts';
import { black76Price } from '../black76.ts';
import { pBook, pInstrument, usd } from '../../../test/support/portfolioBook.ts';

// McMillan, Options as a Strategic Investment, ch. 34: S&P future, scan range $10,000, extreme move $7,000.
const SP = pInstrument({ id: 'SP-DEC', underlying: 'SP', multiplier: '500', tick: '0.05', scanRange: usd(10_000)[0]! });
const SP_ARRAY = usd(0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10_000, 10_000, -10_000, -10_000, 7000, -7000);
const CALL_ARRAY = usd(460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500);
const CALL = pInstrument({
  id: 'SP-DEC-410-C',
  underlying: 'SP',
  multiplier: '500',
  tick: '0.05',
  riskArray: CALL_ARRAY,
  option: { right: 'call', strike: 8200n, underlyingInstrument: 'SP-DEC' },
});

test('§4 example: the future\'s risk array computed from a $10,000 scan range is McMillan\'s, in §4\'s order', () => {
  const book = pBook({ instruments: [SP], marks: { 'SP-DEC': 8200n }, positions: [{ instrument: 'SP-DEC', quantity: 1n }] });
  assert.deepEqual(bookRisk(book).get('SP-DEC')!.array, SP_ARRAY);
  assert.equal(scenarioLabel(1), 'price unchanged, vol up');
  assert.equal(scenarioLabel(14), 'price -3/3, vol down');
  assert.equal(scenarioLabel(15), 'price +extreme (35%)');
  assert.equal(SCENARIOS.length, 16);
});

test('§4 example: long 1 future has scan risk $10,000 (scenario 13, price down 3/3)', () => {
  const book = pBook({ instruments: [SP], marks: { 'SP-DEC': 8200n }, positions: [{ instrument: 'SP-DEC', quantity: 1n }] });
  const [r] = evaluateAccounts(book);
  const c = r!.commodities![0]!;
  assert.equal(c.scanRisk, 10_000_000_000n);
  assert.equal(c.worst, 13);
  assert.deepEqual(c.scenarios, SP_ARRAY);
  // IM multiplier 1.1 by default; MM and IM are the account's.
  assert.equal(c.mm, 10_000_000_000n);
  assert.equal(c.im, 11_000_000_000n);
  assert.equal(r!.mm, 10_000_000_000n);
  assert.equal(r!.im, 11_000_000_000n);
  assert.equal(r!.positions[0]!.mm, 0n, 'a portfolio position carries no tiered margin of its own');
});

test('§4 example: a long Dec 410 call with McMillan\'s (imported) array has scan risk $3,990', () => {
  const book = pBook({ instruments: [SP, CALL], marks: { 'SP-DEC': 8200n, 'SP-DEC-410-C': 200n }, positions: [{ instrument: 'SP-DEC-410-C', quantity: 1n }] });
  const c = evaluateAccounts(book)[0]!.commodities![0]!;
  assert.equal(c.scanRisk, 3_990_000_000n);
  assert.equal(c.worst, 14);
  assert.equal(c.mm, 3_990_000_000n);
  assert.equal(c.im, 4_389_000_000n);
});

test('§4: positions on one underlying are one combined commodity (the call hedges the short future)', () => {
  const book = pBook({
    instruments: [SP, CALL],
    marks: { 'SP-DEC': 8200n, 'SP-DEC-410-C': 200n },
    positions: [
      { instrument: 'SP-DEC', quantity: -1n },
      { instrument: 'SP-DEC-410-C', quantity: 1n },
    ],
  });
  const c = evaluateAccounts(book)[0]!.commodities!;
  assert.equal(c.length, 1);
  // Scenario by scenario: call - future; worst is scenario 15 (+extreme): 3130 - 7000 = -3870, below the $10,000
  // of the future alone.
  assert.deepEqual(c[0]!.scenarios, CALL_ARRAY.map((v, s) => v - SP_ARRAY[s]!));
  assert.equal(c[0]!.scanRisk, 3_870_000_000n);
  assert.equal(c[0]!.worst, 15);
});

test('§4: a portfolio that gains in every scenario has scan risk 0', () => {
  const up = pInstrument({ id: 'U', underlying: 'U', riskArray: usd(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8) });
  const book = pBook({ instruments: [up], marks: { U: 100n }, positions: [{ instrument: 'U', quantity: 3n }] });
  const c = evaluateAccounts(book)[0]!.commodities![0]!;
  assert.equal(c.scanRisk, 0n);
  assert.equal(c.mm, 0n);
});

test('§4 short option minimum: ten short calls need at least 10 x the minimum per contract', () => {
  const call = pInstrument({
    id: 'C',
    underlying: 'SP',
    multiplier: '500',
    tick: '0.05',
    riskArray: usd(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).map((_, s) => (s % 2 === 0 ? 9_700_000n : -1_000_000n)),
    option: { right: 'call', strike: 9000n, underlyingInstrument: 'SP-DEC', shortOptionMinimum: 2_500_000_000n },
  });
  const book = pBook({ instruments: [SP, call], marks: { 'SP-DEC': 8200n, C: 1n }, positions: [{ instrument: 'C', quantity: -10n }] });
  const c = evaluateAccounts(book)[0]!.commodities![0]!;
  assert.equal(c.scanRisk, 97_000_000n, 'a far out-of-the-money short call risks $97 on the scan');
  assert.equal(c.shortOptionMinimum, 25_000_000_000n);
  assert.equal(c.mm, 25_000_000_000n);
  assert.equal(c.im, 27_500_000_000n);
  // Long options take no minimum.
  const longBook = pBook({ instruments: [SP, call], marks: { 'SP-DEC': 8200n, C: 1n }, positions: [{ instrument: 'C', quantity: 10n }] });
  assert.equal(evaluateAccounts(longBook)[0]!.commodities![0]!.shortOptionMinimum, 0n);
});

test('§4 IM multiplier: IM = MM x imMultiplier, rounded up to the micro-USD', () => {
  const f = pInstrument({ id: 'F', underlying: 'F', scanRange: 1_000_000_001n, imMultiplier: 1_250_000n });
  const book = pBook({ instruments: [f], marks: { F: 100n }, positions: [{ instrument: 'F', quantity: -1n }] });
  const c = evaluateAccounts(book)[0]!.commodities![0]!;
  assert.equal(c.scanRisk, 1_000_000_001n);
  assert.equal(c.im, 1_250_000_002n); // 1,250,000,001.25 rounded up
});

// A spread-credit example worked by hand: long 10 ES futures (scan range $1,000: scan risk $10,000, delta +10),
// short 20 NQ futures (scan range $400: scan risk $8,000, delta -20); spread ES:NQ 1:2 at 50%. Ten spreads use all
// of both: ES credit 50% x 10 x $1,000 = $5,000, NQ credit 50% x 20 x $400 = $4,000. MM $5,000 + $4,000.
const ES = pInstrument({ id: 'ES', underlying: 'ES', scanRange: usd(1000)[0]! });
const NQ = pInstrument({ id: 'NQ', underlying: 'NQ', scanRange: usd(400)[0]! });
const ES_NQ = { id: 'ES-NQ', legs: [{ underlying: 'ES', ratio: '1' }, { underlying: 'NQ', ratio: '2' }], rate: 500_000n, priority: 1 };

test('§4 spread credit: the hand-worked example, to the cent', () => {
  const book = pBook({
    instruments: [ES, NQ],
    marks: { ES: 500_000n, NQ: 2_000_000n },
    positions: [
      { instrument: 'ES', quantity: 10n },
      { instrument: 'NQ', quantity: -20n },
    ],
    spreads: [ES_NQ],
  });
  const [r] = evaluateAccounts(book);
  const [es, nq] = r!.commodities!;
  assert.deepEqual([es!.underlying, es!.scanRisk, es!.credits, es!.mm, es!.im], ['ES', 10_000_000_000n, 5_000_000_000n, 5_000_000_000n, 5_500_000_000n]);
  assert.deepEqual([nq!.underlying, nq!.scanRisk, nq!.credits, nq!.mm, nq!.im], ['NQ', 8_000_000_000n, 4_000_000_000n, 4_000_000_000n, 4_400_000_000n]);
  assert.deepEqual(es!.spreads, [{ id: 'ES-NQ', credit: 5_000_000_000n }]);
  assert.equal(r!.mm, 9_000_000_000n);
  assert.equal(r!.im, 9_900_000_000n);
});

test('§4 spread credit: only the delta that pairs off is credited; same-side positions form no spread', () => {
  const partial = pBook({
    instruments: [ES, NQ],
    marks: { ES: 500_000n, NQ: 2_000_000n },
    positions: [
      { instrument: 'ES', quantity: 10n },
      { instrument: 'NQ', quantity: -10n },
    ],
    spreads: [ES_NQ],
  });
  const [es, nq] = evaluateAccounts(partial)[0]!.commodities!;
  // Five spreads: ES uses 5 of its 10 deltas ($5,000 outright, credit $2,500); NQ uses all 10 ($4,000, credit $2,000).
  assert.equal(es!.credits, 2_500_000_000n);
  assert.equal(nq!.credits, 2_000_000_000n);
  const same = pBook({
    instruments: [ES, NQ],
    marks: { ES: 500_000n, NQ: 2_000_000n },
    positions: [
      { instrument: 'ES', quantity: 10n },
      { instrument: 'NQ', quantity: 20n },
    ],
    spreads: [ES_NQ],
  });
  for (const c of evaluateAccounts(same)[0]!.commodities!) assert.equal(c.credits, 0n);
});

test('§4 spread credit: spreads are formed by priority; a credit is rounded down, never up', () => {
  const RTY = pInstrument({ id: 'RTY', underlying: 'RTY', scanRange: usd(300)[0]! });
  const book = pBook({
    instruments: [ES, NQ, RTY],
    marks: { ES: 500_000n, NQ: 2_000_000n, RTY: 200_000n },
    positions: [
      { instrument: 'ES', quantity: 3n },
      { instrument: 'NQ', quantity: -3n },
      { instrument: 'RTY', quantity: -3n },
    ],
    spreads: [
      { id: 'ES-RTY', legs: [{ underlying: 'ES', ratio: '1' }, { underlying: 'RTY', ratio: '1' }], rate: 333_333n, priority: 1 },
      { id: 'ES-NQ', legs: [{ underlying: 'ES', ratio: '1' }, { underlying: 'NQ', ratio: '1' }], rate: 500_000n, priority: 2 },
    ],
  });
  const [es, nq, rty] = evaluateAccounts(book)[0]!.commodities!;
  // ES-RTY first takes all 3 ES deltas: ES credit 0.333333 x $3,000 = $999.999, RTY 0.333333 x $900 = $299.9997.
  assert.equal(es!.credits, 999_999_000n);
  assert.equal(rty!.credits, 299_999_700n);
  assert.equal(nq!.credits, 0n, 'nothing is left of ES for the lower-priority spread');
});

test('§4 options: a Black-76 array satisfies put-call parity scenario by scenario', () => {
  // F = 100, K = 100, T = 0.5y, sigma 20%, r 5%; scan range $1,500 per contract of 100: a move of 15.
  const fut = pInstrument({ id: 'F', underlying: 'X', multiplier: '100', scanRange: usd(1500)[0]! });
  const opt = (right: 'call' | 'put') =>
    pInstrument({
      id: right,
      underlying: 'X',
      multiplier: '100',
      volShift: 40_000n,
      expiry: '2026-07-02T12:00:00.000Z',
      option: { right, strike: 10_000n, underlyingInstrument: 'F', rate: '0.05' },
    });
  const book = pBook({
    instruments: [fut, opt('call'), opt('put')],
    marks: { F: 10_000n, call: 0n, put: 0n },
    vols: { F: 200_000n },
    positions: [{ instrument: 'call', quantity: 1n }],
  });
  const risk = bookRisk(book);
  const call = risk.get('call')!.array;
  const put = risk.get('put')!.array;
  const years = new Decimal(182.5).div(365);
  const df = Decimal.exp(new Decimal('-0.05').mul(years));
  SCENARIOS.forEach((s, i) => {
    // C - P = e^{-rT} (F - K): the difference of the two arrays is the discounted move, whatever the volatility.
    const want = df.mul(15).mul(s.move).div(1000).mul(100).mul(1_000_000).mul(s.weight).div(100);
    const diff = new Decimal((call[i]! - put[i]!).toString());
    assert.ok(diff.sub(want).abs().lte(1), `scenario ${i + 1}: C - P = ${diff} vs ${want}`);
  });
  // Volatility up raises a long option's value, down lowers it.
  assert.ok(call[0]! > 0n && call[1]! < 0n);
  // Deltas: call - put = e^{-rT} per unit, x multiplier; spreads take each to 8 decimal places.
  const d = risk.get('call')!.greeks!.delta.sub(risk.get('put')!.greeks!.delta);
  assert.ok(d.sub(df.mul(100)).abs().lt('1e-15'), `${d} vs ${df.mul(100)}`);
  assert.equal(risk.get('call')!.delta!.toFixed(), risk.get('call')!.greeks!.delta.toDecimalPlaces(8).toFixed());
});

test('§4 options: an option takes its underlying instrument\'s scan range when it has none, and needs a volatility', () => {
  const fut = pInstrument({ id: 'F', underlying: 'X', multiplier: '10', scanRange: usd(100)[0]! });
  const call = pInstrument({ id: 'C', underlying: 'X', multiplier: '10', expiry: '2026-07-02T12:00:00.000Z', option: { right: 'call', strike: 10_000n, underlyingInstrument: 'F' } });
  const book = pBook({ instruments: [fut, call], marks: { F: 10_000n, C: 0n }, vols: { C: 300_000n }, positions: [{ instrument: 'C', quantity: 1n }] });
  const a = bookRisk(book).get('C')!.array;
  // A deep move up (+3/3 of a 10-point range) gains; the extreme move counts at 35%.
  assert.ok(a[10]! > 0n && a[14]! > 0n && a[14]! < a[10]! * 2n);
  const noVol = pBook({ instruments: [fut, call], marks: { F: 10_000n, C: 0n }, positions: [{ instrument: 'C', quantity: 1n }] });
  assert.throws(() => evaluateAccounts(noVol), /portfolio margin of C: no implied volatility/);
});

test('greeks: Black-76 delta, gamma, vega and theta agree with finite differences of the price; call and put agree by parity', () => {
  const expiry = '2026-07-02T12:00:00.000Z';
  const fut = pInstrument({ id: 'F', underlying: 'X', multiplier: '100', scanRange: usd(1500)[0]! });
  const opt = (right: 'call' | 'put') => pInstrument({ id: right, underlying: 'X', multiplier: '100', expiry, option: { right, strike: 10_500n, underlyingInstrument: 'F', rate: '0.05' } });
  const book = pBook({ instruments: [fut, opt('call'), opt('put')], marks: { F: 10_000n, call: 0n, put: 0n }, vols: { F: 250_000n }, positions: [{ instrument: 'call', quantity: 1n }] });
  const risk = bookRisk(book);
  const X = Decimal.clone({ precision: 60 });
  const years = new X(Date.parse(expiry) - Date.parse('2026-01-01T00:00:00.000Z')).div(365 * 86_400_000);
  const price = (right: 'call' | 'put', f: Decimal.Value, v: Decimal.Value, t: Decimal.Value) =>
    new X(black76Price({ forward: new X(f), strike: '105', years: new X(t), vol: new X(v), rate: '0.05', right }).toString()).mul(100);
  const h = new X('1e-6');
  for (const right of ['call', 'put'] as const) {
    const g = risk.get(right)!.greeks!;
    const near = (got: Decimal, want: Decimal, what: string) => assert.ok(got.sub(want).abs().lte(want.abs().mul('1e-6').add('1e-9')), `${right} ${what}: ${got} vs ${want}`);
    near(g.delta, price(right, h.add(100), '0.25', years).sub(price(right, new X(100).sub(h), '0.25', years)).div(h.mul(2)), 'delta');
    near(g.gamma, price(right, h.add(100), '0.25', years).add(price(right, new X(100).sub(h), '0.25', years)).sub(price(right, 100, '0.25', years).mul(2)).div(h.mul(h)), 'gamma');
    near(g.vega, price(right, 100, h.add('0.25'), years).sub(price(right, 100, new X('0.25').sub(h), years)).div(h.mul(2)).div(100), 'vega');
    near(g.theta, price(right, 100, '0.25', years.sub(h)).sub(price(right, 100, '0.25', years.add(h))).div(h.mul(2)).div(365), 'theta');
  }
  const c = risk.get('call')!.greeks!;
  const p = risk.get('put')!.greeks!;
  const df = X.exp(new X('-0.05').mul(years));
  assert.ok(c.delta.sub(p.delta).sub(df.mul(100)).abs().lt('1e-15'));
  assert.ok(c.gamma.sub(p.gamma).abs().lt('1e-20') && c.vega.sub(p.vega).abs().lt('1e-20'));
  // A future's delta is its multiplier, its other greeks 0.
  assert.deepEqual(Object.values(risk.get('F')!.greeks!).map(String), ['100', '0', '0', '0']);
});

test('§4: a book holding an isolated position in a portfolio instrument is refused, naming account and instrument', () => {
  const book = pBook({ instruments: [SP], marks: { 'SP-DEC': 8200n }, positions: [{ account: 'ISO', instrument: 'SP-DEC', quantity: 1n }] });
  book.positions[0] = { ...book.positions[0]!, isolatedMargin: 5_000_000_000n };
  const named = (e: unknown) => e instanceof InputError && /position of account ISO in SP-DEC: SP-DEC is portfolio-margined .* cannot be isolated/.test(e.message);
  // Where a book is compiled (every evaluation) and where a commodity is scanned (the planner's rescans).
  assert.throws(() => evaluateAccounts(book), named);
  assert.throws(() => accountCommodities(book.positions, new Map([[SP.id, SP]]), bookRisk(book), []), named);
});
