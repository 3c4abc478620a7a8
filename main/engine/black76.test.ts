import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal as DecimalJs } from 'decimal.js';
import { black76Price, normalCdf } from './black76.ts';

const D = DecimalJs.clone({ precision: 60 });

/** |a - b| <= tol */
function near(a: DecimalJs, b: string | DecimalJs, tol: string, what = ''): void {
  const diff = new D(a.toString()).sub(new D(b.toString())).abs();
  assert.ok(diff.lte(tol), `${what} ${a.toString()} vs ${b.toString()}: |diff| ${diff.toString()} > ${tol}`);
}

/** |a - b| <= rel x |b| */
function nearRel(a: DecimalJs, b: string, rel: string, what = ''): void {
  const diff = new D(a.toString()).sub(b).abs();
  const tol = new D(b).abs().mul(rel);
  assert.ok(diff.lte(tol), `${what} ${a.toString()} vs ${b}: relative error ${diff.div(new D(b).abs()).toString()} > ${rel}`);
}

test('normal CDF: textbook values to 25+ significant digits (centre, both tails, both methods)', () => {
  // Reference values of Phi(x) (Abramowitz & Stegun table 26.1 agrees to its 15 places; the longer digits are
  // the standard high-precision values, computed independently with mpmath at 45 digits).
  const cases: [string, string][] = [
    ['0', '0.5'],
    ['1', '0.8413447460685429485852325456320379224779'],
    ['-1', '0.1586552539314570514147674543679620775221'],
    ['1.96', '0.97500210485177956586341573095916281'],
    ['-3', '0.0013498980316300945266518147675949774'],
    ['3.3', '0.99951657585761622279888989187037272'],
    ['5', '0.9999997133484281208060883262476671253547'],
    ['-7.5', '3.1908916729108962277672883447263553e-14'],
    ['-10', '7.619853024160526065973343251599308363504e-24'],
    // Past |x| = 10 the continued fraction takes over.
    ['-10.000000001', '7.6198529472145401836390798539211696e-24'],
    ['-10.5', '4.3190063178092303465478171572942225e-26'],
    ['-12', '1.7764821120776789976961710018455571e-33'],
    ['-20', '2.7536241186062336950756227808574653e-89'],
    ['-38', '2.8854283600687843083509704815669041e-316'],
  ];
  for (const [x, v] of cases) {
    if (v === '0.5') assert.equal(normalCdf(x).toString(), '0.5');
    else nearRel(normalCdf(x), v, '1e-25', `N(${x})`);
  }
  near(normalCdf('10.5'), '0.99999999999999999999999995680993682', '1e-34', 'N(10.5)');
  assert.equal(normalCdf('-5000').toString(), '0');
  assert.equal(normalCdf('5000').toString(), '1');
});

test('normal CDF: symmetry N(x) + N(-x) = 1 and monotone, across the series/continued-fraction seam', () => {
  const xs = ['0.1', '2', '6.5', '9.999999', '10', '10.000001', '11', '25'];
  for (const x of xs) near(normalCdf(x).add(normalCdf(`-${x}`)), '1', '1e-40', `N(${x}) + N(-${x})`);
  // Both sides of the seam at -10 agree with a smooth function: the ratio N(-10 - h) / N(-10) ~ e^{-10h}.
  const a = new D(normalCdf('-9.9999999999').toString());
  const b = new D(normalCdf('-10').toString());
  const c = new D(normalCdf('-10.0000000001').toString());
  assert.ok(a.gt(b) && b.gt(c));
  // Second difference ~ 0 (no jump at the seam): (a - b) - (b - c) is tiny next to a - b.
  assert.ok(a.sub(b).sub(b.sub(c)).abs().lt(a.sub(b).mul('1e-8')));
});

test('Hull (Options, Futures, and Other Derivatives): European put on a future, F = K = 20, r = 9%, T = 4 months, sigma = 25% -> 1.12', () => {
  // d1 = (ln 1 + 0.25^2 x (1/3) / 2) / (0.25 x sqrt(1/3)) = 0.0721688; d2 = -0.0721688;
  // p = e^{-0.03} x (20 N(0.0721688) - 20 N(-0.0721688)) = 0.970446 x 20 x 0.057537 = 1.1166.
  const p = black76Price({ forward: '20', strike: '20', years: new D(4).div(12), vol: '0.25', rate: '0.09', right: 'put' });
  assert.equal(p.toFixed(2), '1.12');
  near(p, '1.116641456558943478153398490094962592304', '1e-25', 'Hull put');
  // At the money on a future the call equals the put.
  const c = black76Price({ forward: '20', strike: '20', years: new D(4).div(12), vol: '0.25', rate: '0.09', right: 'call' });
  near(c, p, '1e-28', 'ATM call = put');
});

test('Haug (The Complete Guide to Option Pricing Formulas): Brent future F = K = 19, T = 0.75, r = 10%, sigma = 28% -> 1.7011', () => {
  const c = black76Price({ forward: '19', strike: '19', years: '0.75', vol: '0.28', rate: '0.1', right: 'call' });
  assert.equal(c.toFixed(4), '1.7011');
  near(c, '1.701050725236267139130943462727906433048', '1e-25', 'Haug call');
});

