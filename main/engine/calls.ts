// Margin-call rules (methodology §6) that do not need the ledger: how much restores initial margin, why a call
// was issued, and deadlines. Pure functions: time comes in as an ISO string.
import type { AccountResult } from './results.ts';
import type { AccountStatus, CallTrigger } from './model.ts';
import { formatAmount, roundAmountToScale } from '../../shared/units.ts';

export interface Figures {
  collateral: bigint;
  equity: bigint;
  mm: bigint;
  im: bigint;
  status: AccountStatus;
  call: bigint | null;
}

/**
 * What it takes to bring every margin unit of the account (cross part and each isolated position) back to initial
 * margin, rounded up to the amount scale: zero when the account is at or above IM everywhere.
 */
export function restoreNeed(r: AccountResult, amountScale: number): bigint {
  let need = r.equity < r.im ? r.im - r.equity : 0n;
  for (const p of r.positions) {
    if (p.isolated && p.isolated.equity < p.isolated.im) need += p.isolated.im - p.isolated.equity;
  }
  return need > 0n ? roundAmountToScale(need, amountScale, 'ceil') : 0n;
}

/** restoreNeed for an account without isolated units: its cross part's figures are enough. */
export function crossNeed(f: { equity: bigint; im: bigint }, amountScale: number): bigint {
  return f.equity < f.im ? roundAmountToScale(f.im - f.equity, amountScale, 'ceil') : 0n;
}

export function callReason(f: Figures, trigger: CallTrigger): string {
  const bound = trigger === 'initial' ? `IM ${formatAmount(f.im)}` : `MM ${formatAmount(f.mm)}`;
  return `equity ${formatAmount(f.equity)} below ${bound}; call restores IM ${formatAmount(f.im)}`;
}

export function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}
