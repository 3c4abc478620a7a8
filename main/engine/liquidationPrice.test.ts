import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal as DecimalJs } from 'decimal.js';
import type { Tier } from './model.ts';
import {
  availableMargin,
  liquidationPrice,
  roundLiqPriceToTick,
  solveLiquidationMark,
  type CrossLiqInput,
  type IsolatedLiqInput,
  type LiqInput,
} from './liquidationPrice.ts';
import { arbTiers } from '../../test/support/randomBook.ts';
import { formatUnits, parseAmount, parseRate } from '../../shared/units.ts';

const D = DecimalJs.clone({ precision: 80, rounding: DecimalJs.ROUND_HALF_EVEN });
type D = InstanceType<typeof D>;

const usd = (s: string): bigint => parseAmount(s, 'usd');
const tier = (floor: string, mmr: string): Tier => ({ floor: usd(floor), mmr: parseRate(mmr, 'mmr'), imr: parseRate(mmr, 'imr') * 2n });

// BTC-PERP: lot 0.001, tick 0.1, multiplier 1 -> K = 100 micro-USD; 1 BTC = 1,000 lots; price 50,000 = 500,000 ticks.
const BTC = { lot: '0.001', tick: '0.1', multiplier: '1', lotTickValue: 100n, lotTickScale: 0 };
// ETH-PERP: lot 0.01, tick 0.01, multiplier 1 -> K = 100; 1 ETH = 100 lots; price 3,000 = 300,000 ticks.
const ETH = { lot: '0.01', tick: '0.01', multiplier: '1', lotTickValue: 100n, lotTickScale: 0 };
// Binance BTCUSDT-style tiers: [0, 50k) 0.4%; [50k, 250k) 0.5% (cum 50); [250k, 1M) 1% (cum 1,300).
const BTC_TIERS = [tier('0', '0.004'), tier('50000', '0.005'), tier('250000', '0.01')];

function cross(p: Omit<CrossLiqInput, 'kind' | 'otherMm' | 'otherUpnl'> & Partial<CrossLiqInput>): CrossLiqInput {
  return { otherMm: 0n, otherUpnl: 0n, ...p, kind: 'cross' };
}

test('cross, Binance USD-M form, one tier: 1 BTC long at 50,000, WB 10,000, mmr 0.4% -> 40,160.64257028', () => {
  // LP = (WB - TMM + UPNL + cum - side |q| entry) / (|q| mmr - side |q|)
  //    = (10,000 - 0 + 0 + 0 - 1 x 1 x 50,000) / (1 x 0.004 - 1 x 1) = -40,000 / -0.996 = 40,160.642570281124...
  // Rounded half-even to 8 places: 40,160.64257028 (next digit 1). For display, a long rounds up to the tick: 40,160.7.
  const input = cross({
    ...BTC,
    quantity: 1000n,
    entryValue: usd('50000'),
    tiers: [tier('0', '0.004')],
    mark: 500_000n,
    walletBalance: usd('10000'),
  });
  assert.equal(liquidationPrice(input), '40160.64257028');
  assert.equal(roundLiqPriceToTick('40160.64257028', '0.1', 1), '40160.7');
  // The exact solution in ticks: num / den = (1e6 x (5e10 - 1e10) - 0) / (100 x (1e6 x 1,000 - 1,000 x 4,000)) = 4e16 / 9.96e10.
  assert.deepEqual(solveLiquidationMark(input), { num: 4n * 10n ** 16n, den: 996n * 10n ** 8n, tier: 0 });
});

test('cross, Binance form with other positions: 2 ETH short at 3,000, WB 20,000, TMM 150, UPNL -500, mmr 0.5% -> 12,611.94029851', () => {
  // LP = (20,000 - 150 + (-500) + 0 - (-1) x 2 x 3,000) / (2 x 0.005 - (-1) x 2) = 25,350 / 2.01 = 12,611.940298507462...
  // 8 places: 12,611.94029851 (the 9th digit is 7). A short rounds down to the tick: 12,611.94.
  const input = cross({
    ...ETH,
    quantity: -200n,
    entryValue: usd('-6000'),
    tiers: [tier('0', '0.005')],
    mark: 300_000n,
    walletBalance: usd('20000'),
    otherMm: usd('150'),
    otherUpnl: usd('-500'),
  });
  assert.equal(availableMargin(input), usd('19350'));
  assert.equal(liquidationPrice(input), '12611.94029851');
  assert.equal(roundLiqPriceToTick('12611.94029851', '0.01', -1), '12611.94');
});

