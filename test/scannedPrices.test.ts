// Scanned liquidation and bankruptcy prices of portfolio positions (issue 17; methodology §4, §5) against a
// brute-force oracle written from the methodology: on small random accounts (a portfolio future and options on it,
// at no volatility so Black-76 is the intrinsic value exactly, imported and model-marked, computed and imported
// risk arrays, a short option minimum), every tick from 1 to twice the mark is valued by hand (§2 upnl, §4 arrays,
// scan risk and short option minimum) and the tick nearest the mark where equity <= MM (<= 0) is the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Book } from '../main/engine/model.ts';
import { markByModel } from '../main/engine/optionMarks.ts';
import { scanPrices, scannedPositionViews, scanner, shockedForScan, type ScanHit } from '../main/engine/scannedPrices.ts';
import { shockBook } from '../main/engine/stress.ts';
import { parseUnits } from '../shared/units.ts';
import { pBook, pInstrument } from './support/portfolioBook.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { loadAccount } from '../main/commands/console/accountView.ts';
import type { AccountDetail, WhatIfResult } from '../shared/contract.ts';
import type { FigureTrace } from '../shared/contractExplain.ts';

const EXPIRY = '2026-06-19T00:00:00.000Z';
const MULT = 10n; // every instrument: multiplier 10, lot 1, tick 1 (prices are whole units)
const E6 = 1_000_000n;

interface OOpt {
  id: string;
  right: 'call' | 'put';
  strike: bigint;
  q: bigint;
  /** The imported mark, or null when the model marks it. */
  imported: bigint | null;
  array: bigint[] | null;
  som: bigint;
}
interface Case {
  mark: bigint;
  range: bigint; // micro-USD per contract
  futQ: bigint;
  futEntry: bigint;
  cashCents: bigint;
  options: (OOpt & { entry: bigint })[];
}

// ---- the oracle, from the methodology ----
const MOVES: [bigint, bigint][] = [[0n, 100n], [0n, 100n], [333n, 100n], [333n, 100n], [-333n, 100n], [-333n, 100n], [667n, 100n], [667n, 100n], [-667n, 100n], [-667n, 100n], [1000n, 100n], [1000n, 100n], [-1000n, 100n], [-1000n, 100n], [2000n, 35n], [-2000n, 35n]];
const floorDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? n / d : -((-n + d - 1n) / d));
/** Intrinsic value (Black-76 at no volatility, r = 0), a forward at or below 0 taken at its limit. */
const intrinsic = (right: 'call' | 'put', k: bigint, f: bigint): bigint => {
  const fp = f > 0n ? f : 0n;
  return right === 'call' ? (fp > k ? fp - k : 0n) : k > fp ? k - fp : 0n;
};

/** Equity and MM (micro-USD) with the future at P, per §2 and §4. */
function oracleAt(c: Case, P: bigint): { equity: bigint; mm: bigint } {
  let equity = (c.cashCents * E6) / 100n + c.futQ * (P - c.futEntry) * MULT * E6;
  const sums = new Array<bigint>(16).fill(0n);
  // A future's array: the scenario's share of the scan range, weighted, rounded toward minus infinity (§4).
  MOVES.forEach(([m, w], s) => (sums[s]! += c.futQ * floorDiv(c.range * m * w, 1000n * 100n)));
  let som = 0n;
  // The scan range in price: range per contract / multiplier, in micro-units of price (exact: range is whole micro-USD).
  for (const o of c.options) {
    const modelNow = intrinsic(o.right, o.strike, P);
    const mark = o.imported === null ? modelNow : o.imported + modelNow - intrinsic(o.right, o.strike, c.mark);
    const m = mark < 0n ? 0n : mark;
    equity += o.q * (m - o.entry) * MULT * E6;
    MOVES.forEach(([mv, w], s) => {
      // F' = P + (range / (MULT * 1e6)) * mv / 1000, kept exact by scaling everything by MULT * 1e6 * 1000.
      const scale = MULT * E6 * 1000n;
      const fScaled = P * scale + c.range * mv;
      const k = o.strike * scale;
      const moved = fScaled > 0n ? (o.right === 'call' ? (fScaled > k ? fScaled - k : 0n) : k > fScaled ? k - fScaled : 0n) : o.right === 'call' ? 0n : k;
      const pnlScaled = moved - modelNow * scale; // price units x scale
      const v = o.array ? o.array[s]! : floorDiv(pnlScaled * MULT * E6 * w, scale * 100n);
      sums[s]! += o.q * v;
    });
    if (o.q < 0n) som += -o.q * o.som;
  }
  let loss = 0n;
  for (const v of sums) if (-v > loss) loss = -v;
  return { equity, mm: loss > som ? loss : som };
}

