// Field-level checks shared by the JSON inputs (the what-if, the standalone waterfall and ADL): every refusal is an
// InputError naming the field, so a bad value never surfaces as an internal error of the engine.
import { InputError } from '../../shared/errors.ts';
import { UnitError, decimalPlaces, parseUnits } from '../../shared/units.ts';

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

/**
 * One unit for several decimal strings (an asset's holdings, the prices of an ADL case): the finest any of them is
 * written in. A value that leaves the exact range only because another one set that unit is refused naming that
 * other one, the value actually at fault, rather than an ordinary holding of someone else.
 */
export class SharedScale {
  readonly scale: number;
  private readonly finest: { field: string; text: string } | null = null;

  constructor(values: Iterable<readonly [field: string, text: string]>, min = 0) {
    let scale = min;
    for (const [field, text] of values) {
      const d = decimalPlaces(text);
      if (d > scale) [scale, this.finest] = [d, { field, text }];
    }
    this.scale = scale;
  }

  parse(field: string, text: string): bigint {
    const own = decimalPlaces(text);
    const f = this.finest;
    if (f && own < this.scale && fits(text, own) && !fits(text, this.scale)) {
      throw new InputError(
        `"${f.text}" has ${this.scale} decimal places, and at that scale ${field} "${text}" is outside the exact range (one unit is used for all of them): give ${f.field} fewer decimal places`,
        { field: f.field },
      );
    }
    return atField(field, () => parseUnits(text, this.scale, field));
  }
}

function fits(text: string, scale: number): boolean {
  try {
    parseUnits(text, scale, 'value');
    return true;
  } catch {
    return false;
  }
}
