import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Book, Collateral, Position } from './model.ts';
import type { AccountResult } from './results.ts';
import { planAccount, planContext, applyOrders, type AccountInput, type AccountPlan, type PlanContext } from './liquidationPlan.ts';
import { applyFill } from './fill.ts';
import { exactContext, exactAccount } from './exactAccount.ts';
import { estimatedPrice } from './closeMath.ts';
import { toBook } from '../calculators/margin/toBook.ts';
import { marginInputSchema } from '../calculators/margin/schema.ts';
import { arbBook } from '../../test/support/randomBook.ts';

/** Every account of a book with its exact evaluation, as the planner takes it. */
type Evaluated = AccountInput & { result: AccountResult };

function inputs(book: Book): Evaluated[] {
  const ctx = exactContext(book);
  return book.accounts.map((a) => {
    const pi: number[] = [];
    const ci: number[] = [];
    book.positions.forEach((p, i) => p.account === a.id && pi.push(i));
    book.collateral.forEach((c, i) => c.account === a.id && ci.push(i));
    const result = exactAccount(ctx, a.id, pi, ci);
    return { id: a.id, positions: pi.map((i) => book.positions[i]!), collateral: ci.map((i) => book.collateral[i]!), cross: result, result };
  });
}

function whatIfBook(json: unknown): Book {
  return toBook(marginInputSchema.parse(json)).book;
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

test('methodology §7 (Drift): shortfall $10, mmr 10%, P = $100, no fees: close 1.0', () => {
  // 10 long at 100: notional 1,000, MM 100; equity 90 -> shortfall S = 1 x 100 - 90 = 10; 10 / (100 x 0.1) = 1.0.
  const book = whatIfBook({
    policy: { liquidationHealth: '0.95', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear()],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '90' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const [input] = inputs(book);
  const plan = planAccount(planContext(book), input!)!;
  assert.equal(plan.orders.length, 1);
  const o = plan.orders[0]!;
  assert.equal(o.side, 'sell');
  assert.equal(o.lots, 10n); // 10 lots of 0.1 = 1.0
  assert.equal(o.price, o.mark);
  assert.equal(plan.after.equity, 90_000_000n);
  assert.equal(plan.after.mm, 90_000_000n);
  assert.ok(plan.targetMet);
  assert.deepEqual(plan.reasons.map((r) => r.code), ['health']);
});

test('methodology §7 (dYdX): the order of a plan carries its bankruptcy price, $45,010 for the long and $54,990 for the short', () => {
  // dYdX holds 0.1 BTC long with USDC -4,501 (short: USDC +5,499): net collateral 499 either way. Here the position
  // carries its entry at the mark and the account holds the 499 as collateral, the same equity.
  for (const [q, usd, bp] of [['0.1', '499', '45010.00000000'], ['-0.1', '499', '54990.00000000']] as const) {
    const book = whatIfBook({
      policy: { liquidationHealth: '1', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
      instruments: [linear({ id: 'BTC', lot: '0.0001', tick: '1', tiers: [{ floor: '0', mmr: '0.1', imr: '0.1' }] })],
      prices: { BTC: '50000' },
      accounts: [{ id: 'A', collateral: { USD: usd }, positions: [{ instrument: 'BTC', quantity: q, entryPrice: '50000' }] }],
    });
    const plan = planAccount(planContext(book), inputs(book)[0]!)!;
    // equity 499, MM 500: closing c BTC leaves MM 500 (1 - c / 0.1), so c >= 0.0002 (2 lots).
    assert.equal(plan.orders[0]!.lots, 2n);
    assert.equal(plan.orders[0]!.bankruptcyPrice, bp);
  }
});

test('estimated price moves against the liquidated side by the slippage, or by the impact table bracket of the size', () => {
  const inst = { slippage: 10_000n, lotTickValue: 1_000n, lotTickScale: 0 }; // 1%; one lot x one tick = 0.001 USD
  assert.equal(estimatedPrice(inst, 10_000n, 5n, 1n), 9_900n); // a sale, 1% below
  assert.equal(estimatedPrice(inst, 10_001n, 5n, 1n), 9_900n); // 9,900.99 rounds down for a sale
  assert.equal(estimatedPrice(inst, 10_001n, 5n, -1n), 10_102n); // 10,101.01 rounds up for a purchase
  const impact = { ...inst, impact: [{ floor: 0n, rate: 1_000n }, { floor: 1_000_000_000n, rate: 20_000n }] };
  // 5 lots x 10,000 ticks x 0.001 = 50 USD: the first bracket (0.1%); 200,000 lots = 2,000,000 USD: 2%.
  assert.equal(estimatedPrice(impact, 10_000n, 5n, 1n), 9_990n);
  assert.equal(estimatedPrice(impact, 10_000n, 200_000n, 1n), 9_800n);
});

test('fees are charged on the closed notional at the estimated price, each rounded up to the cent', () => {
  const book = whatIfBook({
    policy: { liquidationHealth: '0.95', targetHealth: '1', liquidationFeeRate: '0.005', insuranceFeeRate: '0.0025' },
    instruments: [linear({ slippage: '0.01', tick: '0.001' })],
    prices: { 'X-PERP': '100.003' },
    accounts: [{ id: 'A', collateral: { USD: '95' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100.003' }] }],
  });
  const plan = planAccount(planContext(book), inputs(book)[0]!)!;
  const o = plan.orders[0]!;
  assert.equal(o.price, 99_002n); // 100.003 x 0.99 = 99.00297, down to the tick for a sale
  // notional = lots x 0.1 x 99.002; fees 0.5% and 0.25% of it, each up to the cent.
  const notional = o.lots * 9_900_200n; // micro-USD per lot = 0.1 x 99.002 x 1e6
  assert.equal(o.notional, notional);
  const up = (micro: bigint) => ((micro + 9_999n) / 10_000n) * 10_000n;
  assert.equal(o.liquidationFee, up((notional * 5_000n + 999_999n) / 1_000_000n));
  assert.equal(o.insuranceFee, up((notional * 2_500n + 999_999n) / 1_000_000n));
  assert.ok(plan.targetMet);
});

test('regression: a partial close under tiers meets the target where the full close, paying fees on everything, leaves the account bankrupt', () => {
  // 10 long at 100: notional 1,000 in tier 2 (from 500, mmr 20%, cum 500 x 19% = 95): MM 105, equity 60.
  // Fees 7% of the closed notional. Closing 4 leaves 600 (MM 25) and equity 60 - 28 = 32: met. Closing 3 leaves
  // 700 (MM 45) and equity 39: missed. Closing all 10 pays 70 of fees: equity -10, bankrupt.
  const book = whatIfBook({
    policy: { liquidationHealth: '0.8', targetHealth: '1', liquidationFeeRate: '0.05', insuranceFeeRate: '0.02' },
    instruments: [linear({ lot: '1', tiers: [{ floor: '0', mmr: '0.01', imr: '0.02' }, { floor: '500', mmr: '0.2', imr: '0.3' }] })],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '60' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const plan = planAccount(planContext(book), inputs(book)[0]!)!;
  assert.deepEqual(plan.orders.map((o) => o.lots), [4n]);
  assert.equal(plan.after.equity, 32_000_000n);
  assert.equal(plan.after.mm, 25_000_000n);
  assert.equal(plan.targetMet, true);
  assert.equal(plan.after.status, 'warning'); // above MM, below IM (40)
});

test('regression: with an impact table the lots that meet the target have a gap, and the plan takes the smallest, not the first a bisection finds', () => {
  // 10 long at 100, MM 10% = 100, equity 70. Closing under 450 of notional is free of impact; from 450 on the price
  // is 5% worse. Met: 3 and 4 lots (MM 70, 60; equity 70), not 5 (MM 50, equity 45), again from 6 (MM 40,
  // equity 40). The flat slippage (replaced by the table for prices) still steered the old first guess to 5.
  const book = whatIfBook({
    policy: { liquidationHealth: '0.8', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear({ lot: '1', slippage: '0.03', impact: [{ floor: '0', rate: '0' }, { floor: '450', rate: '0.05' }] })],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '70' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const pc = planContext(book);
  const input = inputs(book)[0]!;
  const plan = planAccount(pc, input)!;
  assert.deepEqual(plan.orders.map((o) => o.lots), [3n]);
  assert.equal(plan.targetMet, true);
  // The shape itself: 5 lots miss, 6 meet again.
  assert.equal(applyOrders(pc, input, [{ instrument: 'X-PERP', lots: 5n }]).targetMet, false);
  assert.equal(applyOrders(pc, input, [{ instrument: 'X-PERP', lots: 6n }]).targetMet, true);
});

test('when no close meets the target, the plan takes the close that leaves the highest health and says so', () => {
  // 10 long at 100, MM 10% = 100, equity 50, fees 12%: closing k lots costs 12k and frees 10k of MM, so health
  // (50 - 12k) / (100 - 10k) is highest at k = 1 (38 / 90); closing all 10 leaves -70.
  const book = whatIfBook({
    policy: { liquidationHealth: '0.8', targetHealth: '1', liquidationFeeRate: '0.1', insuranceFeeRate: '0.02' },
    instruments: [linear({ lot: '1' })],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '50' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const plan = planAccount(planContext(book), inputs(book)[0]!)!;
  assert.deepEqual(plan.orders.map((o) => o.lots), [1n]);
  assert.equal(plan.targetMet, false);
  assert.equal(plan.after.equity, 38_000_000n);
  assert.match(plan.reasons[0]!.text, /no close restores the target health 1: the plan leaves the highest health it can/);
});

test('a bankrupt unit closes whole: no close can lift equity below zero, and the deficit is a shortfall', () => {
  const book = whatIfBook({
    policy: { liquidationHealth: '0.8', targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear({ lot: '1' })],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '-10' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const plan = planAccount(planContext(book), inputs(book)[0]!)!;
  assert.deepEqual(plan.orders.map((o) => o.lots), [10n]);
  assert.equal(plan.targetMet, false);
  assert.equal(plan.shortfall, 10_000_000n);
  assert.match(plan.reasons[0]!.text, /every position closes and the deficit is a shortfall/);
});

test('an isolated position is planned on its own; a healthy cross part is left alone', () => {
  const book = whatIfBook({
    policy: { targetHealth: '1', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear(), linear({ id: 'Y-PERP', underlying: 'Y' })],
    prices: { 'X-PERP': '100', 'Y-PERP': '100' },
    accounts: [
      {
        id: 'A',
        mode: 'isolated',
        collateral: { USD: '1000' },
        positions: [
          { instrument: 'X-PERP', quantity: '10', entryPrice: '107', isolatedMargin: '75' },
          { instrument: 'Y-PERP', quantity: '10', entryPrice: '100', isolatedMargin: '500' },
        ],
      },
    ],
  });
  const plan = planAccount(planContext(book), inputs(book)[0]!)!;
  // X: equity 75 - 70 = 5 against MM 100: health 0.05.
  assert.deepEqual(plan.orders.map((o) => [o.instrument, o.isolated]), [['X-PERP', true]]);
  assert.equal(plan.reasons[0]!.unit, 'X-PERP');
});

test('the desk\'s edited quantities are re-evaluated; closing more than the position is refused', () => {
  const book = whatIfBook({
    policy: { liquidationHealth: '0.95', liquidationFeeRate: '0', insuranceFeeRate: '0' },
    instruments: [linear()],
    prices: { 'X-PERP': '100' },
    accounts: [{ id: 'A', collateral: { USD: '90' }, positions: [{ instrument: 'X-PERP', quantity: '10', entryPrice: '100' }] }],
  });
  const pc = planContext(book);
  const input = inputs(book)[0]!;
  const half = applyOrders(pc, input, [{ instrument: 'X-PERP', lots: 5n }]);
  assert.equal(half.after.mm, 95_000_000n);
  assert.equal(half.targetMet, false);
  const all = applyOrders(pc, input, [{ instrument: 'X-PERP', lots: 100n }]);
  assert.equal(all.after.mm, 0n);
  assert.equal(all.after.status, 'healthy');
  assert.throws(() => applyOrders(pc, input, [{ instrument: 'X-PERP', lots: 101n }]), /cannot close 101 lots/);
  assert.throws(() => applyOrders(pc, input, [{ instrument: 'Z', lots: 1n }]), /no position in Z/);
});

/** Applies a plan's orders to the account at their estimated prices and evaluates it again, exactly. */
function execute(book: Book, pc: PlanContext, plan: AccountPlan): { book: Book; input: Evaluated; shortfall: bigint } {
  const positions: Position[] = book.positions.filter((p) => p.account === plan.account).map((p) => ({ ...p }));
  let usd = book.collateral.find((c) => c.account === plan.account && c.asset === 'USD')?.quantity ?? 0n;
  let shortfall = 0n;
  for (const o of plan.orders) {
    const i = positions.findIndex((p) => p.instrument === o.instrument);
    const inst = pc.instruments.get(o.instrument)!;
    const f = applyFill(positions[i]!, inst, o.lots, o.price, pc.policy, pc.settlement);
    usd += f.settlementDelta;
    shortfall += f.shortfall;
    if (f.position) positions[i] = f.position;
    else positions.splice(i, 1);
  }
  const collateral: Collateral[] = book.collateral.filter((c) => c.account === plan.account && c.asset !== 'USD');
  collateral.push({ account: plan.account, asset: 'USD', quantity: usd });
  const next: Book = {
    ...book,
    positions: [...book.positions.filter((p) => p.account !== plan.account), ...positions],
    collateral: [...book.collateral.filter((c) => c.account !== plan.account), ...collateral],
  };
  const input = inputs(next).find((x) => x.id === plan.account)!;
  return { book: next, input, shortfall };
}

const arbPlanBook = fc
  .record({
    book: arbBook(),
    target: fc.bigInt({ min: 800_000n, max: 1_500_000n }),
    fee: fc.bigInt({ min: 0n, max: 20_000n }),
    ins: fc.bigInt({ min: 0n, max: 10_000n }),
    slippage: fc.array(fc.bigInt({ min: 0n, max: 30_000n }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ book, target, fee, ins, slippage }) => ({
    ...book,
    policy: { ...book.policy, targetHealth: target, liquidationFeeRate: fee, insuranceFeeRate: ins },
    instruments: book.instruments.map((x, i) => ({ ...x, slippage: slippage[i]! })),
  }));

test('property: executing a plan at its estimated prices lands exactly on its after-figures, and each planned unit meets the target or its reason says why not', () => {
  let planned = 0;
  fc.assert(
    fc.property(arbPlanBook, (book) => {
      const pc = planContext(book);
      for (const input of inputs(book)) {
        const plan = planAccount(pc, input);
        if (plan === null) {
          assert.ok(!['liquidation', 'bankrupt'].includes(input.result.status), `${input.id} in ${input.result.status} has no plan`);
          continue;
        }
        planned++;
        for (const o of plan.orders) {
          assert.ok(o.lots > 0n);
          const pos = input.positions.find((p) => p.instrument === o.instrument)!;
          assert.ok(o.lots <= (pos.quantity < 0n ? -pos.quantity : pos.quantity));
          assert.equal(o.side, pos.quantity > 0n ? 'sell' : 'buy');
        }
        const done = execute(book, pc, plan);
        const r = done.input.result;
        assert.equal(r.equity, plan.after.equity, `${plan.account} equity`);
        assert.equal(r.mm, plan.after.mm, `${plan.account} MM`);
        assert.equal(r.im, plan.after.im, `${plan.account} IM`);
        assert.equal(r.status, plan.after.status, `${plan.account} status`);
        assert.equal(r.callAmount, plan.after.call, `${plan.account} call`);
        assert.equal(done.shortfall + (done.input.positions.some((p) => p.isolatedMargin === null) || r.equity >= 0n ? 0n : -r.equity), plan.shortfall);
        // Each unit that was planned meets the target, or its reason says that no close could restore it.
        const t = book.policy.targetHealth;
        const meets = (e: bigint, m: bigint) => (m === 0n ? e >= 0n : e * 1_000_000n >= t * m);
        const missed = /no close restores/;
        for (const reason of plan.reasons) {
          if (reason.unit === 'cross') {
            const open = done.input.positions.some((p) => p.isolatedMargin === null);
            const ok = open ? meets(r.equity, r.mm) : r.equity >= 0n;
            assert.ok(ok || missed.test(reason.text), `${plan.account} cross part below target and its reason is silent`);
            if (!ok) assert.equal(plan.targetMet, false);
          } else {
            const p = r.positions.find((x) => x.instrument === reason.unit);
            const ok = p ? meets(p.isolated!.equity, p.isolated!.mm) : plan.shortfall === 0n || done.shortfall === 0n;
            assert.ok(ok || missed.test(reason.text), `${plan.account} isolated ${reason.unit} below target and its reason is silent`);
          }
        }
        if (plan.targetMet) assert.ok(!plan.reasons.some((x) => missed.test(x.text)));
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(planned > 50, `only ${planned} plans were exercised`);
});