test('cross, across tier edges: the tier is chosen by the notional at the solved price', () => {
  // 10 BTC long at 50,000 (notional 500,000: tier 3), WB 100,000.
  //   tier 3: (100,000 + 1,300 - 500,000) / (10 x 0.01 - 10) = -398,700 / -9.9 = 40,272.7272...; notional 402,727 in
  //           [250k, 1M): kept.
  //   tier 2: (100,000 + 50 - 500,000) / (10 x 0.005 - 10) = 40,195.98; notional 401,960 is not in [50k, 250k).
  //   tier 1: -400,000 / -9.96 = 40,160.64; notional 401,606 is not in [0, 50k).
  const a = cross({ ...BTC, quantity: 10_000n, entryValue: usd('500000'), tiers: BTC_TIERS, mark: 500_000n, walletBalance: usd('100000') });
  assert.equal(liquidationPrice(a), '40272.72727273');
  assert.equal(solveLiquidationMark(a)?.tier, 2);
  // 5 BTC long at 60,000, mark 60,000 (notional 300,000: tier 3 now), WB 60,000.
  //   tier 3: (60,000 + 1,300 - 300,000) / (5 x 0.01 - 5) = -238,700 / -4.95 = 48,222.22; notional 241,111 < 250k: no.
  //   tier 2: (60,000 + 50 - 300,000) / (5 x 0.005 - 5) = -239,950 / -4.975 = 48,231.155778894472...;
  //           notional 241,155.78 in [50k, 250k): the liquidation happens in tier 2, below the tier the position is in.
  const b = cross({ ...BTC, quantity: 5_000n, entryValue: usd('300000'), tiers: BTC_TIERS, mark: 600_000n, walletBalance: usd('60000') });
  assert.equal(liquidationPrice(b), '48231.15577889');
  assert.equal(solveLiquidationMark(b)?.tier, 1);
  assert.equal(roundLiqPriceToTick('48231.15577889', '0.1', 1), '48231.2');
});

test('isolated form LP = (q entry - M) / (q (1 - side mmr)) with cum = 0', () => {
  // 2 BTC short at 40,000, M = 4,000, mmr 0.5%: (-2 x 40,000 - 4,000) / (-2 x (1 + 0.005)) = -84,000 / -2.01
  //   = 41,791.044776119402... -> 41,791.04477612. Short: round down to the tick -> 41,791.0.
  const s: IsolatedLiqInput = {
    ...BTC,
    kind: 'isolated',
    quantity: -2000n,
    entryValue: usd('-80000'),
    tiers: [tier('0', '0.005')],
    mark: 400_000n,
    isolatedMargin: usd('4000'),
  };
  assert.equal(liquidationPrice(s), '41791.04477612');
  assert.equal(roundLiqPriceToTick('41791.04477612', '0.1', -1), '41791.0');
  // 1 BTC long at 50,000, M = 5,000, mmr 0.4%: (50,000 - 5,000) / (1 x (1 - 0.004)) = 45,000 / 0.996
  //   = 45,180.722891566265... -> 45,180.72289157. Long: round up -> 45,180.8.
  const l: IsolatedLiqInput = { ...s, quantity: 1000n, entryValue: usd('50000'), tiers: [tier('0', '0.004')], mark: 500_000n, isolatedMargin: usd('5000') };
  assert.equal(liquidationPrice(l), '45180.72289157');
  assert.equal(roundLiqPriceToTick('45180.72289157', '0.1', 1), '45180.8');
});

test('a multiplier: 2 contracts (multiplier 50, tick 0.25) long at 4,000, WB 50,000, mmr 5% -> 3,684.21052632', () => {
  // K = 1 x 0.25 x 50 x 1e6 = 12,500,000. E = 2 x 4,000 x 50 = 400,000 USD.
  // LP = (50,000 - 400,000) / (2 x 50 x (0.05 - 1)) = -350,000 / -95 = 3,684.210526315789... -> 3,684.21052632;
  // to the tick (0.25), up for a long: 3,684.25.
  const input = cross({
    lot: '1', tick: '0.25', multiplier: '50', lotTickValue: 12_500_000n, lotTickScale: 0,
    quantity: 2n, entryValue: usd('400000'), tiers: [tier('0', '0.05')], mark: 16_000n, walletBalance: usd('50000'),
  });
  assert.equal(liquidationPrice(input), '3684.21052632');
  assert.equal(roundLiqPriceToTick('3684.21052632', '0.25', 1), '3684.25');
  assert.equal(roundLiqPriceToTick('3684.21052632', '0.25', -1), '3684.00');
  assert.equal(roundLiqPriceToTick('3684.25000000', '0.25', 1), '3684.25');
  assert.equal(roundLiqPriceToTick('3684.25000000', '0.25', -1), '3684.25');
  assert.throws(() => liquidationPrice({ ...input, lotTickValue: 12_500_001n }), /lotTickValue/);
});

