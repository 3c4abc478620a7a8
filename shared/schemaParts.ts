// The small zod schemas every part of the command contract is built from. No Node or Electron imports: the renderer
// imports this too.
import { z } from 'zod';
import { INSTANT_HINT, INSTANT_PATTERN, parseInstant } from './time.ts';
import { unsafeTextProblem } from './safeText.ts';
import { SIGNED_DECIMAL, UNSIGNED_DECIMAL, WRITTEN_DECIMAL } from './decimalString.ts';

export const decimal = z.string().regex(SIGNED_DECIMAL, 'expected a decimal string such as "1250.50"');
export const positiveDecimal = z.string().regex(UNSIGNED_DECIMAL, 'expected a positive decimal string').refine((s) => /[1-9]/.test(s), 'must be greater than zero');
/** A non-negative decimal string (a size, a rate), with the message that says what it is. */
export const unsignedDecimal = (message: string) => z.string().regex(UNSIGNED_DECIMAL, message);
/** A decimal string as the program writes one (an output): a minus sign only. */
export const writtenDecimal = z.string().regex(WRITTEN_DECIMAL);
/** A time with its zone (shared/time.ts); handlers store it through normaliseTime, in UTC. */
export const isoTime = z
  .string()
  .regex(new RegExp(INSTANT_PATTERN), `expected ${INSTANT_HINT}`)
  .refine((s) => parseInstant(s) !== null, 'no such date or time (a day past the end of its month, hour 24, second 60)');
export const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');
/**
 * Relative price shocks by underlying (or collateral asset) id, e.g. { "BTC": "-0.2" } for down 20%: the input of
 * accounts.whatif and of a stress scenario. A key is an id as the ledger's are (up to 64 of letters, digits and
 * . _ : -); a value a decimal string, which main/commands/shock.ts parseShocks then holds to the shock's rule (at
 * most 40 decimal places, above -1) for both channels, with the same messages.
 */
export const shocks = z.record(id, decimal);
/** Text a person writes that others will read on a screen or a terminal: no controls, no bidi tricks. */
export const safeText = (multiline: boolean) => (s: string, ctx: z.RefinementCtx) => {
  const problem = unsafeTextProblem(s, multiline);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};
export const reason = z.string().trim().min(3, 'a reason of at least 3 characters is required').max(2000).superRefine(safeText(true));
/** A ledger row's id (a margin call, a liquidation, an assessment). */
export const rowId = z.number().int().positive();
export const note = z.string().max(2000).superRefine(safeText(true));
/** How many rows a list channel may return at most. */
export const listLimit = z.number().int().min(1).max(100_000);
