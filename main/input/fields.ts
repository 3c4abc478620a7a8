// Field-level checks shared by the JSON inputs (the what-if, the standalone waterfall and ADL): every refusal is an
// InputError naming the field, so a bad value never surfaces as an internal error of the engine.
import { InputError } from '../../shared/errors.ts';
import { UnitError } from '../../shared/units.ts';

/** Runs a conversion of one field, turning a unit or range error into an input error that names the field. */
export function atField<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnitError || e instanceof RangeError) throw new InputError(e.message.replace(/^[^:]*: /, ''), { field });
    throw e;
  }
}

/**
 * Refuses a key given twice, naming both places (`accounts[3].id "A7" repeats accounts[1].id`): with two rows for
 * one id, one of them would be merged into or silently replaced by the other.
 */
export function refuseRepeats<T>(items: readonly T[], key: (x: T, i: number) => string, field: (i: number) => string, shown: (x: T, i: number) => string = key): void {
  const first = new Map<string, number>();
  items.forEach((x, i) => {
    const k = key(x, i);
    const j = first.get(k);
    if (j !== undefined) throw new InputError(`"${shown(x, i)}" repeats ${field(j)}`, { field: field(i) });
    first.set(k, i);
  });
}