test('no liquidation price: a long no positive price liquidates, a short liquidated at every price, a flat position', () => {
  // 1 BTC long at 50,000 with WB 100,000: LP = (100,000 - 50,000) / (0.004 - 1) < 0 -> null.
  const base = cross({ ...BTC, quantity: 1000n, entryValue: usd('50000'), tiers: [tier('0', '0.004')], mark: 500_000n, walletBalance: usd('100000') });
  assert.equal(liquidationPrice(base), null);
  // Exactly enough to survive a price of 0: WB = 50,000 -> LP = 0 -> null (no positive price).
  assert.equal(liquidationPrice({ ...base, walletBalance: usd('50000') }), null);
  // 1 BTC short at 50,000 with WB -60,000: LP = (-60,000 + 50,000) / (0.004 + 1) < 0 -> null.
  assert.equal(liquidationPrice({ ...base, quantity: -1000n, entryValue: usd('-50000'), walletBalance: usd('-60000') }), null);
  assert.equal(liquidationPrice({ ...base, quantity: 0n, entryValue: 0n }), null);
  // A long at mmr 100% has no liquidation price in that tier (equity - MM is flat there).
  assert.equal(liquidationPrice({ ...base, tiers: [tier('0', '1')], walletBalance: usd('10000') }), null);
});

test('several solutions (only with an invalid table, mmr > 1): the nearest to the mark on the losing side', () => {
  // 1 BTC long at 50,000 (K 100, 1,000 lots), A = 40,000. Tiers: [0, 40,000) mmr 50%; [40,000, ...) mmr 200%
  // (cum_2 = 40,000 x 1.5 = 60,000). equity - MM = A - 50,000 + 0.5 P below 40,000 (root 20,000) and
  // A + 10,000 - P above (root 50,000): two roots.
  const input = cross({
    ...BTC,
    quantity: 1000n,
    entryValue: usd('50000'),
    tiers: [tier('0', '0.5'), { floor: usd('40000'), mmr: 2_000_000n, imr: 2_000_000n }],
    mark: 450_000n,
    walletBalance: usd('40000'),
  });
  assert.equal(liquidationPrice(input), '20000.00000000'); // mark 45,000: only 20,000 is below
  assert.equal(liquidationPrice({ ...input, mark: 600_000n }), '50000.00000000'); // both below: nearest
  assert.equal(liquidationPrice({ ...input, mark: 100_000n }), '20000.00000000'); // none below: nearest overall
});

test('roundLiqPriceToTick: up for a long, down for a short, exact multiples kept', () => {
  assert.equal(roundLiqPriceToTick('100.00000001', '0.5', 1), '100.5');
  assert.equal(roundLiqPriceToTick('100.49999999', '0.5', -1), '100.0');
  assert.equal(roundLiqPriceToTick('100.50000000', '0.5', -1), '100.5');
  assert.equal(roundLiqPriceToTick('0.12345678', '0.0001', 1), '0.1235');
  assert.equal(roundLiqPriceToTick('0.12345678', '0.0001', -1), '0.1234');
  assert.equal(roundLiqPriceToTick('7', '5', 1), '10');
  assert.equal(roundLiqPriceToTick('7', '5', -1), '5');
  assert.equal(roundLiqPriceToTick('1000.1', '0.3', -1), '999.9');
  assert.equal(roundLiqPriceToTick('999.9', '0.3', 1), '999.9');
  assert.throws(() => roundLiqPriceToTick('1', '0', 1));
});

// ---- properties ---------------------------------------------------------------------------------------------

interface Case {
  input: LiqInput;
}

