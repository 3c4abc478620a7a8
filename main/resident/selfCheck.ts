// The resident book's self-check (resident.check): every account's figures as the resident book holds them, both
// the live figures a price tick decides on and the cycle's evaluation of the resident columns, against a fresh full
// evaluation of the book read from the ledger. Tests run it after every kind of command; the desk can run it too.
import type { Database } from 'better-sqlite3';
import type { ResidentCheck } from '../../shared/contract.ts';
import { evaluateBook, exactForIndex, type Evaluation } from '../engine/evaluate.ts';
import { exactContext } from '../engine/exactAccount.ts';
import { readCycleBook, LATEST } from '../ledger/bookRepo.ts';
import { figuresOf } from '../engine/evaluate.ts';
import type { Figures } from '../engine/calls.ts';
import type { ResidentBook, ResidentState } from './residentBook.ts';

const MAX_DIFFERENCES = 20;
const FIELDS = ['collateral', 'equity', 'mm', 'im', 'status', 'call'] as const;

/** The live book's figures as an evaluation: its account sums, and the BigInt path for the accounts it flagged. */
function liveEvaluation(st: ResidentState): Evaluation {
  const ctx = exactContext(st.book);
  const exact = new Map<number, ReturnType<typeof exactForIndex>>();
  st.live.settleStatuses();
  const out = st.live.out;
  for (let a = 0; a < st.cols.nAccounts; a++) if (out.exact[a]) exact.set(a, exactForIndex(st.cols, ctx, a));
  return { cols: st.cols, out, exact, ctx };
}

function snapshot(ev: Evaluation): Figures[] {
  return Array.from({ length: ev.cols.nAccounts }, (_, a) => figuresOf(ev, a));
}

export function residentCheck(db: Database, resident: ResidentBook | null): ResidentCheck {
  const t0 = performance.now();
  const st = resident?.state() ?? null;
  const loads = resident?.loads ?? 0;
  if (!st) return { resident: resident !== null, ok: true, accounts: 0, differences: [], loads, ms: 0 };
  // Read what each view holds before the next evaluation: wasm results are views its next run overwrites.
  const views: [string, Figures[]][] = [
    ['live', snapshot(liveEvaluation(st))],
    ['cycle', snapshot(evaluateBook(st.book, false, st.cols))],
  ];
  const { book } = readCycleBook(db, LATEST);
  const full = evaluateBook(book);
  const differences: ResidentCheck['differences'] = [];
  const note = (account: string, figure: string, resident: unknown, fresh: unknown) => {
    if (differences.length < MAX_DIFFERENCES) differences.push({ account, figure, resident: String(resident), full: String(fresh) });
  };
  if (book.accounts.length !== st.book.accounts.length) note('*', 'accounts', st.book.accounts.length, book.accounts.length);
  for (let a = 0; a < book.accounts.length && differences.length < MAX_DIFFERENCES; a++) {
    const id = book.accounts[a]!.id;
    const r = st.cols.accountIndex.get(id);
    if (r === undefined) {
      note(id, 'account', 'missing', 'present');
      continue;
    }
    const f = figuresOf(full, a);
    for (const [view, figures] of views) {
      const mine = figures[r]!;
      for (const k of FIELDS) if (mine[k] !== f[k]) note(id, `${view} ${k}`, mine[k] ?? 'none', f[k] ?? 'none');
    }
  }
  // The positions as the resident book gives them (made from its columns, resident/columnPositions.ts) against the
  // positions read now: the same quantity, entry value and isolated margin, and no other held position.
  {
    const text = (p: { quantity: bigint; entryValue: bigint; isolatedMargin: bigint | null }) => `${p.quantity} ${p.entryValue} ${p.isolatedMargin ?? 'cross'}`;
    const mine = new Map<string, string>();
    for (const p of st.book.positions) if (p.quantity !== 0n) mine.set(`${p.account} ${p.instrument}`, text(p));
    for (const p of book.positions) {
      const key = `${p.account} ${p.instrument}`;
      const held = mine.get(key) ?? 'none';
      if (p.quantity !== 0n && held !== text(p)) note(p.account, `position ${p.instrument}`, held, text(p));
      mine.delete(key);
    }
    for (const [key, held] of mine) note(key.split(' ')[0]!, `position ${key.split(' ')[1]}`, held, 'none');
  }
  // What the cycle kept of its scan of the holdings (commands/runCycle.ts), against the holdings read now.
  if (st.holdings) {
    const held = new Set<string>();
    const isolated = new Map<string, string[]>();
    for (const p of book.positions) {
      if (p.quantity === 0n) continue;
      held.add(p.instrument);
      if (p.isolatedMargin !== null) isolated.set(p.account, [...(isolated.get(p.account) ?? []), p.instrument]);
    }
    const kept = new Map<string, string[]>();
    for (const [a, orig] of st.holdings.isolatedOf) kept.set(st.book.accounts[a]!.id, orig.map((i) => st.book.positions[i]!.instrument));
    const text = (m: Map<string, string[]>) => JSON.stringify([...m].map(([k, v]) => [k, [...v].sort()]).sort());
    if ([...held].sort().join() !== [...st.holdings.instrumentsHeld].sort().join()) note('*', 'instruments held', [...st.holdings.instrumentsHeld].sort().join(), [...held].sort().join());
    if (text(kept) !== text(isolated)) note('*', 'isolated positions', text(kept).slice(0, 200), text(isolated).slice(0, 200));
  }
  return { resident: true, ok: differences.length === 0, accounts: book.accounts.length, differences, loads, ms: Math.round(performance.now() - t0) };
}
