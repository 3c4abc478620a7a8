// The resident book's positions without a million objects (issue 15: the console's memory). Once the book is
// compiled, every position's figures are in its columns (engine/columns.ts) exactly: a resident book holds only
// accounts within the float range (residentBook.ts reads the book again when one leaves it), and the few on the
// BigInt path keep their objects. The book's `positions` becomes an array-like view that makes a position's
// object from its slot when someone reads it: the cycle and a price tick read only the accounts they decide on.
// On the 100k demo book the objects and their BigInts were about 100 MB of heap, and most of what each major
// garbage collection walked.
import { HELD_INSTRUMENTS, type Position } from '../engine/model.ts';
import type { BookColumns } from '../engine/columns.ts';

const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * A read-only view of book.positions over the columns: `positions[i]` is the position of book index i, as it was
 * read (its slot is cols.posOrig's inverse). Writing `positions[i]` (a patched account) keeps the object only for
 * an account the columns cannot hold exactly; the columns themselves are the caller's to update.
 */
export function columnPositions(cols: BookColumns, original: readonly Position[]): Position[] {
  const n = original.length;
  const slotOf = new Int32Array(n);
  for (let p = 0; p < cols.posOrig.length; p++) slotOf[cols.posOrig[p]!] = p;
  // Accounts on the BigInt path (figures past 2^53) keep their objects: their columns are not exact.
  const kept = new Map<number, Position>();
  for (let a = 0; a < cols.nAccounts; a++) {
    if (cols.accountBig[a] === 0) continue;
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) kept.set(cols.posOrig[p]!, original[cols.posOrig[p]!]!);
  }
  const accountOfSlot = (p: number): number => {
    let lo = 0;
    let hi = cols.nAccounts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cols.posStart[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const at = (i: number): Position => {
    const keep = kept.get(i);
    if (keep) return keep;
    const p = slotOf[i]!;
    const iso = cols.posIso[p]!;
    return {
      account: cols.book.accounts[accountOfSlot(p)]!.id,
      instrument: cols.book.instruments[cols.posInst[p]!]!.id,
      quantity: BigInt(cols.posQty[p]!),
      entryValue: BigInt(cols.posEntry[p]!),
      isolatedMargin: iso === iso ? BigInt(iso) : null,
    };
  };
  let held: ReadonlySet<string> | null = null;
  const heldInstruments = (): ReadonlySet<string> => {
    if (held) return held;
    const seen = new Uint8Array(cols.book.instruments.length);
    for (let p = 0; p < cols.posInst.length; p++) seen[cols.posInst[p]!] = 1;
    const ids = new Set<string>();
    seen.forEach((s, i) => s && ids.add(cols.book.instruments[i]!.id));
    return (held = ids);
  };
  return new Proxy([] as Position[], {
    get(target, key, receiver) {
      if (typeof key === 'string' && INDEX.test(key)) {
        const i = Number(key);
        return i < n ? at(i) : undefined;
      }
      if (key === 'length') return n;
      if (key === HELD_INSTRUMENTS) return heldInstruments;
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string' && INDEX.test(key)) return Number(key) < n;
      return Reflect.has(target, key);
    },
    set(_target, key, value: Position) {
      if (typeof key !== 'string' || !INDEX.test(key) || Number(key) >= n) throw new TypeError(`the resident book's positions hold indexes 0..${n - 1}, not ${String(key)}`);
      const i = Number(key);
      if (kept.has(i)) kept.set(i, value);
      else if (value.instrument !== cols.book.instruments[cols.posInst[slotOf[i]!]!]!.id) throw new TypeError(`position ${i} is in another instrument`);
      return true;
    },
    deleteProperty() {
      throw new TypeError("the resident book's positions cannot be deleted");
    },
  });
}
