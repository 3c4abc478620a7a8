// Collateral holdings changed by commands (deposits). Imports write through importRepo.
import type { Database } from 'better-sqlite3';
import { InputError } from '../../shared/errors.ts';
import { checkRange } from '../../shared/units.ts';

export interface CashAsset {
  id: string;
  quantityScale: number;
}

/** The cash asset deposits are made in: USD, priced at exactly 1. */
export function cashAsset(db: Database): CashAsset {
  const r = db.prepare("SELECT id, quantity_scale AS q FROM assets WHERE id = 'USD'").get() as { id: string; q: number } | undefined;
  if (!r) throw new InputError('the ledger has no USD cash asset to deposit into');
  return { id: r.id, quantityScale: Number(r.q) };
}

/** Adds `micro` micro-USD of cash to an account's collateral; refuses an amount finer than the asset's scale. */
export function addCashCollateral(db: Database, account: string, cash: CashAsset, micro: bigint, field: string): void {
  const unit = 10n ** BigInt(6 - Math.min(6, cash.quantityScale));
  if (micro % unit !== 0n) {
    throw new InputError(`${cash.id} cash is held to ${cash.quantityScale} decimal places`, { field });
  }
  const qty = (micro / unit) * 10n ** BigInt(Math.max(0, cash.quantityScale - 6));
  const cur = db.prepare('SELECT quantity FROM collateral WHERE account_id = ? AND asset_id = ?').safeIntegers(true).get(account, cash.id) as
    | { quantity: bigint }
    | undefined;
  const next = checkRange((cur?.quantity ?? 0n) + qty, `${account} ${cash.id} collateral`);
  db.prepare(
    `INSERT INTO collateral(account_id, asset_id, quantity) VALUES (?, ?, ?)
     ON CONFLICT(account_id, asset_id) DO UPDATE SET quantity = excluded.quantity`,
  ).run(account, cash.id, next);
}