const arbCase: fc.Arbitrary<Case> = fc
  .record({
    lotExp: fc.integer({ min: 0, max: 3 }),
    tickMant: fc.constantFrom(1n, 5n, 25n, 3n),
    tickExp: fc.integer({ min: 0, max: 3 }),
    mult: fc.constantFrom(1n, 2n, 10n),
    qU: fc.bigInt({ min: 1n, max: 1_000_000n }),
    short: fc.boolean(),
    mark: fc.bigInt({ min: 1n, max: 10_000_000n }),
    entryPpm: fc.bigInt({ min: 500_000n, max: 1_500_000n }),
    jitter: fc.bigInt({ min: 0n, max: 99n }),
    tiers: arbTiers(1_000_000n),
    isolated: fc.boolean(),
    aPpm: fc.bigInt({ min: -50_000n, max: 600_000n }),
    tmm: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    upnl: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
  })
  .map((r) => {
    const K = 10n ** BigInt(6 - r.lotExp - r.tickExp) * r.tickMant * r.mult;
    const tick = formatUnits(r.tickMant, r.tickExp);
    // Keep |q| x K / tick (micro-USD per 1 of price) <= 1e8, so an 8-place price moves the equity by < 1 micro.
    const perPrice = (K * 10n ** BigInt(r.tickExp)) / r.tickMant; // = lot x mult x 1e6
    const qMax = 10n ** 8n / perPrice > 0n ? 10n ** 8n / perPrice : 1n;
    const qAbs = 1n + (r.qU % qMax);
    const q = r.short ? -qAbs : qAbs;
    const entryTicks = (r.mark * r.entryPpm) / 1_000_000n + 1n;
    const entryValue = q * entryTicks * K + (r.short ? -1n : 1n) * ((r.jitter * K) / 100n);
    const notional = qAbs * r.mark * K;
    // Floors scaled to the position's notional so that the tiers matter.
    const f = notional / 2_000_000n > 1n ? notional / 2_000_000n : 1n;
    const tiers = r.tiers.map((t) => ({ ...t, floor: t.floor * f }));
    const A = (notional * r.aPpm) / 1_000_000n;
    const common = {
      quantity: q,
      entryValue,
      lotTickValue: K,
      lotTickScale: 0,
      lot: formatUnits(1n, r.lotExp),
      tick,
      multiplier: String(r.mult),
      tiers,
      mark: r.mark,
    };
    const input: LiqInput = r.isolated
      ? { ...common, kind: 'isolated', isolatedMargin: A < 0n ? -A : A }
      : { ...common, kind: 'cross', walletBalance: A + r.tmm - r.upnl, otherMm: r.tmm, otherUpnl: r.upnl };
    return { input };
  });

function cumsD(tiers: Tier[]): D[] {
  const out: D[] = [new D(0)];
  for (let i = 1; i < tiers.length; i++) {
    out.push(out[i - 1]!.add(new D(tiers[i]!.floor.toString()).mul(new D((tiers[i]!.mmr - tiers[i - 1]!.mmr).toString()))));
  }
  return out;
}

/** equity and MM (micro-USD, MM without its ceil) of the position at a price, in exact decimal arithmetic. */
function equityAndMmAt(input: LiqInput, price: D): { equity: D; mm: D } {
  const K = new D(input.lotTickValue.toString());
  const q = new D(input.quantity.toString());
  const m = price.div(input.tick); // mark in ticks
  const notional = q.abs().mul(m).mul(K);
  let n = 0;
  input.tiers.forEach((t, i) => {
    if (new D(t.floor.toString()).lte(notional)) n = i;
  });
  const mmThis = notional.mul(input.tiers[n]!.mmr.toString()).sub(cumsD(input.tiers)[n]!).div(1_000_000);
  const upnlThis = q.mul(m).mul(K).sub(input.entryValue.toString());
  if (input.kind === 'isolated') {
    return { equity: new D(input.isolatedMargin.toString()).add(upnlThis), mm: mmThis };
  }
  // Cross: the account's equity is WB + UPNL + this upnl; its MM is TMM + this MM.
  return {
    equity: new D(input.walletBalance.toString()).add(input.otherUpnl.toString()).add(upnlThis),
    mm: mmThis.add(input.otherMm.toString()),
  };
}

test('property: at the returned price, equity and MM agree to within 1e-6 USD (tier chosen by the notional there)', () => {
  let solved = 0;
  let crossedEdge = 0;
  fc.assert(
    fc.property(arbCase, ({ input }) => {
      const lp = liquidationPrice(input);
      if (lp === null) return;
      solved++;
      const nowNotional = (input.quantity < 0n ? -input.quantity : input.quantity) * input.mark * input.lotTickValue;
      let nowTier = 0;
      input.tiers.forEach((t, i) => {
        if (t.floor <= nowNotional) nowTier = i;
      });
      if (solveLiquidationMark(input)!.tier !== nowTier) crossedEdge++;
      const { equity, mm } = equityAndMmAt(input, new D(lp));
      const gap = equity.sub(mm).abs();
      assert.ok(gap.lte(1), `equity ${equity} vs MM ${mm} at ${lp}: ${gap} micro`);
    }),
    { numRuns: 1000 },
  );
  assert.ok(solved > 300, `only ${solved} cases had a liquidation price`);
  assert.ok(crossedEdge > 50, `only ${crossedEdge} cases liquidate in another tier than the current one`);
});

