import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbBook } from '../../test/support/randomBook.ts';
import { compileBook } from './columns.ts';
import { LiveBook } from './incremental.ts';
import { evaluateBook } from './evaluate.ts';
import { UnitError } from '../../shared/units.ts';

// After any sequence of single-instrument mark changes, the live sums must equal a full evaluation at the new marks.
test('LiveBook.setMark agrees with a full evaluation at the new marks', () => {
  fc.assert(
    fc.property(arbBook(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3_000_000 })), { minLength: 1, maxLength: 6 }), (book, moves) => {
      const live = new LiveBook(compileBook(book));
      const marks = new Map(book.marks);
      for (const [pick, mark] of moves) {
        const i = pick % book.instruments.length;
        live.setMark(i, mark);
        marks.set(book.instruments[i]!.id, BigInt(mark));
      }
      let full;
      try {
        full = evaluateBook({ ...book, marks });
      } catch (e) {
        // A move that takes a figure beyond int64 is refused by the exact path; that refusal is tested elsewhere.
        if (e instanceof UnitError) return;
        throw e;
      }
      for (let a = 0; a < book.accounts.length; a++) {
        if (live.out.exact[a] || full.out.exact[a]) continue;
        const msg = `account ${book.accounts[a]!.id}`;
        assert.equal(live.out.equity[a], full.out.equity[a], msg);
        assert.equal(live.out.mm[a], full.out.mm[a], msg);
        assert.equal(live.out.im[a], full.out.im[a], msg);
        assert.equal(live.out.status[a], full.out.status[a], msg);
        assert.equal(live.out.call[a], full.out.call[a], msg);
      }
    }),
    { numRuns: 300 },
  );
});

// The screen may keep accounts that turn out fine, but must never leave out one that needs a call.
test('LiveBook.screen never misses an account that the exact move puts in need of a call', () => {
  fc.assert(
    fc.property(arbBook(), fc.nat(), fc.integer({ min: 1, max: 3_000_000 }), (book, pick, mark) => {
      const live = new LiveBook(compileBook(book));
      const i = pick % book.instruments.length;
      const before = live.out.call.slice();
      const candidates = new Set(live.screen(i, mark));
      live.setMark(i, mark);
      for (let a = 0; a < book.accounts.length; a++) {
        if (live.out.exact[a]) continue;
        // An account that needed a call before the move already has one; the ticker skips it.
        if (before[a]! < 0 && live.out.call[a]! >= 0 && book.positions.some((p) => p.account === book.accounts[a]!.id && p.instrument === book.instruments[i]!.id)) {
          assert.ok(candidates.has(a), `account ${book.accounts[a]!.id} needs a call but was screened out`);
        }
      }
    }),
    { numRuns: 500 },
  );
});
