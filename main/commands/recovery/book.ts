// The part of the book a default command needs, valued at the latest prices with the margin engine itself.
import type { Database } from 'better-sqlite3';
import type { Book } from '../../engine/model.ts';
import type { AccountResult } from '../../engine/results.ts';
import { readBook } from '../../ledger/bookRepo.ts';
import { latestCycleAsOf } from '../../ledger/cycleRepo.ts';
import { evaluateBook, accountResult } from '../../engine/evaluate.ts';
import { RuleError } from '../../../shared/errors.ts';

/** The book as of `asOf` restricted to the accounts `keep` accepts (all instruments they hold must have a mark). */
export function subBook(db: Database, asOf: string, keep: (account: { id: string; member: string; kind: string }) => boolean): Book {
  const { book } = readBook(db, asOf);
  const accounts = book.accounts.filter(keep);
  const ids = new Set(accounts.map((a) => a.id));
  const positions = book.positions.filter((p) => ids.has(p.account));
  const collateral = book.collateral.filter((c) => ids.has(c.account));
  const held = new Set(positions.map((p) => p.instrument));
  for (const i of held) if (!book.marks.has(i)) throw new RuleError('no_price', `no price for instrument ${i} at or before ${asOf}`);
  for (const c of collateral) if (!book.assetPrices.has(c.asset)) throw new RuleError('no_price', `no price for asset ${c.asset} at or before ${asOf}`);
  return { ...book, accounts, positions, collateral, instruments: book.instruments.filter((i) => held.has(i.id)) };
}

/** Every account of the book with per-position detail, by id. */
export function evaluateAll(book: Book): Map<string, AccountResult> {
  const ev = evaluateBook(book, true);
  const out = new Map<string, AccountResult>();
  for (let a = 0; a < ev.cols.nAccounts; a++) out.set(book.accounts[a]!.id, accountResult(ev, a));
  return out;
}

/** Cross equity plus every isolated position's own equity. */
export function totalEquity(r: AccountResult): bigint {
  return r.positions.reduce((s, p) => s + (p.isolated ? p.isolated.equity : 0n), r.equity);
}

/** The time prices are taken at for valuing the book now: the latest cycle's as-of, or now before any cycle. */
export function priceTimeOf(db: Database, now: Date): string {
  return latestCycleAsOf(db) ?? now.toISOString();
}
