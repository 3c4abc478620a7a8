// The resident book's positions made from its columns (resident/columnPositions.ts): every index gives the position
// read from the ledger, array methods see the same array, an account past the float range keeps its own objects,
// and writes that the columns could not follow are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCycleBook, LATEST } from '../main/ledger/bookRepo.ts';
import { compileBook } from '../main/engine/columns.ts';
import { HELD_INSTRUMENTS, type Position } from '../main/engine/model.ts';
import { columnPositions } from '../main/resident/columnPositions.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-column-positions-', 300);

test('each position read from the columns equals the one read from the ledger; array methods and the held instruments agree', () => {
  const db = demoLedger();
  const { book } = readCycleBook(db, LATEST);
  db.close();
  const original = book.positions.map((p) => ({ ...p }));
  // One account past 2^53 goes the BigInt path: its positions are not exact in the columns and keep their objects.
  const big = book.positions.findIndex((p) => p.isolatedMargin === null && p.quantity !== 0n);
  book.positions[big] = original[big] = { ...original[big]!, entryValue: 2n ** 60n + 1n };
  const cols = compileBook(book);
  assert.equal(cols.accountBig[cols.accountIndex.get(original[big]!.account)!], 1);
  const view = columnPositions(cols, book.positions);
  assert.equal(view.length, original.length);
  for (let i = 0; i < original.length; i++) assert.deepEqual(view[i], original[i], `position ${i}`);
  assert.equal(view[big], book.positions[big], 'the BigInt-path account keeps its object');
  assert.equal(view[original.length], undefined);
  assert.deepEqual([...view], original);
  assert.deepEqual(
    view.filter((p) => p.isolatedMargin !== null).map((p) => p.instrument),
    original.filter((p) => p.isolatedMargin !== null).map((p) => p.instrument),
  );
  assert.ok(Array.isArray(view));
  const held = (view as unknown as { [HELD_INSTRUMENTS]: () => ReadonlySet<string> })[HELD_INSTRUMENTS]();
  assert.deepEqual([...held].sort(), [...new Set(original.map((p) => p.instrument))].sort());

  // A patched position (residentBook.ts writes the slot, then its columns) is read back from the columns.
  const i = original.findIndex((p) => p.account !== original[big]!.account && p.quantity > 1n);
  const now: Position = { ...original[i]!, quantity: original[i]!.quantity - 1n };
  view[i] = now;
  const slot = Array.from(cols.posOrig).indexOf(i);
  cols.posQty[slot] = Number(now.quantity);
  assert.deepEqual(view[i], now);
  const other = cols.book.instruments.find((x) => x.id !== now.instrument)!;
  assert.throws(() => (view[i] = { ...now, instrument: other.id }), /another instrument/);
  assert.throws(() => (view[original.length + 5] = now), /hold indexes/);
  assert.throws(() => Reflect.deleteProperty(view, '0'), /cannot be deleted/);
});