test('property: the exact solution satisfies equity = MM exactly, in the tier its notional falls in, and is unique', () => {
  fc.assert(
    fc.property(arbCase, ({ input }) => {
      const s = solveLiquidationMark(input);
      const q = input.quantity;
      const absQ = q < 0n ? -q : q;
      const K = input.lotTickValue;
      const A = availableMargin(input);
      // cum in micro x ppm
      const cums: bigint[] = [0n];
      for (let i = 1; i < input.tiers.length; i++) {
        cums.push(cums[i - 1]! + input.tiers[i]!.floor * (input.tiers[i]!.mmr - input.tiers[i - 1]!.mmr));
      }
      // Every tier's candidate, independently: the roots of 1e6 (A + q m K - E) = |q| m K mmr_n - cum_n in range.
      let roots = 0;
      input.tiers.forEach((t, n) => {
        const den = K * (1_000_000n * q - absQ * t.mmr);
        if (den === 0n) return;
        const num = 1_000_000n * (input.entryValue - A) - cums[n]!;
        // m = num / den; in range when floor_n <= |q| K m < floor_{n+1} and m > 0.
        const sgn = den > 0n ? 1n : -1n;
        const N = absQ * K * num * sgn;
        const dd = den * sgn;
        if (num * sgn <= 0n) return;
        if (t.floor * dd > N) return;
        const next = input.tiers[n + 1];
        if (next && N >= next.floor * dd) return;
        roots++;
      });
      assert.ok(roots <= 1, `${roots} roots with a valid table`);
      if (s === null) {
        assert.equal(roots, 0);
        return;
      }
      assert.equal(roots, 1);
      assert.ok(s.den > 0n && s.num > 0n);
      const t = input.tiers[s.tier]!;
      // 1e6 x (A x den + q K num - E x den) = |q| K num mmr_n - cum_n x den, exactly.
      assert.equal(
        1_000_000n * (A * s.den + q * K * s.num - input.entryValue * s.den),
        absQ * K * s.num * t.mmr - cums[s.tier]! * s.den,
      );
      // Equity - MM changes sign across the solution: a long is above MM just above it and below just under it.
      const lp = new D(liquidationPrice(input)!);
      const up = equityAndMmAt(input, lp.add('0.01'));
      const down = equityAndMmAt(input, lp.sub('0.01'));
      if (q > 0n) assert.ok(up.equity.gte(up.mm) && (down.equity.lte(down.mm) || lp.lte('0.01')));
      else assert.ok(up.equity.lte(up.mm) && down.equity.gte(down.mm));
    }),
    { numRuns: 1000 },
  );
});

test('property: the Binance USD-M form, with the cum and mmr of the tier found, gives the same 8-place price', () => {
  fc.assert(
    fc.property(arbCase, ({ input }) => {
      const s = solveLiquidationMark(input);
      if (s === null) return;
      const t = input.tiers[s.tier]!;
      const cums = cumsD(input.tiers);
      const side = input.quantity > 0n ? 1 : -1;
      // |q| in units of the underlying, times the multiplier; entry value and amounts in USD.
      const units = new D(input.quantity.toString()).abs().mul(input.lot).mul(input.multiplier);
      const WB = input.kind === 'cross' ? new D(input.walletBalance.toString()) : new D(input.isolatedMargin.toString());
      const TMM = input.kind === 'cross' ? new D(input.otherMm.toString()) : new D(0);
      const UPNL = input.kind === 'cross' ? new D(input.otherUpnl.toString()) : new D(0);
      const cum = cums[s.tier]!.div(1e12); // micro x ppm -> USD
      const sideQEntry = new D(input.entryValue.toString()).div(1e6); // side x |q| x entry
      const mmr = new D(t.mmr.toString()).div(1e6);
      const lp = WB.sub(TMM).add(UPNL).div(1e6).add(cum).sub(sideQEntry).div(units.mul(mmr).sub(units.mul(side)));
      assert.equal(liquidationPrice(input), lp.toFixed(8, DecimalJs.ROUND_HALF_EVEN));
    }),
    { numRuns: 1000 },
  );
});
