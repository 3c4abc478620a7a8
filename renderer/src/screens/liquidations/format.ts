// How the liquidation screen words and shows its figures. String work only: health, rates and moves arrive as
// exact decimal strings and are cut or shifted for display, never turned into floats.
import type { LiquidationStatus } from '../../../../shared/contract.ts';
import { DECIMAL_PARTS } from '../../../../shared/decimalString.ts';

export const STATUS_WORDS: Record<LiquidationStatus, string> = {
  proposed: 'proposed',
  held: 'held',
  pending_second: 'awaiting 2nd',
  approved: 'approved',
  executing: 'executing',
  executed: 'executed',
  rejected: 'rejected',
  superseded: 'superseded',
};

/** A decimal string cut (not rounded) to `places` decimals, for a narrow column; the exact value goes in its title. */
export function cutDecimals(s: string, places: number): string {
  const m = DECIMAL_PARTS.exec(s);
  if (!m) return s;
  const whole = `${m[1]}${m[2]}`;
  const frac = (m[3] ?? '').slice(0, places).padEnd(places, '0');
  return places ? `${whole}.${frac}` : whole;
}

/** Equity / MM as the server gives it ("0.60249078") cut to 4 decimals; null (no MM): a dash. */
export function formatHealth(h: string | null | undefined): string {
  return h === null || h === undefined ? '—' : cutDecimals(h, 4);
}

/** A fraction as a percentage by moving the decimal point: "0.176471" -> "17.6471%", "0.1" -> "10%". */
export function fractionAsPercent(f: string): string {
  const m = DECIMAL_PARTS.exec(f);
  if (!m) return f;
  const frac = (m[3] ?? '').padEnd(2, '0');
  const int = `${m[2]}${frac.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = frac.slice(2).replace(/0+$/, '');
  return `${m[1]}${int}${rest ? `.${rest}` : ''}%`;
}
