// The insurance fund as a layer in front of default management: its floor, and a draw that covers a shortfall (in
// whole or in part) from the fund. The fund's rows (fund_entries) and the shortfalls liquidations left are read in
// automationRepo.ts.
import type { Database } from 'better-sqlite3';
import { addFundEntry } from './fundRepo.ts';
import { type ShortfallRow } from './shortfallRepo.ts';
import { parseAmount } from '../../shared/units.ts';

/** The balance below which the insurance fund is depleted (policy insuranceFundFloor, micro-USD; default 0). */
export const DEFAULT_INSURANCE_FUND_FLOOR = 0n;

export function insuranceFundFloor(db: Database): bigint {
  const v = db.prepare("SELECT value FROM policy WHERE key = 'insuranceFundFloor'").pluck().get() as string | undefined;
  return v === undefined ? DEFAULT_INSURANCE_FUND_FLOOR : parseAmount(v, 'policy insuranceFundFloor');
}

/**
 * Covers `drawn` of an open shortfall from the insurance fund: a loss_cover entry, the shortfall marked allocated
 * and, when the fund covered only part, a new open shortfall of the remainder (which default management takes).
 * Returns the remainder's id, or null.
 */
export function drawOnShortfall(db: Database, s: ShortfallRow, drawn: bigint, at: string, actor: string, reason: string): number | null {
  addFundEntry(db, { fund: 'insurance', at, actor, kind: 'loss_cover', amount: -drawn, liquidation: s.liquidation, fill: null, note: `covers shortfall ${s.id} of account ${s.account}: ${reason}` });
  db.prepare("UPDATE shortfalls SET status = 'allocated' WHERE id = ? AND status = 'open'").run(s.id);
  if (drawn === s.amount) return null;
  const r = db
    .prepare('INSERT INTO shortfalls(account_id, member_id, liquidation_id, amount, at, note) VALUES (?, ?, ?, ?, ?, ?)')
    .run(s.account, s.member, s.liquidation, s.amount - drawn, at, `remainder of shortfall ${s.id} after the insurance fund covered ${drawn} micro-USD`);
  return Number(r.lastInsertRowid);
}