test('deep out of and in the money keep their significant digits', () => {
  // F = 100, K = 300, T = 0.5, sigma = 20%, r = 5%: the call is about 1.18e-14, the put about 195.06.
  nearRel(
    black76Price({ forward: '100', strike: '300', years: '0.5', vol: '0.2', rate: '0.05', right: 'call' }),
    '1.18216417899739927389826998839e-14',
    '1e-20',
    'deep OTM call',
  );
  near(
    black76Price({ forward: '100', strike: '300', years: '0.5', vol: '0.2', rate: '0.05', right: 'put' }),
    '195.0619824056665455470390747365539893487',
    '1e-25',
    'deep ITM put',
  );
  nearRel(
    black76Price({ forward: '100', strike: '1000', years: '0.25', vol: '0.2', rate: '0.05', right: 'call' }),
    '1.73305818935065252233577566583e-117',
    '1e-20',
    'far OTM call',
  );
});

test('limits: vol -> 0 and T -> 0 give the discounted intrinsic value', () => {
  const df = new D('-0.05').mul('0.5').exp(); // e^{-rT}
  // vol exactly 0: e^{-rT} max(F - K, 0).
  near(black76Price({ forward: '110', strike: '100', years: '0.5', vol: '0', rate: '0.05', right: 'call' }), df.mul(10), '1e-28');
  assert.equal(black76Price({ forward: '110', strike: '100', years: '0.5', vol: '0', rate: '0.05', right: 'put' }).toString(), '0');
  near(black76Price({ forward: '90', strike: '100', years: '0.5', vol: '0', rate: '0.05', right: 'put' }), df.mul(10), '1e-28');
  // vol -> 0: 1e-6 then 1e-9: the price converges on the discounted intrinsic value.
  for (const vol of ['0.000001', '0.000000001']) {
    near(black76Price({ forward: '110', strike: '100', years: '0.5', vol, rate: '0.05', right: 'call' }), df.mul(10), '1e-25', `vol ${vol}`);
    near(black76Price({ forward: '110', strike: '100', years: '0.5', vol, rate: '0.05', right: 'put' }), '0', '1e-25', `vol ${vol}`);
  }
  // T = 0: intrinsic, undiscounted.
  assert.equal(black76Price({ forward: '110', strike: '100', years: '0', vol: '0.3', rate: '0.05', right: 'call' }).toString(), '10');
  // At the money with vol -> 0 the value goes to 0 like sigma sqrt(T) / sqrt(2 pi).
  near(black76Price({ forward: '100', strike: '100', years: '1', vol: '1e-12', rate: '0', right: 'call' }), '0', '1e-10');
});

test('property: put-call parity for futures, c - p = e^{-rT} (F - K), to 1e-15', () => {
  const dec = (min: number, max: number, scale: number) =>
    fc.integer({ min: min * scale, max: max * scale }).map((n) => new D(n).div(scale).toString());
  fc.assert(
    fc.property(
      dec(1, 100_000, 100),
      dec(1, 100_000, 100),
      dec(0, 10, 1000),
      dec(0, 3, 10000),
      dec(-1, 1, 10000),
      (F, K, T, vol, r) => {
        const c = black76Price({ forward: F, strike: K, years: T, vol, rate: r, right: 'call' });
        const p = black76Price({ forward: F, strike: K, years: T, vol, rate: r, right: 'put' });
        const parity = new D(r).mul(T).neg().exp().mul(new D(F).sub(K));
        near(new D(c.toString()).sub(p.toString()), parity, '1e-15', `F=${F} K=${K} T=${T} vol=${vol} r=${r}`);
        // No-arbitrage bounds: 0 <= c <= e^{-rT} F, 0 <= p <= e^{-rT} K.
        assert.ok(!c.isNeg() && !p.isNeg());
      },
    ),
    { numRuns: 300 },
  );
});

test('property: the call rises with F and does not fall with vol; deterministic to the last digit', () => {
  fc.assert(
    fc.property(fc.integer({ min: 50, max: 200 }), fc.integer({ min: 1, max: 100 }), (f, v) => {
      const args = { strike: '100', years: '0.5', rate: '0.03', right: 'call' as const };
      const vol = new D(v).div(100).toString();
      const c1 = black76Price({ ...args, forward: String(f), vol });
      const c2 = black76Price({ ...args, forward: String(f + 1), vol });
      const c3 = black76Price({ ...args, forward: String(f), vol: new D(v + 1).div(100).toString() });
      assert.ok(c2.gt(c1) && c3.gte(c1)); // vega can be below the 30 returned digits deep in the money
      assert.equal(black76Price({ ...args, forward: String(f), vol }).toString(), c1.toString());
    }),
    { numRuns: 50 },
  );
});

test('bad input is refused', () => {
  const ok = { forward: '100', strike: '100', years: '1', vol: '0.2', rate: '0.01', right: 'call' as const };
  assert.throws(() => black76Price({ ...ok, forward: '0' }), /forward/);
  assert.throws(() => black76Price({ ...ok, strike: '-1' }), /strike/);
  assert.throws(() => black76Price({ ...ok, years: '-0.1' }), /years/);
  assert.throws(() => black76Price({ ...ok, vol: '-0.1' }), /vol/);
  assert.throws(() => black76Price({ ...ok, forward: 'abc' }));
  assert.throws(() => black76Price({ ...ok, right: 'straddle' as 'call' }), /right/);
  assert.throws(() => black76Price({ ...ok, forward: 100 as unknown as string }), /decimal string/);
});
