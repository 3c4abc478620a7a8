import { InputError } from '../../shared/errors.ts';

/** One spelling of every time the ledger stores (toISOString: milliseconds, Z), so text order is time order. */
export function normaliseTime(s: string, field = 'at'): string {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new InputError(`"${s}" is not an ISO-8601 time`, { field });
  return new Date(t).toISOString();
}
