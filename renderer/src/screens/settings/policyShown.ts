// A policy value as the desk reads it: an amount in USD to the cent with separators (1,000,000.00), as every other
// amount on screen; any other value (a rate, minutes, a choice, a list) as the server holds it, which is also what
// the change form takes.
import { isDecimal } from '../../lib/decimal.ts';
import { formatMoney } from '../../lib/format.ts';

export function policyShown(value: string, unit: string): string {
  return unit.startsWith('USD') && isDecimal(value) ? formatMoney(value) : value;
}
