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
  return { resident: true, ok: differences.length === 0, accounts: book.accounts.length, differences, loads, ms: Math.round(performance.now() - t0) };
}
