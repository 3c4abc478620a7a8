// The resident book against a fresh full evaluation, after each command of random sequences on a real SQLite
// ledger: price ticks (one mark, and runs of marks at times of their own in one command), cycles, deposits against calls, imports of positions, collateral and prices (in place, and
// ones that open a new holding, which read the book again), liquidation fills, funding paid on a perpetual, futures
// settled at expiry (by lifecycle.run or by a cycle, after the clock jumps past the next expiry), and a write by
// another connection.
// The oracle is the engine's evaluation of the book read anew from the ledger (resident.check), not the resident
// book's own arithmetic. The common path (ticks, cycles, deposits, fills) must keep the book in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { priceOfTicks } from '../main/commands/priceTick.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { readBook, readPositions, readCollateral, readInstruments } from '../main/ledger/bookRepo.ts';
import { formatUnits, parseUnits } from '../shared/units.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { CommandContext } from '../main/commands/context.ts';
import type { MarginCall, LiquidationSummary, LiquidationDetail, CycleSummary } from '../shared/contract.ts';
import type { LifecycleResult } from '../shared/contractLifecycle.ts';

type Step =
  | { kind: 'tick'; inst: number; permille: number }
  | { kind: 'tickRun'; moves: { inst: number; permille: number }[] }
  | { kind: 'cycle' }
  | { kind: 'deposit'; pick: number; share: number }
  | { kind: 'positions'; account: number; slot: number; percent: number }
  | { kind: 'collateral'; account: number; slot: number; percent: number }
  | { kind: 'newHolding'; account: number }
  | { kind: 'priceImport'; inst: number; permille: number }
  | { kind: 'fill'; pick: number }
  | { kind: 'hold'; pick: number }
  | { kind: 'elsewhere'; account: number }
  | { kind: 'funding'; inst: number; ppm: number }
  | { kind: 'expiry'; viaCycle: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('tick' as const), inst: fc.nat(50), permille: fc.integer({ min: -60, max: 30 }) }) },
  // A feed's queue taken at once: several marks, each at a time of its own, in one prices.tick (decided as a run).
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tickRun' as const),
      moves: fc.array(fc.record({ inst: fc.nat(50), permille: fc.integer({ min: -60, max: 30 }) }), { minLength: 2, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'cycle' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('positions' as const), account: fc.nat(), slot: fc.nat(5), percent: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('collateral' as const), account: fc.nat(), slot: fc.nat(3), percent: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('newHolding' as const), account: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('priceImport' as const), inst: fc.nat(50), permille: fc.integer({ min: -40, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fill' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('elsewhere' as const), account: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('funding' as const), inst: fc.nat(10), ppm: fc.integer({ min: -3000, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expiry' as const), viaCycle: fc.boolean() }) },
);

