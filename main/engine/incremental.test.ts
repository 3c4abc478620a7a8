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
