// The wasm kernel against the BigInt path (exactAccount) and the float kernel: every account it does not flag has
// exactly exactAccount's figures, to the unit (per account and per position), on random books, on huge books and
// on books built around the kernel's range limits; on two threads it gives the one-thread figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Account, Asset, Book, Collateral, Instrument, Position } from '../model.ts';
import { DEFAULT_POLICY } from '../model.ts';
import { compileBook, priceColumns } from '../columns.ts';
import { allocOut, revalue, STATUS_CODES, NO_CALL } from '../kernel.ts';
import { exactContext } from '../exactAccount.ts';
import { exactForIndex } from '../evaluate.ts';
import type { AccountResult } from '../results.ts';
import { UnitError } from '../../../shared/units.ts';
import { arbBook, arbBrackets, arbTiers } from '../../../test/support/randomBook.ts';
import { generateDemoBook, bookAtLastMark } from '../../demo/generate.ts';
import { WasmKernel } from './loader.ts';
import { WasmParallelRevaluer } from './parallel.ts';

const MAX = 2n ** 53n - 1n;

function describeBook(b: Book): string {
  return JSON.stringify(
    { ...b, marks: Object.fromEntries(b.marks), assetPrices: Object.fromEntries(b.assetPrices) },
    (_k, v) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}

/**
 * Runs the wasm kernel (with per-position outputs) and checks each account it did not flag against exactAccount
 * and, where the float kernel did not flag it either, against the float kernel. Returns how many it flagged.
 */
function agree(book: Book): { accounts: number; flagged: number; floatFlagged: number; nearLimit: number } {
  const cols = compileBook(book);
  const px = priceColumns(cols, book.marks, book.assetPrices);
  const out = WasmKernel.create(cols, { withPositions: true }).run(px);
  const js = allocOut(cols.nAccounts, book.positions.length);
  revalue(cols, px, js);
  const ctx = exactContext(book);
  let flagged = 0;
  let floatFlagged = 0;
  let nearLimit = 0;
  for (let a = 0; a < cols.nAccounts; a++) {
    if (js.exact[a]) floatFlagged++;
    if (out.exact[a]) {
      flagged++;
      continue;
    }
    let ex: AccountResult;
    try {
      ex = exactForIndex(cols, ctx, a);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      assert.fail(`account ${a}: the kernel gave figures where the exact ones leave int64 (${(e as Error).message})`);
    }
    const what = `account ${a}`;
    const big = (v: bigint) => (v < 0n ? -v : v) >= 2n ** 52n;
    if (big(ex.collateralValue) || big(ex.equity) || big(ex.mm) || big(ex.im) || ex.positions.some((r) => big(r.notional) || big(r.upnl))) {
      nearLimit++;
    }
    assert.equal(BigInt(out.collateral[a]!), ex.collateralValue, `${what} collateral`);
    assert.equal(BigInt(out.equity[a]!), ex.equity, `${what} equity`);
    assert.equal(BigInt(out.mm[a]!), ex.mm, `${what} mm`);
    assert.equal(BigInt(out.im[a]!), ex.im, `${what} im`);
    assert.equal(STATUS_CODES[out.status[a]!], ex.status, `${what} status`);
    assert.equal(out.call[a] === NO_CALL ? null : BigInt(out.call[a]!), ex.callAmount, `${what} call`);
    const po = out.positions!;
    for (let p = cols.posStart[a]!, k = 0; p < cols.posStart[a + 1]!; p++, k++) {
      const r = ex.positions[k]!;
      assert.equal(BigInt(po.notional[p]!), r.notional, `${what} position ${k} notional`);
      assert.equal(BigInt(po.upnl[p]!), r.upnl, `${what} position ${k} upnl`);
      assert.equal(BigInt(po.mm[p]!), r.mm, `${what} position ${k} mm`);
      assert.equal(BigInt(po.im[p]!), r.im, `${what} position ${k} im`);
    }
    if (!js.exact[a]) {
      for (const k of ['collateral', 'equity', 'mm', 'im', 'call', 'status'] as const) {
        assert.equal(out[k][a], js[k][a], `${what} ${k}: wasm and float kernels differ`);
      }
    }
  }
  return { accounts: cols.nAccounts, flagged, floatFlagged, nearLimit };
}

const seen = { accounts: 0, flagged: 0, floatFlagged: 0, nearLimit: 0 };

function property(book: Book): void {
  try {
    const r = agree(book);
    for (const k of Object.keys(seen) as (keyof typeof seen)[]) seen[k] += r[k];
  } catch (e) {
    (e as Error).message += `\nbook: ${describeBook(book)}`;
    throw e;
  }
}

test('wasm kernel: unflagged accounts equal exactAccount and the float kernel on random books', () => {
  fc.assert(fc.property(arbBook(), property), { numRuns: 300 });
});

test('wasm kernel: the same on huge books (results beyond 2^53, inside int64)', () => {
  fc.assert(fc.property(arbBook({ huge: true }), property), { numRuns: 150 });
});

// Books built around the kernel's limits: notional at 2^53 - 1 +- a few units, units around the branch-free
// tier-1 bound (2^43), entry values and isolated margins up to +-2^53, collateral whose gross is at 2^53 - 1 +- a
// few units or whose quantity x price is around 2^62, haircut brackets with floors up to 2^52.
const USD: Asset = { id: 'USD', quantityScale: 6, priceScale: 0, haircuts: [{ floor: 0n, rate: 0n }], liquidityClass: 'cash' };

const arbEdgeInstrument = fc.record({
  K: fc.oneof(fc.constantFrom(1n, 100n, 500n, 5_000_000n), fc.bigInt({ min: 1n, max: 10n ** 9n })),
  mark: fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: 10n ** 12n })),
  tiers: fc.oneof(arbTiers(2n ** 45n), arbTiers(2n ** 51n)),
});

