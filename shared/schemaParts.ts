// The small zod schemas every part of the command contract is built from. No Node or Electron imports: the renderer
// imports this too.
import { z } from 'zod';

export const decimal = z.string().regex(/^[+-]?\d+(\.\d+)?$/, 'expected a decimal string such as "1250.50"');
export const positiveDecimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a positive decimal string').refine((s) => /[1-9]/.test(s), 'must be greater than zero');
export const isoTime = z.iso.datetime({ offset: false, message: 'expected an ISO-8601 UTC time such as 2026-03-12T16:00:00Z' });
export const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');
export const reason = z.string().trim().min(3, 'a reason of at least 3 characters is required').max(2000);
/** A ledger row's id (a margin call, a liquidation, an assessment). */
export const rowId = z.number().int().positive();
export const note = z.string().max(2000);
/** How many rows a list channel may return at most. */
export const listLimit = z.number().int().min(1).max(100_000);
