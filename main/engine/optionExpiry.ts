// European options at expiry (issue 18): whether one is in the money against the underlying's final settlement
// price, what a cash settlement pays, and how a lot exercises into the underlying instrument. Prices are exact
// fractions of USD per unit of price; money is micro-USD, the signed value floored (methodology §1: paid out rounds
// down, demanded rounds up), as every position's value is (lotValue.ts). Pure.
import type { Instrument } from './model.ts';
import { decimalPlaces, formatUnits, parseUnits } from '../../shared/units.ts';

/** An exact non-negative price num / den (den > 0), USD per unit of price. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

export function fractionOf(decimal: string): Fraction {
  const dp = decimalPlaces(decimal);
  return { num: parseUnits(decimal, dp, 'price'), den: 10n ** BigInt(dp) };
}

/** `ticks` of `tick` as a price. */
export function ticksPrice(ticks: bigint, tick: string): Fraction {
  const t = fractionOf(tick);
  return { num: ticks * t.num, den: t.den };
}

/**
 * The rule of exercise: a call is in the money when the underlying settles above the strike, a put when below; at
 * the strike an option expires worthless. Returns the intrinsic value per unit of price (0 when not in the money).
 */
export function intrinsic(right: 'call' | 'put', strike: Fraction, underlying: Fraction): Fraction {
  const diff = right === 'call' ? underlying.num * strike.den - strike.num * underlying.den : strike.num * underlying.den - underlying.num * strike.den;
  return diff > 0n ? { num: diff, den: underlying.den * strike.den } : { num: 0n, den: 1n };
}

/** The value of `lots` (signed) of the option at a price per unit of `v`, micro-USD, floored. */
export function valueAt(inst: Pick<Instrument, 'tick' | 'lotTickValue' | 'lotTickScale'>, lots: bigint, v: Fraction): bigint {
  // K micro-USD per lot per tick: lots x (v / tick) x K.
  const t = fractionOf(inst.tick);
  const num = lots * v.num * t.den * inst.lotTickValue;
  const den = v.den * t.num * 10n ** BigInt(inst.lotTickScale);
  const q = num / den;
  return num % den !== 0n && num < 0n ? q - 1n : q;
}

/**
 * How one option lot exercises into the underlying instrument: the lots of it per option lot (lot x multiplier over
 * its lot x multiplier) and the strike in its ticks, or why it cannot (not whole numbers).
 */
export function exerciseTerms(option: Pick<Instrument, 'id' | 'lot' | 'multiplier' | 'tick'> & { strike: bigint }, into: Pick<Instrument, 'id' | 'lot' | 'multiplier' | 'tick'>): { perLot: bigint; strike: bigint } | string {
  const a = fractionOf(option.lot);
  const b = fractionOf(option.multiplier);
  const c = fractionOf(into.lot);
  const d = fractionOf(into.multiplier);
  const num = a.num * b.num * c.den * d.den;
  const den = a.den * b.den * c.num * d.num;
  if (num % den !== 0n) return `one lot of ${option.id} is not a whole number of lots of ${into.id}`;
  const k = ticksPrice(option.strike, option.tick);
  const t = fractionOf(into.tick);
  const sNum = k.num * t.den;
  const sDen = k.den * t.num;
  if (sNum % sDen !== 0n) return `the strike of ${option.id} is not a whole number of ${into.id}'s ticks (${into.tick})`;
  return { perLot: num / den, strike: sNum / sDen };
}

/** A price (whose denominator is a power of ten, as every price here is) written as an exact decimal. */
export function formatFraction(f: Fraction): string {
  const scale = f.den.toString().length - 1;
  if (f.den !== 10n ** BigInt(scale)) throw new RangeError(`not a decimal price: ${f.num}/${f.den}`);
  return formatUnits(f.num, scale);
}
