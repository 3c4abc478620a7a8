// Random books of portfolio-margined futures and options on up to three underlyings, with spreads between them
// and accounts from broke to rich, and the check that the engine agrees with the oracle on one: the portfolio
// differential tests (portfolio.property.test.ts).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Book, Instrument, SpreadDefinition } from '../../main/engine/model.ts';
import { evaluateAccounts } from '../../main/engine/evaluate.ts';
import { oracleCommodities } from './portfolioOracle.ts';
import { pBook, pInstrument } from './portfolioBook.ts';

const UNDERLYINGS = ['AA', 'BB', 'CC'];

const arbUnderlying = (u: string) =>
  fc.record({
    multiplier: fc.constantFrom('1', '10', '50', '0.5'),
    lot: fc.constantFrom('1', '0.1', '0.01'),
    mark: fc.bigInt({ min: 1_000n, max: 10_000_000n }), // ticks of 0.01
    scanRange: fc.bigInt({ min: 1n, max: 5_000_000_000n }),
    vol: fc.bigInt({ min: 50_000n, max: 900_000n }),
    imported: fc.option(fc.array(fc.bigInt({ min: -9_000_000_000n, max: 9_000_000_000n }), { minLength: 16, maxLength: 16 }), { freq: 5 }),
    options: fc.array(
      fc.record({
        right: fc.constantFrom('call' as const, 'put' as const),
        strikePct: fc.integer({ min: 50, max: 150 }),
        days: fc.integer({ min: 0, max: 400 }),
        volShift: fc.bigInt({ min: 0n, max: 100_000n }),
        ownRange: fc.option(fc.bigInt({ min: 1n, max: 2_000_000_000n }), { freq: 3 }),
        ownVol: fc.option(fc.bigInt({ min: 50_000n, max: 900_000n }), { freq: 2 }),
        som: fc.bigInt({ min: 0n, max: 50_000_000n }),
        rate: fc.constantFrom('0', '0.03', '0.05'),
        imported: fc.option(fc.array(fc.bigInt({ min: -900_000_000n, max: 900_000_000n }), { minLength: 16, maxLength: 16 }), { freq: 6 }),
      }),
      { maxLength: 3 },
    ),
    imMultiplier: fc.bigInt({ min: 1_000_000n, max: 1_500_000n }),
  }).map((g) => ({ u, ...g }));

export const arbBook: fc.Arbitrary<Book> = fc
  .tuple(
    fc.subarray(UNDERLYINGS, { minLength: 1 }).chain((us) => fc.tuple(...us.map(arbUnderlying))),
    fc.array(
      fc.record({
        legs: fc.subarray(UNDERLYINGS, { minLength: 2 }),
        ratios: fc.array(fc.constantFrom('1', '2', '0.5', '3'), { minLength: 3, maxLength: 3 }),
        rate: fc.bigInt({ min: 0n, max: 1_000_000n }),
        priority: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 3 },
    ),
    fc.array(fc.array(fc.bigInt({ min: -400n, max: 400n }), { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 3 }),
    // Cash (cents) from nothing to plenty, so that accounts land in every status.
    fc.bigInt({ min: 0n, max: 2_000_000_000n }),
  )
  .map(([unders, spreadDraws, qtys, cash]): Book => {
    const instruments: Instrument[] = [];
    const marks: Record<string, bigint> = {};
    const vols: Record<string, bigint> = {};
    for (const g of unders) {
      const fut = `${g.u}-F`;
      instruments.push(pInstrument({ id: fut, underlying: g.u, multiplier: g.multiplier, lot: g.lot, scanRange: g.scanRange, imMultiplier: g.imMultiplier, ...(g.imported ? { riskArray: g.imported } : {}) }));
      marks[fut] = g.mark;
      vols[fut] = g.vol;
      g.options.forEach((o, k) => {
        const id = `${g.u}-O${k}`;
        const expiry = new Date(Date.parse('2026-01-01T00:00:00.000Z') + o.days * 86_400_000).toISOString();
        instruments.push(
          pInstrument({
            id,
            underlying: g.u,
            multiplier: g.multiplier,
            lot: g.lot,
            scanRange: o.ownRange,
            volShift: o.volShift,
            imMultiplier: g.imMultiplier,
            expiry,
            ...(o.imported ? { riskArray: o.imported } : {}),
            option: { right: o.right, strike: (g.mark * BigInt(o.strikePct)) / 100n + 1n, underlyingInstrument: fut, shortOptionMinimum: o.som, rate: o.rate },
          }),
        );
        marks[id] = 100n;
        if (o.ownVol !== null) vols[id] = o.ownVol;
      });
    }
    const present = new Set(unders.map((g) => g.u));
    const spreads: SpreadDefinition[] = spreadDraws
      .filter((s) => s.legs.every((u) => present.has(u)))
      .map((s, i) => ({ id: `S${i}`, legs: s.legs.map((u, j) => ({ underlying: u, ratio: s.ratios[j]! })), rate: s.rate, priority: s.priority }));
    const positions = qtys.flatMap((row, a) =>
      instruments.map((x, k) => ({ account: `A${a}`, instrument: x.id, quantity: row[k % row.length]! })).filter((p) => p.quantity !== 0n),
    );
    if (positions.length === 0) positions.push({ account: 'A0', instrument: instruments[0]!.id, quantity: 1n });
    return pBook({ instruments, marks, vols, positions, spreads, cash });
  });

/** Every account's combined commodities, from evaluateAccounts, equal the oracle's to the micro-USD. */
export function assertOracleAgrees(book: Book): void {
  const want = oracleCommodities(book);
  for (const r of evaluateAccounts(book)) {
    const got = (r.commodities ?? []).map((c) => ({
      underlying: c.underlying,
      scenarios: c.scenarios.map(String),
      worst: c.worst,
      scanRisk: String(c.scanRisk),
      shortOptionMinimum: String(c.shortOptionMinimum),
      credits: String(c.credits),
      mm: String(c.mm),
      im: String(c.im),
    }));
    assert.deepEqual(got, want.get(r.id) ?? []);
    const sumMm = (r.commodities ?? []).reduce((s, c) => s + c.mm, 0n);
    assert.equal(r.mm, sumMm, 'an all-portfolio account\'s MM is the sum of its commodities\'');
  }
}