function bruteForce(c: Case, reached: (f: { equity: bigint; mm: bigint }) => boolean): ScanHit {
  if (reached(oracleAt(c, c.mark))) return 'now';
  for (let d = 1n; c.mark - d >= 1n || c.mark + d <= 2n * c.mark; d++) {
    if (c.mark - d >= 1n && reached(oracleAt(c, c.mark - d))) return { ticks: c.mark - d, side: 'down' };
    if (c.mark + d <= 2n * c.mark && reached(oracleAt(c, c.mark + d))) return { ticks: c.mark + d, side: 'up' };
  }
  return null;
}

// ---- the engine's book of a case ----
function bookOf(c: Case): Book {
  const fut = pInstrument({ id: 'F', underlying: 'X', multiplier: '10', tick: '1', scanRange: c.range, expiry: EXPIRY });
  const opts = c.options.map((o) =>
    pInstrument({
      id: o.id,
      underlying: 'X',
      multiplier: '10',
      tick: '1',
      expiry: EXPIRY,
      ...(o.array ? { riskArray: o.array } : {}),
      option: { right: o.right, strike: o.strike, underlyingInstrument: 'F', shortOptionMinimum: o.som },
    }),
  );
  const marks: Record<string, bigint> = { F: c.mark };
  for (const o of c.options) if (o.imported !== null) marks[o.id] = o.imported;
  const b = pBook({
    instruments: [fut, ...opts],
    marks,
    positions: [
      ...(c.futQ === 0n ? [] : [{ instrument: 'F', quantity: c.futQ, entryValue: c.futQ * c.futEntry * MULT * E6 }]),
      ...c.options.map((o) => ({ instrument: o.id, quantity: o.q, entryValue: o.q * o.entry * MULT * E6 })),
    ],
    cash: c.cashCents,
    vols: { F: 0n },
    asOf: '2026-03-12T00:00:00.000Z',
  });
  const failed = markByModel(b, c.options.filter((o) => o.imported === null).map((o) => o.id));
  assert.equal(failed.size, 0);
  return b;
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function randomCase(r: (n: number) => number, bigMark: boolean): Case {
  const mark = BigInt(bigMark ? 300 + r(1700) : 20 + r(180));
  const range = (mark * MULT * E6 * BigInt(3 + r(15))) / 100n; // 3%..17% of the contract's value
  const options: Case['options'] = [];
  const n = r(4);
  for (let i = 0; i < n; i++) {
    const strike = (mark * BigInt(70 + r(61))) / 100n;
    const right = r(2) === 0 ? 'call' : 'put';
    const imported = r(3) === 0 ? intrinsic(right, strike, mark) + BigInt(r(Number(mark) / 10 + 1)) : null;
    const array = r(4) === 0 ? Array.from({ length: 16 }, () => BigInt(r(2_000_001) - 1_000_000) * MULT) : null;
    options.push({ id: `O${i}`, right, strike, q: BigInt(r(2) === 0 ? -(1 + r(5)) : 1 + r(5)), imported, array, som: BigInt(r(3)) * 5n * E6, entry: BigInt(r(Number(mark) / 5 + 1)) });
  }
  const futQ = BigInt(r(11) - 5) || (options.length === 0 ? 1n : 0n);
  const scale = mark * MULT;
  return { mark, range, futQ, futEntry: (mark * BigInt(90 + r(21))) / 100n, cashCents: BigInt(r(Number(scale) * 2) - Number(scale) / 2) * 100n, options };
}

const show = (h: ScanHit) => (h === null || h === 'now' ? String(h) : `${h.side} ${h.ticks}`);

for (const [label, big, count, seed] of [['marks of 20 to 200 ticks (steps of 1 to 7 ticks)', false, 150, 17], ['marks of 300 to 2000 ticks (steps of 10 to 63 ticks)', true, 60, 29]] as const) {
  test(`scanned liquidation and bankruptcy prices agree with a brute-force scan of every tick: ${label}`, () => {
    const r = rng(seed);
    let withPrice = 0;
    for (let i = 0; i < count; i++) {
      const c = randomCase(r, big);
      const engine = scanPrices(bookOf(c), 'A1', 'F')!;
      const liq = bruteForce(c, (f) => f.equity <= f.mm);
      const bank = bruteForce(c, (f) => f.equity <= 0n);
      const what = `case ${i}: ${JSON.stringify(c, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
      assert.equal(show(engine.liquidation), show(liq), `liquidation, ${what}`);
      assert.equal(show(engine.bankruptcy), show(bank), `bankruptcy, ${what}`);
      if (liq !== null && liq !== 'now') withPrice++;
    }
    // The random accounts are not all already there or all safe: most have a price to find.
    assert.ok(withPrice > count / 3, `only ${withPrice} of ${count} cases had a liquidation price`);
  });
}

test('the scan starts from the account as it stands: at the mark, the engine\'s own figures', () => {
  const c: Case = { mark: 100n, range: 100n * MULT * E6 / 10n, futQ: 2n, futEntry: 100n, cashCents: 50_000n, options: [] };
  const e = scanPrices(bookOf(c), 'A1', 'F')!;
  // Long 2 futures, MM = the scan range of 2 contracts = 200 USD, cash 500: equity falls to 200 after a fall of 15.
  assert.deepEqual(e.liquidation, { ticks: 85n, side: 'down' });
  assert.deepEqual(e.bankruptcy, { ticks: 75n, side: 'down' });
});

/** A demo ledger after a cycle, and its first options-desk accounts (holding portfolio options). */
function optionsDesk(prefix: string) {
  const db = demoLedgers(prefix, 20)();
  const ctx = { db, actor: { name: 'operator', role: 'operator' as const }, now: () => new Date(DEMO_AS_OF) };
  dispatch(ctx, 'cycle.run', { at: DEMO_AS_OF });
  const ids = db.prepare("SELECT DISTINCT p.account_id FROM positions p JOIN instruments i ON i.id = p.instrument_id WHERE i.margin = 'portfolio' AND i.kind = 'option' ORDER BY 1 LIMIT 4").pluck().all() as string[];
  return { db, ctx, ids };
}

test('the account detail and the explain trace show a portfolio position\'s scanned prices (the demo\'s options desk)', () => {
  const { db, ctx, ids } = optionsDesk('riskdesk-scan-');
  let priced = 0;
  for (const id of ids) {
    const d = dispatch(ctx, 'accounts.detail', { id }) as AccountDetail;
    const s = loadAccount(db, id, ctx.now);
    for (const p of d.positions) {
      const x = s.instruments.get(p.instrument)!;
      if (x.margin !== 'portfolio') continue;
      const u = x.kind === 'option' ? x.option!.underlyingInstrument! : x.id;
      const tick = s.instruments.get(u)!.tick;
      const engine = scanPrices(s.book, id, u)!;
      const trace = dispatch(ctx, 'explain.figure', { account: id, figure: 'liquidationPrice', instrument: p.instrument }) as FigureTrace;
      assert.equal(trace.value, p.liquidationPrice, `${id} ${p.instrument}: the trace reaches the detail's figure`);
      const bp = dispatch(ctx, 'explain.figure', { account: id, figure: 'bankruptcyPrice', instrument: p.instrument }) as FigureTrace;
      assert.equal(bp.value, p.bankruptcyPrice);
      if (engine.liquidation === null || engine.liquidation === 'now') continue;
      priced++;
      const hit = engine.liquidation;
      assert.equal(p.liquidation.state, 'price');
      // Shown toward the side that triggers sooner: the last tick still at or above MM, one before the reported one.
      const last = hit.side === 'down' ? hit.ticks + 1n : hit.ticks - 1n;
      assert.equal(Number(p.liquidation.price), Number(last) * Number(tick));
      assert.equal(Number(p.liquidationPrice), Number(hit.ticks) * Number(tick));
      assert.match(p.liquidation.text, new RegExp(`^If ${u} (falls|rises) past`));
      // The trace shows the account on both sides of it, re-scanned there.
      assert.ok(trace.steps.some((st) => st.label === 'the first tick there'));
    }
  }
  assert.ok(priced > 0, 'some options-desk position has a scanned liquidation price');
});

test('an option on the scanned instrument that cannot be priced away from its mark: not scanned, saying why (never held still)', () => {
  const fut = pInstrument({ id: 'F', underlying: 'X', multiplier: '10', tick: '1', scanRange: 100n * E6, expiry: EXPIRY });
  const opt = pInstrument({ id: 'O', underlying: 'X', multiplier: '10', tick: '1', expiry: EXPIRY, riskArray: new Array<bigint>(16).fill(0n), option: { right: 'call', strike: 100n, underlyingInstrument: 'F' } });
  const b = pBook({ instruments: [fut, opt], marks: { F: 100n, O: 5n }, positions: [{ instrument: 'F', quantity: 1n }, { instrument: 'O', quantity: -2n }], cash: 100_000n });
  const view = scannedPositionViews(b, 'A1')(b.positions[1]!)!;
  assert.equal(view.liquidation.state, 'none');
  assert.match(view.liquidation.text, /^Not scanned: O \(it has a price, but its move with F needs Black-76\): no implied volatility/);
  assert.equal(view.liquidationPrice, null);
});

// ---- under a what-if shock (accounts.whatif): scanned from the shocked prices ----
/** A price moved by num / 10000, rounded half-even to the tick (the stress tests' rule, methodology §8). */
function shockedTicks(t: bigint, num: bigint): bigint {
  const n = t * (10_000n + num);
  const q = n / 10_000n;
  const r = n % 10_000n;
  return r * 2n > 10_000n || (r * 2n === 10_000n && q % 2n === 1n) ? q + 1n : q;
}

test('under a shock, the scanned prices agree with a brute-force scan from the shocked prices (option marks held as they were shocked)', () => {
  const r = rng(41);
  let withPrice = 0;
  const count = 80;
  for (let i = 0; i < count; i++) {
    const c = randomCase(r, i % 4 === 0);
    const num = BigInt(r(6001) - 3000); // -30% .. +30%
    // The shocked account, by hand: every mark on X moved, a model mark too (it is the intrinsic value at no
    // volatility), and each option then held at its shocked mark, moving from there with the model.
    const shocked: Case = {
      ...c,
      mark: shockedTicks(c.mark, num),
      options: c.options.map((o) => ({ ...o, imported: shockedTicks(o.imported ?? intrinsic(o.right, o.strike, c.mark), num) })),
    };
    const b = bookOf(c);
    const engine = scanPrices(shockedForScan(b, shockBook(b, new Map([['X', { num, den: 10_000n }]]))), 'A1', 'F')!;
    const what = `case ${i}, shock ${num}/10000: ${JSON.stringify(c, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
    const liq = bruteForce(shocked, (f) => f.equity <= f.mm);
    assert.equal(show(engine.liquidation), show(liq), `liquidation, ${what}`);
    assert.equal(show(engine.bankruptcy), show(bruteForce(shocked, (f) => f.equity <= 0n)), `bankruptcy, ${what}`);
    if (liq !== null && liq !== 'now') withPrice++;
  }
  assert.ok(withPrice > count / 3, `only ${withPrice} of ${count} cases had a liquidation price`);
});

test('accounts.whatif gives a portfolio position its scanned prices under the shock, starting from the shocked account', () => {
  const { db, ctx, ids } = optionsDesk('riskdesk-scanshock-');
  assert.ok(ids.length > 0);
  let shockedRows = 0;
  let differ = 0;
  for (const id of ids) {
    const s = loadAccount(db, id, ctx.now);
    const d = dispatch(ctx, 'accounts.detail', { id }) as AccountDetail;
    const held = [...new Set(d.positions.map((p) => s.instruments.get(p.instrument)!).filter((x) => x.margin === 'portfolio').map((x) => x.underlying))];
    const shocks = Object.fromEntries(held.map((u) => [u, '-0.04']));
    const w = dispatch(ctx, 'accounts.whatif', { id, shocks }) as WhatIfResult;
    // No shock: the detail itself (its model marks scanned as the model's).
    assert.deepEqual((dispatch(ctx, 'accounts.whatif', { id, shocks: Object.fromEntries(held.map((u) => [u, '0'])) }) as WhatIfResult).positions, d.positions);
    const prices = shockBook(s.book, new Map(held.map((u) => [u, { num: -4n, den: 100n }])));
    for (const [k, p] of w.positions.entries()) {
      const x = s.instruments.get(p.instrument)!;
      if (x.margin !== 'portfolio') continue;
      shockedRows++;
      assert.match(p.liquidation.text, /^Under the shock, /, `${id} ${p.instrument}`);
      const u = x.kind === 'option' ? x.option!.underlyingInstrument! : x.id;
      const book = shockedForScan(s.book, prices);
      // At the shocked mark the scan sees the what-if's own figures (an account with no isolated unit).
      const at = scanner(book, id, u).at(prices.marks.get(u)!);
      if (w.figures.units.length === 0) assert.deepEqual([at.equity, at.mm], [parseUnits(w.figures.equity, 6, 'equity'), parseUnits(w.figures.mm, 6, 'mm')], `${id} ${p.instrument}`);
      const engine = scanPrices(book, id, u)!;
      const hit = engine.liquidation;
      if (hit === null || hit === 'now') assert.equal(p.liquidationPrice, null);
      else assert.equal(Number(p.liquidationPrice), Number(hit.ticks) * Number(s.instruments.get(u)!.tick));
      if (p.liquidationPrice !== d.positions[k]!.liquidationPrice) differ++;
    }
  }
  assert.ok(shockedRows > 0);
  assert.ok(differ > 0, 'a 4% shock moves some scanned price');
});
