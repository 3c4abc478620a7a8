// The Accounts screen's figures of one cycle, formatted: status, equity, MM, IM, health, call and the ratios of every
// account. A cycle's stored results never change once committed, so its formatted figures are made once per
// connection and kept: a price tick (which moves the journal's head, and so accounts.list's version) then costs the
// table only its member and kind columns, not formatting 100k rows again (most of a second on the 100k book).
// They can be made ahead of the desk, a slice of rows per step (prepareFigures), so that the first visit of Accounts
// after a cycle finds them made.
import type { Database } from 'better-sqlite3';
import type { AccountsTable, Status } from '../../../shared/contract.ts';
import { readCycleResults, readIsolatedUnits } from '../../ledger/cycleResults.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { worstUnit } from '../../engine/marginUnits.ts';
import { STATUS_CODES } from '../../engine/kernel.ts';
import { formatAmount } from '../../../shared/units.ts';
import { ratios } from './metrics.ts';
import { drain, type Steps } from '../steps.ts';

/** Every column of the table but member and kind, which come from the accounts themselves. */
export type CycleFigures = Omit<AccountsTable['columns'], 'member' | 'kind'>;

/** Rows formatted between two pauses: about 10 ms of work on the 100k book. */
const ROWS_PER_STEP = 4096;

/**
 * The figures of cycle `cycleId` (every account, or those in `only`), a slice of rows per step. Only the first step
 * reads the ledger; the rest format what it read.
 */
export function* figureSteps(db: Database, cycleId: number, only: ReadonlySet<string> | null): Steps<CycleFigures> {
  const r = readCycleResults(db, cycleId);
  const isolated = readIsolatedUnits(db, cycleId);
  // The read is a step of its own (20-50 ms on the 100k book): a request waits behind one or the other, not both.
  yield;
  const picked: number[] = [];
  for (let i = 0; i < r.ids.length; i++) if (only === null || only.has(r.ids[i]!)) picked.push(i);
  const n = picked.length;
  const id = only === null ? r.ids : picked.map((i) => r.ids[i]!);
  const status = new Array<Status>(n);
  const equity = new Array<string>(n);
  const mm = new Array<string>(n);
  const im = new Array<string>(n);
  const health = new Array<number | null>(n);
  const call = new Array<string | null>(n);
  const marginRatio = new Array<string | null>(n);
  const utilisation = new Array<string | null>(n);
  const excess = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    if (k > 0 && k % ROWS_PER_STEP === 0) yield;
    const i = picked[k]!;
    status[k] = STATUS_CODES[r.status[i]!]!;
    const e = r.equity[i]!;
    const m = r.mm[i]!;
    const iso = isolated.get(r.ids[i]!);
    const te = iso ? e + iso.equity : e;
    const tm = iso ? m + iso.mm : m;
    const ti = iso ? r.im[i]! + iso.im : r.im[i]!;
    equity[k] = formatAmount(te);
    mm[k] = formatAmount(tm);
    im[k] = formatAmount(ti);
    const x = ratios(te, tm, ti);
    marginRatio[k] = x.marginRatio;
    utilisation[k] = x.utilisation;
    excess[k] = x.excess;
    const worst = worstUnit({ equity: e, mm: m }, iso ? { equity: iso.worstEquity, mm: iso.worstMm } : null);
    // A float for sorting and display only: decisions use the exact figures.
    health[k] = worst.mm === 0n ? null : Number(worst.equity) / Number(worst.mm);
    const c = r.call[i]!;
    call[k] = c < 0n ? null : formatAmount(c);
  }
  return { id, status, equity, mm, im, health, call, marginRatio, utilisation, excess };
}

/** Per connection: the last cycle's figures made, and figures being made ahead of the desk. */
const made = new WeakMap<Database, { cycle: number; figures: CycleFigures }>();
const making = new WeakMap<Database, { cycle: number; steps: Steps<CycleFigures> }>();

/** Every account's figures of committed cycle `cycleId`: kept, finished if being made ahead, or made now. */
export function cycleFigures(db: Database, cycleId: number): CycleFigures {
  const kept = made.get(db);
  if (kept?.cycle === cycleId) return kept.figures;
  const ahead = making.get(db);
  making.delete(db);
  const figures = drain(ahead?.cycle === cycleId ? ahead.steps : figureSteps(db, cycleId, null));
  made.set(db, { cycle: cycleId, figures });
  return figures;
}

/**
 * Starts making committed cycle `cycleId`'s figures ahead of the desk on this connection. Returns the next step to
 * run (true while more remain); the first call reads the ledger, so the caller must make it outside any
 * uncommitted transaction (a console cycle's). Nothing to do when they are made already.
 */
export function prepareFigures(db: Database, cycleId: number): () => boolean {
  if (made.get(db)?.cycle === cycleId) return () => false;
  const entry = { cycle: cycleId, steps: figureSteps(db, cycleId, null) };
  making.set(db, entry);
  return () => {
    // Taken over by a request meanwhile (cycleFigures drains it) or replaced by a later cycle's: nothing left here.
    if (making.get(db) !== entry) return false;
    const r = entry.steps.next();
    if (!r.done) return true;
    making.delete(db);
    made.set(db, { cycle: cycleId, figures: r.value });
    return false;
  };
}

/** prepareFigures for the latest cycle, if there is one. */
export function prepareLatestFigures(db: Database): () => boolean {
  const cycle = latestCycle(db);
  return cycle ? prepareFigures(db, cycle.id) : () => false;
}

/** Whether cycle `cycleId`'s figures are made on this connection (the console's health and the tests read it). */
export function figuresMade(db: Database, cycleId: number): boolean {
  return made.get(db)?.cycle === cycleId;
}
