// A cycle stores a chunk of results whole or as its changes against the latest whole chunk of its index (migration
// step 19, ledger/cycleResults.ts). Whatever the form, what is read back is the figures the engine gives for the
// book as of the cycle's time (the oracle: a fresh evaluation of the book read from the ledger, not the codec), the
// console and the CLI store the same rows, and the schema refuses a changes row that could not be read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { priceOfTicks } from '../main/commands/priceTick.ts';
import { readCycleBook } from '../main/ledger/bookRepo.ts';
import { readCycleResults, accountHistory, CHUNK } from '../main/ledger/cycleResults.ts';
import { evaluateBook, figuresOf } from '../main/engine/evaluate.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { CommandContext } from '../main/commands/context.ts';
import type { CycleSummary } from '../shared/contract.ts';

const ACCOUNTS = 2 * CHUNK + 300; // three chunks, the last one short

function ledgerPair(t: { after(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-result-changes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = openLedger(path.join(dir, 'console.db'), { create: true });
  initLedger(first, { demo: true, accounts: ACCOUNTS, seed: 5 }, new Date(DEMO_AS_OF));
  first.close();
  fs.copyFileSync(path.join(dir, 'console.db'), path.join(dir, 'cli.db'));
  const open = (name: string) => openLedger(path.join(dir, name));
  return { console: open('console.db'), cli: open('cli.db') };
}

/** The stored figures of a cycle against a fresh evaluation of the book as of its time. */
function assertStoredFigures(db: Ledger, cycle: CycleSummary): void {
  const stored = readCycleResults(db, cycle.cycle);
  const { book } = readCycleBook(db, cycle.asOf);
  const ev = evaluateBook(book);
  assert.equal(stored.ids.length, book.accounts.length);
  for (let a = 0; a < book.accounts.length; a++) {
    assert.equal(stored.ids[a], book.accounts[a]!.id);
    const f = figuresOf(ev, a);
    for (const k of ['collateral', 'equity', 'mm', 'im'] as const) {
      assert.equal(stored[k][a], f[k], `cycle ${cycle.cycle}, ${book.accounts[a]!.id}: ${k}`);
    }
  }
  // One account's history reads the same chunk the same way.
  for (const a of [0, CHUNK - 1, CHUNK, book.accounts.length - 1]) {
    const [h] = accountHistory(db, stored.ids[a]!, 1);
    assert.equal(h!.cycle, cycle.cycle);
    assert.deepEqual([h!.collateral, h!.equity, h!.mm, h!.im], [stored.collateral[a], stored.equity[a], stored.mm[a], stored.im[a]]);
  }
}

const forms = (db: Ledger, cycle: number) => ({
  whole: (db.prepare('SELECT chunk FROM cycle_result_chunks WHERE cycle_id = ? ORDER BY chunk').pluck().all(cycle) as number[]).map(Number),
  changed: (
    db.prepare('SELECT chunk, length(changes) / 43 AS n FROM cycle_result_changes WHERE cycle_id = ? ORDER BY chunk').raw().all(cycle) as [number, number][]
  ).map(([c, n]) => [Number(c), Number(n)]),
});

test('a cycle stores each chunk whole or as its changes, reads back the engine figures either way, and the console and the CLI store the same rows', (t) => {
  const { console: db, cli } = ledgerPair(t);
  let clock = Date.parse(DEMO_AS_OF) + 60_000;
  const resident = new ResidentBook(db);
  const consoleCtx = (): CommandContext => ({ db, actor: { name: 'operator', role: 'operator' }, now: () => new Date(clock), resident });
  const cliCtx = (): CommandContext => ({ db: cli, actor: { name: 'operator', role: 'operator' }, now: () => new Date(clock) });
  const both = (channel: string, payload: unknown) => {
    const a = dispatch(consoleCtx(), channel, payload);
    dispatch(cliCtx(), channel, payload);
    clock += 60_000;
    return a;
  };
  const book = readCycleBook(db, DEMO_AS_OF).book;
  // An option few accounts hold, and the future most hold.
  const holders = new Map<string, number>();
  for (const p of book.positions) holders.set(p.instrument, (holders.get(p.instrument) ?? 0) + 1);
  const byHolders = [...holders].sort((x, y) => x[1] - y[1]);
  const rare = book.instruments.find((x) => x.id === byHolders[0]![0])!;
  const common = book.instruments.find((x) => x.id === byHolders.at(-1)![0])!;
  const move = (x: typeof rare, ppm: bigint) => {
    const next = book.marks.get(x.id)! + (book.marks.get(x.id)! * ppm) / 1_000_000n;
    book.marks.set(x.id, next);
    both('prices.tick', { marks: [{ instrument: x.id, price: priceOfTicks(x.tick, next), time: new Date(clock).toISOString() }] });
  };

  const c1 = both('cycle.run', {}) as CycleSummary;
  assert.deepEqual(forms(db, c1.cycle), { whole: [0, 1, 2], changed: [] }, 'the first cycle is stored whole');
  assertStoredFigures(db, c1);

  const c2 = both('cycle.run', {}) as CycleSummary;
  assert.deepEqual(forms(db, c2.cycle), { whole: [], changed: [[0, 0], [1, 0], [2, 0]] }, 'nothing moved: no account stored again');
  assertStoredFigures(db, c2);

  move(rare, -2_000n);
  const c3 = both('cycle.run', {}) as CycleSummary;
  const f3 = forms(db, c3.cycle);
  assert.deepEqual(f3.whole, []);
  const moved = f3.changed.reduce((s, [, n]) => s + n!, 0);
  assert.ok(moved > 0 && moved <= holders.get(rare.id)!, `${moved} accounts stored again after ${rare.id} moved (${holders.get(rare.id)} hold it)`);
  assertStoredFigures(db, c3);

  // A move in what most accounts hold: those chunks are stored whole again and become the base of the next cycle.
  move(common, 30_000n);
  const c4 = both('cycle.run', {}) as CycleSummary;
  const f4 = forms(db, c4.cycle);
  assert.ok(f4.whole.length > 0, `a move of ${common.id} (held by ${holders.get(common.id)}) stores chunks whole: ${JSON.stringify(f4)}`);
  assertStoredFigures(db, c4);
  const c5 = both('cycle.run', {}) as CycleSummary;
  for (const [chunk, n] of forms(db, c5.cycle).changed) {
    const base = Number(db.prepare('SELECT base_cycle FROM cycle_result_changes WHERE cycle_id = ? AND chunk = ?').pluck().get(c5.cycle, chunk));
    assert.equal(base, f4.whole.includes(chunk!) ? c4.cycle : c1.cycle, `chunk ${chunk}'s base`);
    assert.equal(n, 0);
  }
  assertStoredFigures(db, c5);

  // The console (resident book) and the CLI (the book read from the ledger) stored the same rows.
  for (const table of ['cycle_result_chunks', 'cycle_result_changes']) {
    const rows = (d: Ledger) => d.prepare(`SELECT * FROM ${table} ORDER BY cycle_id, chunk`).raw().all();
    assert.deepEqual(rows(db), rows(cli), table);
  }
  db.close();
  cli.close();
});

test('the schema refuses a changes row whose base is missing, holds other accounts, or stands beside the whole chunk', (t) => {
  const { console: db, cli } = ledgerPair(t);
  cli.close();
  let clock = Date.parse(DEMO_AS_OF) + 60_000;
  const ctx = (): CommandContext => ({ db, actor: { name: 'operator', role: 'operator' }, now: () => new Date((clock += 60_000)) });
  const c1 = dispatch(ctx(), 'cycle.run', {}) as CycleSummary;
  const c2 = dispatch(ctx(), 'cycle.run', {}) as CycleSummary;
  const [first, last] = db.prepare('SELECT first_account, last_account FROM cycle_result_chunks WHERE cycle_id = ? AND chunk = 0').raw().get(c1.cycle) as [string, string];
  const insert = (cycle: number, base: number, chunk: number, from: string, to: string) =>
    db.prepare('INSERT INTO cycle_result_changes VALUES (?, ?, ?, ?, ?, ?)').run(cycle, chunk, base, from, to, Buffer.alloc(0));
  const c3 = dispatch(ctx(), 'cycle.run', {}) as CycleSummary;
  db.prepare('DELETE FROM cycle_result_changes WHERE cycle_id = ?').run(c3.cycle);
  assert.throws(() => insert(c3.cycle, c3.cycle + 5, 0, first, last), /base chunk does not hold the same accounts/);
  assert.throws(() => insert(c3.cycle, c1.cycle, 0, first, `${last}0`), /base chunk does not hold the same accounts/);
  assert.throws(() => insert(c3.cycle, c2.cycle, 0, first, last), /base chunk does not hold the same accounts/, 'a changes row is no base');
  insert(c3.cycle, c1.cycle, 0, first, last);
  assert.throws(
    () => db.prepare('INSERT INTO cycle_result_chunks SELECT ?, chunk, first_account, last_account, count, accounts, figures FROM cycle_result_chunks WHERE cycle_id = ? AND chunk = 0').run(c3.cycle, c1.cycle),
    /already stored as changes/,
  );
  assert.throws(() => db.prepare('DELETE FROM cycle_result_chunks WHERE cycle_id = ?').run(c1.cycle), /FOREIGN KEY/, 'a base in use cannot go');
  db.close();
});
