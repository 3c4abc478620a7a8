// The insurance fund and liquidation revenue: their entries and balances.
import type { Database } from 'better-sqlite3';
import { prepared } from './stmtCache.ts';

export type Fund = 'insurance' | 'liquidation_revenue';

export interface FundEntryRow {
  id: number;
  fund: Fund;
  at: string;
  actor: string;
  kind: string;
  amount: bigint;
  liquidation: number | null;
  note: string;
}

export function addFundEntry(db: Database, e: Omit<FundEntryRow, 'id'> & { fill: number | null }): void {
  if (e.amount === 0n) return;
  prepared(db, 'INSERT INTO fund_entries(fund, at, actor, kind, amount, liquidation_id, fill_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    e.fund,
    e.at,
    e.actor,
    e.kind,
    e.amount,
    e.liquidation,
    e.fill,
    e.note,
  );
}

export function fundBalance(db: Database, fund: Fund): bigint {
  const r = prepared(db, 'SELECT coalesce(sum(amount), 0) AS b FROM fund_entries WHERE fund = ?').safeIntegers(true).get(fund) as { b: bigint };
  return r.b;
}

/** A fund's entries, newest first, each with the fund's balance just after it. */
export function fundEntries(db: Database, fund: Fund, limit: number): (FundEntryRow & { balance: bigint })[] {
  return (
    db
      .prepare(
        `SELECT id, fund, at, actor, kind, amount, liquidation_id, note,
                sum(amount) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
           FROM fund_entries WHERE fund = ? ORDER BY id DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .all(fund, limit) as {
      id: bigint;
      fund: Fund;
      at: string;
      actor: string;
      kind: string;
      amount: bigint;
      liquidation_id: bigint | null;
      note: string;
      balance: bigint;
    }[]
  ).map((r) => ({
    id: Number(r.id),
    fund: r.fund,
    at: r.at,
    actor: r.actor,
    kind: r.kind,
    amount: r.amount,
    liquidation: r.liquidation_id === null ? null : Number(r.liquidation_id),
    note: r.note,
    balance: r.balance,
  }));
}
