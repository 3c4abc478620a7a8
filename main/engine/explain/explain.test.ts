// The methodology's worked examples rendered as traces: each trace reaches the example's figure, and the
// intermediate value the example names appears in it, exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Book } from '../model.ts';
import { exactContext, exactAccount } from '../exactAccount.ts';
import { toBook } from '../../calculators/margin/toBook.ts';
import { marginInputSchema } from '../../calculators/margin/schema.ts';
import { explainFigure, type TracedAccount } from './explain.ts';
import { InputError } from '../../../shared/errors.ts';

function traced(json: unknown): TracedAccount {
  const book: Book = toBook(marginInputSchema.parse(json)).book;
  const result = exactAccount(exactContext(book), book.accounts[0]!.id, book.positions.map((_, i) => i), book.collateral.map((_, i) => i));
  return {
    account: book.accounts[0]!.id,
    book,
    result,
    instruments: new Map(book.instruments.map((x) => [x.id, x])),
    assets: new Map(book.assets.map((x) => [x.id, x])),
    sources: { mark: (i) => `mark of ${i} (example)`, assetPrice: (a) => `price of ${a} (example)`, policy: 'policy version 0' },
  };
}

const linear = (over: Record<string, unknown> = {}) => ({
  id: 'X-PERP',
  kind: 'perpetual',
  underlying: 'X',
  multiplier: '1',
  lot: '0.1',
  tick: '0.01',
  margin: 'tiered',
  tiers: [{ floor: '0', mmr: '0.1', imr: '0.2' }],
  ...over,
});

const step = (steps: { label: string; value: string | null }[], label: string) => {
  const s = steps.find((x) => x.label === label);
  assert.ok(s, `no step "${label}" in ${steps.map((x) => x.label).join(', ')}`);
  return s.value;
};

test('methodology §3 (Binance COIN-M): tier 5 at floor 50, 5% over 2.5%, cum_4 = 0.56 -> cum_5 = 1.81, in the MM trace', () => {
  const tiers = [
    { floor: '0', mmr: '0.005', imr: '0.01' },
    { floor: '10', mmr: '0.01', imr: '0.02' },
    { floor: '30', mmr: '0.02', imr: '0.04' },
    { floor: '42', mmr: '0.025', imr: '0.05' },
    { floor: '50', mmr: '0.05', imr: '0.1' },
  ];
  const t = traced({
    asOf: '2026-03-12T16:00:00Z',
    policy: {},
    instruments: [linear({ lot: '1', tick: '1', tiers })],
    prices: { 'X-PERP': '60' },
    accounts: [{ id: 'A', collateral: { USD: '100' }, positions: [{ instrument: 'X-PERP', quantity: '1', entryPrice: '60' }] }],
  });
  const tr = explainFigure(t, 'mm', null);
  assert.equal(step(tr.steps, 'X-PERP cum_5'), '1.81');
  assert.match(tr.steps.find((s) => s.label === 'X-PERP cum_5')!.formula, /50 × \(0\.05 − 0\.025\)/);
  assert.equal(step(tr.steps, 'X-PERP notional'), '60');
  // MM = 60 x 0.05 - 1.81 = 1.19
  assert.equal(tr.value, '1.19');
  assert.equal(tr.value, step(tr.steps, 'MM of the account'));
  assert.ok(tr.inputs.some((i) => i.name === 'X-PERP tier 5' && /mmr 0\.05/.test(i.value)));
});

test('methodology §7 (dYdX v4): 0.1 BTC long at 50,000 with net collateral 499 -> bankruptcy value 4,501, price 45,010', () => {
  for (const [q, bv, bp] of [['0.1', '4501', '45010.00000000'], ['-0.1', '-5499', '54990.00000000']] as const) {
    const t = traced({
      asOf: '2026-03-12T16:00:00Z',
      policy: { liquidationHealth: '1', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
      instruments: [linear({ id: 'BTC', lot: '0.0001', tick: '1', tiers: [{ floor: '0', mmr: '0.1', imr: '0.1' }] })],
      prices: { BTC: '50000' },
      accounts: [{ id: 'A', collateral: { USD: '499' }, positions: [{ instrument: 'BTC', quantity: q, entryPrice: '50000' }] }],
    });
    const tr = explainFigure(t, 'bankruptcyPrice', 'BTC');
    assert.equal(step(tr.steps, 'bankruptcy value'), bv);
    assert.equal(tr.value, bp);
    assert.equal(step(tr.steps, 'BP'), bp);
    assert.equal(step(tr.steps, 'DMMR'), '-500');
  }
});

test('methodology §7 (Drift): shortfall $10, mmr 10%, P = $100, no fees -> plan quantity 1.0, and one lot fewer misses the target', () => {
  const t = traced({
    asOf: '2026-03-12T16:00:00Z',
    policy: { liquidationHealth: '0.95', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear()],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '90' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const tr = explainFigure(t, 'planQuantity', 'X-PERP');
  assert.equal(step(tr.steps, 'S (shortfall)'), '10');
  assert.equal(step(tr.steps, 'P (estimated price)'), '100');
  assert.equal(step(tr.steps, 'Drift estimate'), '1');
  assert.equal(tr.value, '1');
  assert.equal(step(tr.steps, 'after closing 1'), '1.00000000');
  assert.ok(Number(step(tr.steps, 'after closing one lot fewer (0.9)')) < 1);
});

test('methodology §5 (isolated): LP = (q x entry - M) / (q x (1 - side x mmr)), here (1 x 100 - 20) / (1 x 0.9) = 88.88888889', () => {
  const t = traced({
    asOf: '2026-03-12T16:00:00Z',
    policy: {},
    instruments: [linear({ lot: '1' })],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', mode: 'isolated', collateral: {}, positions: [{ instrument: 'X-PERP', quantity: '1', entryPrice: '100', isolatedMargin: '20' }] }],
  });
  const tr = explainFigure(t, 'liquidationPrice', 'X-PERP');
  assert.equal(tr.value, '88.88888889');
  assert.equal(step(tr.steps, 'A'), '20');
  assert.equal(step(tr.steps, 'numerator'), '-80');
  assert.equal(step(tr.steps, 'denominator'), '-0.9');
  assert.equal(step(tr.steps, 'LP shown'), '88.89');
});

test('a position figure without its instrument, an account figure with one, and an unknown position are refused by name', () => {
  const t = traced({
    asOf: '2026-03-12T16:00:00Z',
    policy: {},
    instruments: [linear()],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '90' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  for (const [f, i] of [['liquidationPrice', null], ['equity', 'X-PERP'], ['mm', 'NOPE']] as const) {
    assert.throws(() => explainFigure(t, f, i), (e: unknown) => e instanceof InputError && e.where.field === 'instrument');
  }
});