const arbEdgePosition = fc.record({
  inst: fc.nat({ max: 1 }),
  qMode: fc.constantFrom('limit', 'fast', 'random', 'small'),
  delta: fc.bigInt({ min: -3n, max: 3n }),
  u: fc.bigInt({ min: 0n, max: MAX }),
  short: fc.boolean(),
  entryMode: fc.constantFrom('atMark', 'random', 'edge'),
  entry: fc.bigInt({ min: -MAX, max: MAX }),
  iso: fc.oneof(fc.bigInt({ min: -1000n, max: 10n ** 9n }), fc.bigInt({ min: -MAX, max: MAX })),
});

const arbEdgeAsset = fc.record({
  quantityScale: fc.integer({ min: 0, max: 8 }),
  priceScale: fc.integer({ min: 0, max: 8 }),
  price: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 10n ** 14n })),
  haircuts: arbBrackets(2n ** 52n),
});

const arbEdgeCollateral = fc.record({
  asset: fc.nat({ max: 2 }),
  mode: fc.constantFrom('grossLimit', 'product62', 'random'),
  delta: fc.bigInt({ min: -3n, max: 3n }),
  u: fc.bigInt({ min: 0n, max: MAX }),
  negative: fc.boolean(),
});

const arbEdgeBook: fc.Arbitrary<Book> = fc
  .record({
    instruments: fc.tuple(arbEdgeInstrument, arbEdgeInstrument),
    assets: fc.tuple(arbEdgeAsset, arbEdgeAsset),
    accounts: fc.array(
      fc.record({
        isolated: fc.boolean(),
        positions: fc.array(arbEdgePosition, { minLength: 0, maxLength: 2 }),
        collateral: fc.array(arbEdgeCollateral, { minLength: 0, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    liquidationHealth: fc.bigInt({ min: 0n, max: 2_000_000n }),
    callTrigger: fc.constantFrom('maintenance' as const, 'initial' as const),
    amountScale: fc.integer({ min: 0, max: 6 }),
  })
  .map((s) => {
    const instruments: Instrument[] = s.instruments.map((x, i) => ({
      id: `I${i}`,
      kind: 'perpetual',
      underlying: 'U',
      multiplier: '1',
      lot: '1',
      tick: '1',
      lotTickValue: x.K,
      lotTickScale: 0,
      margin: 'tiered',
      tiers: x.tiers,
      slippage: 0n,
      expiry: null,
      option: null,
      priceBand: null,
    }));
    const marks = new Map(s.instruments.map((x, i) => [`I${i}`, x.mark]));
    const assets: Asset[] = [
      USD,
      ...s.assets.map((x, i) => ({ id: `X${i}`, quantityScale: x.quantityScale, priceScale: x.priceScale, haircuts: x.haircuts, liquidityClass: 'other' })),
    ];
    const assetPrices = new Map<string, bigint>([['USD', 1n], ...s.assets.map((x, i) => [`X${i}`, x.price] as [string, bigint])]);
    const accounts: Account[] = [];
    const positions: Position[] = [];
    const collateral: Collateral[] = [];
    s.accounts.forEach((a, ai) => {
      const id = `A${ai}`;
      accounts.push({ id, member: 'M', kind: 'client', mode: a.isolated ? 'isolated' : 'cross' });
      const used = new Set<number>();
      for (const p of a.positions) {
        if (used.has(p.inst)) continue;
        used.add(p.inst);
        const { K, mark } = s.instruments[p.inst]!;
        let q: bigint;
        if (p.qMode === 'limit') q = MAX / (mark * K) + p.delta;
        else if (p.qMode === 'fast') q = 2n ** 43n / mark + p.delta;
        else if (p.qMode === 'random') q = p.u / (mark * K) + 1n;
        else q = (p.u % 1000n) + 1n;
        if (q < 0n) q = -q;
        if (p.short) q = -q;
        const value = q * mark * K;
        const entry = p.entryMode === 'atMark' ? value : p.entryMode === 'edge' ? value - MAX + (p.u % 5n) : p.entry;
        const e = entry > MAX ? MAX : entry < -MAX ? -MAX : entry;
        positions.push({ account: id, instrument: `I${p.inst}`, quantity: q, entryValue: e, isolatedMargin: a.isolated ? p.iso : null });
      }
      const usedA = new Set<number>();
      for (const c of a.collateral) {
        if (usedA.has(c.asset)) continue;
        usedA.add(c.asset);
        const asset = assets[c.asset]!;
        const price = assetPrices.get(asset.id)!;
        const den = 10n ** BigInt(asset.quantityScale + asset.priceScale);
        // gross = floor(quantity x price x 1e6 / den): pick the quantity from the gross (or product) wanted.
        let quantity: bigint;
        if (c.mode === 'grossLimit') quantity = ((MAX + c.delta) * den) / (price * 1_000_000n) + c.delta;
        else if (c.mode === 'product62') {
          const mul = asset.quantityScale + asset.priceScale <= 6 ? 10n ** BigInt(6 - asset.quantityScale - asset.priceScale) : 1n;
          quantity = 2n ** 62n / (price * mul) + c.delta;
        } else quantity = (c.u * den) / (price * 1_000_000n);
        if (quantity < 0n) quantity = -quantity;
        collateral.push({ account: id, asset: asset.id, quantity: c.negative ? -quantity : quantity });
      }
    });
    return {
      policy: { ...DEFAULT_POLICY, liquidationHealth: s.liquidationHealth, callTrigger: s.callTrigger, amountScale: s.amountScale },
      instruments,
      assets,
      accounts,
      positions,
      collateral,
      marks,
      assetPrices,
    };
  });

test('wasm kernel: the same on books built around its range limits', () => {
  for (const k of Object.keys(seen) as (keyof typeof seen)[]) seen[k] = 0;
  fc.assert(fc.property(arbEdgeBook, property), { numRuns: 1000 });
  // The books do reach the limits: many accounts are flagged, and many within 2x of 2^53 are computed.
  assert.ok(seen.flagged > seen.accounts / 10, `flagged ${seen.flagged} of ${seen.accounts}`);
  assert.ok(seen.nearLimit > seen.accounts / 20, `computed near the limit ${seen.nearLimit} of ${seen.accounts}`);
  console.log(`edge books: ${seen.accounts} accounts, wasm flagged ${seen.flagged}, float kernel flagged ${seen.floatFlagged}, computed with a figure >= 2^52: ${seen.nearLimit}`);
});

test('wasm kernel: the demo book takes no BigInt path, and two threads give the one-thread figures', async () => {
  const book = bookAtLastMark(generateDemoBook({ accounts: 3000, seed: 11, asOf: '2026-03-12T21:00:00.000Z', dataDir: null }));
  const { flagged } = agree(book);
  assert.equal(flagged, 0);
  const cols = compileBook(book);
  const px = priceColumns(cols, book.marks, book.assetPrices);
  const one = WasmKernel.create(cols);
  const both = await WasmParallelRevaluer.start(cols, px);
  try {
    for (const shock of [1, 0.8, 1.15]) {
      for (let i = 0; i < px.inst.length; i++) both.px.inst[i] = Math.round(px.inst[i]! * shock);
      const single = allocOut(cols.nAccounts);
      revalue(cols, both.px, single);
      const w1 = one.run(both.px);
      const w2 = both.run();
      for (const k of ['collateral', 'equity', 'mm', 'im', 'call', 'status', 'exact'] as const) {
        assert.deepEqual(Array.from(w2[k]), Array.from(w1[k]), `${k} at shock ${shock}: two threads differ from one`);
        assert.deepEqual(Array.from(w1[k]), Array.from(single[k]), `${k} at shock ${shock}: wasm differs from the float kernel`);
      }
      assert.ok(single.status.some((s) => s >= 2), 'the book has accounts in trouble, so the comparison means something');
    }
  } finally {
    await both.close();
  }
});
