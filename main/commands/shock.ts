// The one rule for a relative price shock ("-0.25" = down 25%), as the stress scenarios and the accounts' what-if
// take it: a decimal of at most 40 places, above -1 (a shock of -1 or below would take the price to zero or below).
// The input's shape (keys are ids, values decimal strings) is shared/schemaParts.ts `shocks`, the same for both.
import { InputError } from '../../shared/errors.ts';
import { DECIMAL_PARTS } from '../../shared/decimalString.ts';
import type { Shock } from '../engine/stress.ts';

// 40 places: the what-if lands a price exactly on a liquidation price (a ratio of two prices, cut at 40 places).
export const SHOCK_MAX_PLACES = 40;

/** A relative move as the exact fraction num / den (den a power of ten); refused, naming the field, when it breaks the rule. */
export function parseShock(s: string, field: string): Shock {
  const m = DECIMAL_PARTS.exec(s);
  if (!m) throw new InputError(`"${s}" is not a decimal number`, { field });
  const frac = m[3] ?? '';
  if (frac.length > SHOCK_MAX_PLACES) throw new InputError(`"${s}" has more than ${SHOCK_MAX_PLACES} decimal places`, { field });
  const mag = BigInt((m[2] ?? '0') + frac);
  const x = { num: m[1] === '-' ? -mag : mag, den: 10n ** BigInt(frac.length) };
  if (x.den + x.num <= 0n) throw new InputError(`a shock of ${s} would take the price to zero or below: it must be above -1`, { field });
  return x;
}

/**
 * Each shock of a map parsed by parseShock, in the map's order, the field named `${prefix}.${key}`. A key the
 * ledger cannot shock is refused with what `unknownKey` says of it (null when it knows the key).
 */
export function parseShocks(shocks: Record<string, string>, unknownKey: (key: string) => string | null, prefix = 'shocks'): Map<string, Shock> {
  const out = new Map<string, Shock>();
  for (const [key, value] of Object.entries(shocks)) {
    const field = `${prefix}.${key}`;
    const unknown = unknownKey(key);
    if (unknown !== null) throw new InputError(unknown, { field });
    out.set(key, parseShock(value, field));
  }
  return out;
}
