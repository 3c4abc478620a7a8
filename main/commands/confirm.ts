// Sanity limits (issue 22): an amount far from what the desk would expect (a deposit many times the call, an auction
// bid far from its lot's value at the marks) is not refused, it is asked about. The command refuses it with the code
// confirm_required and the figures that make it look wrong; the same input with confirm: true runs it, and the journal
// records that it was confirmed. Every door shows the figures and offers to resend.
import type { CommandContext } from './context.ts';
import { RuleError } from '../../shared/errors.ts';
import { AMOUNT_ONE } from '../../shared/units.ts';

/** A deposit more than this many times what is outstanding on its call is asked about. */
export const DEPOSIT_CONFIRM_MULTIPLE = 10n;
/** A bid whose size is more than this share (ppm) of its lot's gross value at the marks is asked about. */
export const BID_CONFIRM_SHARE_PPM = 100_000n;

/** Micro-USD as a person reads it before confirming: "99,999,999.00" (two places, grouped, sign kept). */
export function money(v: bigint): string {
  const neg = v < 0n;
  const cents = ((neg ? -v : v) + AMOUNT_ONE / 200n) / (AMOUNT_ONE / 100n);
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}.${(cents % 100n).toString().padStart(2, '0')}`;
}

/** a / b to one place ("1,441.7"), for "N times". */
export function times(a: bigint, b: bigint): string {
  const tenths = (a * 10n + b / 2n) / b;
  return `${(tenths / 10n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${tenths % 10n}`;
}

/**
 * Refuses with confirm_required and `why` unless the input says confirm: true. A replay of the journal (verify
 * --deep) runs what was accepted then without asking again: an entry written before the limit existed, or under
 * another one, must rebuild the same ledger.
 */
export function confirmOrAsk(ctx: CommandContext, confirmed: boolean | undefined, why: string): void {
  if (confirmed === true || ctx.replaying) return;
  throw new RuleError('confirm_required', `${why}. Send it again with confirm: true (on the command line, --confirm) if that is what is meant`);
}