test('after every command of a random sequence, the resident book equals a full evaluation from the ledger', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-resident-'));
  const base = path.join(dir, 'base.db');
  const seed = openLedger(base, { create: true });
  initLedger(seed, { demo: true, accounts: 150, seed: 11 }, new Date(DEMO_AS_OF));
  seed.pragma('wal_checkpoint(TRUNCATE)');
  seed.close();
  let run = 0;
  const inPlaceLoads: string[] = [];
  const ran = new Map<string, number>();
  try {
    fc.assert(
      fc.property(fc.array(step, { minLength: 4, maxLength: 14 }), (steps) => {
        const file = path.join(dir, `r${run++}.db`);
        fs.copyFileSync(base, file);
        const db = openLedger(file);
        const other = openLedger(file);
        try {
          let clock = Date.parse(DEMO_AS_OF);
          const resident = new ResidentBook(db);
          const as = (name: string, role: 'operator' | 'supervisor'): CommandContext => ({ db, actor: { name, role }, now: () => new Date(clock), resident });
          const op = () => as('operator', 'operator');
          dispatch(op(), 'cycle.run', { at: DEMO_AS_OF });
          const book = readBook(db, DEMO_AS_OF).book;
          const instruments = readInstruments(db);
          const accounts = book.accounts.map((a) => a.id);
          const marks = new Map(book.marks);
          const settled = new Set<string>();
          const csv = (kind: 'positions' | 'collateral' | 'prices' | 'funding-rates', text: string) => dispatch(op(), 'import.csv', { kind, file: `${kind}.csv`, text });
          for (const s of steps) {
            const loadsBefore = resident.loads;
            let done: boolean;
            try {
              done = apply(s);
            } catch (e) {
              throw new Error(`${JSON.stringify(s)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
            }
            if (done) after(s, loadsBefore);
          }
          // The journal replays to the same ledger (verify --deep runs its own resident book over the entries), but
          // for a write made outside the command layer, which it rightly reports.
          if (!steps.some((s) => s.kind === 'elsewhere')) {
            const deep = dispatch(op(), 'journal.verifyDeep', {});
            assert.equal(deep.ok, true, deep.message);
          }
          function apply(s: Step): boolean {
            clock += 60_000;
            const now = new Date(clock).toISOString();
            switch (s.kind) {
              case 'tick':
              case 'priceImport': {
                const inst = instruments[s.inst % instruments.length]!;
                const next = (marks.get(inst.id)! * BigInt(1000 + s.permille)) / 1000n;
                if (next <= 0n) return false;
                marks.set(inst.id, next);
                if (s.kind === 'tick') dispatch(op(), 'prices.tick', { marks: [{ instrument: inst.id, price: priceOfTicks(inst.tick, next), time: now }] });
                else csv('prices', `instrument,at,mark\n${inst.id},${now},${priceOfTicks(inst.tick, next)}\n`);
                break;
              }
              case 'tickRun': {
                const run = s.moves.flatMap((m, k) => {
                  const inst = instruments[m.inst % instruments.length]!;
                  const next = (marks.get(inst.id)! * BigInt(1000 + m.permille)) / 1000n;
                  if (next <= 0n) return [];
                  marks.set(inst.id, next);
                  return [{ instrument: inst.id, price: priceOfTicks(inst.tick, next), time: new Date(clock - (s.moves.length - 1 - k) * 10_000).toISOString() }];
                });
                if (run.length === 0) return false;
                dispatch(op(), 'prices.tick', { marks: run });
                break;
              }
              case 'cycle':
                dispatch(op(), 'cycle.run', {});
                break;
              case 'deposit': {
                const open = dispatch(op(), 'calls.list', { status: 'open' }) as MarginCall[];
                if (open.length === 0) return false;
                const c = open[s.pick % open.length]!;
                const cents = (parseUnits(c.amount, 2, 'call amount', 'ceil') * BigInt(s.share)) / 100n;
                if (cents <= 0n) return false;
                dispatch(op(), 'calls.deposit', { id: c.id, amount: formatUnits(cents, 2), confirm: true });
                break;
              }
              case 'positions': {
                const id = accounts[s.account % accounts.length]!;
                const held = readPositions(db, id);
                if (held.length === 0) return false;
                const p = held[s.slot % held.length]!;
                const q = (p.quantity * BigInt(s.percent)) / 100n;
                if (q === 0n) return false; // the import refuses a zero quantity (a closed position is not a row)
                const inst = instruments.find((x) => x.id === p.instrument)!;
                const lot = inst.lot;
                csv('positions', `account,instrument,quantity,entry_value\n${id},${p.instrument},${formatLots(q, lot)},${formatUnits((p.entryValue * BigInt(s.percent)) / 100n, 6)}\n`);
                break;
              }
              case 'collateral': {
                const id = accounts[s.account % accounts.length]!;
                const held = readCollateral(db, id);
                if (held.length === 0) return false;
                const c = held[s.slot % held.length]!;
                const scale = book.assets.find((x) => x.id === c.asset)!.quantityScale;
                csv('collateral', `account,asset,quantity\n${id},${c.asset},${formatUnits((c.quantity * BigInt(s.percent)) / 100n, scale)}\n`);
                break;
              }
              case 'newHolding': {
                // A holding the account did not have: not followed in place, so the book is read again.
                const id = accounts[s.account % accounts.length]!;
                const have = new Set(readCollateral(db, id).map((c) => c.asset));
                const asset = book.assets.find((x) => !have.has(x.id) && book.assetPrices.has(x.id));
                if (!asset) return false;
                csv('collateral', `account,asset,quantity\n${id},${asset.id},${formatUnits(1n, 0)}\n`);
                break;
              }
              case 'fill': {
                const live = dispatch(op(), 'liquidations.list', { live: true }) as LiquidationSummary[];
                const proposed = live.filter((l) => l.status === 'proposed');
                if (proposed.length === 0) return false;
                const l = proposed[s.pick % proposed.length]!;
                const approved = dispatch(as('supervisor', 'supervisor'), 'liquidations.approve', { id: l.id }) as LiquidationDetail;
                if (approved.status !== 'approved') return false;
                for (const o of approved.orders) {
                  if (Number(o.quantity) === 0) continue;
                  dispatch(op(), 'liquidations.fill', { id: l.id, instrument: o.instrument, quantity: o.quantity, simulate: true });
                }
                break;
              }
              case 'hold': {
                // A held proposal is planned again by later cycles (written only when its plan moves), as a replay does.
                const live = dispatch(op(), 'liquidations.list', { live: true }) as LiquidationSummary[];
                const proposed = live.filter((l) => l.status === 'proposed');
                if (proposed.length === 0) return false;
                dispatch(op(), 'liquidations.hold', { id: proposed[s.pick % proposed.length]!.id, reason: 'member is wiring funds' });
                break;
              }
              case 'funding': {
                // A rate for the funding time now, paid at once: every holder's USD moves, in place.
                const perps = instruments.filter((x) => x.kind === 'perpetual');
                const inst = perps[s.inst % perps.length]!;
                const rate = formatUnits(BigInt(s.ppm), 6);
                csv('funding-rates', `instrument,at,rate\n${inst.id},${now},${rate}\n`);
                const r = dispatch(op(), 'lifecycle.run', {}) as LifecycleResult;
                assert.equal(r.funding.length, 1);
                break;
              }
              case 'expiry': {
                // The clock jumps past the next future's expiry; its positions settle and close, in place.
                const next = instruments
                  .filter((x) => x.kind === 'future' && x.expiry !== null && !settled.has(x.id))
                  .sort((a, b) => (a.expiry! < b.expiry! ? -1 : 1))[0];
                if (!next) return false;
                clock = Math.max(clock, Date.parse(next.expiry!) + 60_000);
                const r = s.viaCycle ? (dispatch(op(), 'cycle.run', {}) as CycleSummary).lifecycle : (dispatch(op(), 'lifecycle.run', {}) as LifecycleResult);
                for (const x of r?.settled ?? []) settled.add(x.instrument);
                assert.ok(settled.has(next.id), `${next.id} settled`);
                assert.equal(readPositions(db).filter((p) => settled.has(p.instrument)).length, 0);
                break;
              }
              case 'elsewhere': {
                // Another connection (the CLI beside the console) changes a holding: the resident book must notice.
                const id = accounts[s.account % accounts.length]!;
                other.prepare('UPDATE collateral SET quantity = quantity * 2 WHERE account_id = ?').run(id);
                break;
              }
            }
            return true;
          }
          function after(s: Step, loadsBefore: number): void {
            ran.set(s.kind, (ran.get(s.kind) ?? 0) + 1);
            const check = dispatch(op(), 'resident.check', {});
            assert.equal(check.ok, true, `after ${JSON.stringify(s)}: ${JSON.stringify(check.differences)}`);
            if (['tick', 'tickRun', 'cycle', 'deposit', 'positions', 'collateral', 'fill', 'funding', 'expiry'].includes(s.kind) && resident.loads !== loadsBefore) {
              inPlaceLoads.push(`${s.kind}: ${resident.lastLoadReason}`);
            }
          }
        } finally {
          other.close();
          db.close();
          fs.rmSync(file, { force: true });
          fs.rmSync(`${file}-wal`, { force: true });
          fs.rmSync(`${file}-shm`, { force: true });
        }
      }),
      { numRuns: 20, seed: 20261207, reporter: (d) => {
          // The failing command's own error, not fast-check's summary of it.
          if (d.failed) throw d.errorInstance ?? new Error(`property failed: ${JSON.stringify(d.counterexample)}`);
        } },
    );
    // Ticks, cycles, deposits, fills, funding, settlements and changes of quantities in holdings the account has are
    // followed in place.
    assert.deepEqual(inPlaceLoads, [], 'the common path read the whole book again');
    // Every kind of command ran (each ran a check after it): the sequences reached fills and deposits.
    for (const kind of ['tick', 'tickRun', 'cycle', 'deposit', 'positions', 'collateral', 'newHolding', 'priceImport', 'fill', 'hold', 'elsewhere', 'funding', 'expiry']) {
      assert.ok((ran.get(kind) ?? 0) > 0, `no ${kind} ran: ${JSON.stringify([...ran])}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** q in the ledger's lot units (lots x the instrument's lot size), as a decimal quantity. */
function formatLots(q: bigint, lot: string): string {
  const [whole, frac = ''] = lot.split('.');
  return formatUnits(q * BigInt(whole! + frac), frac.length);
}
