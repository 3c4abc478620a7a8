// Black-76: European options on a future (or a forward), methodology §2. Deterministic decimal arithmetic only:
// no Math.exp/Math.log/erf, no binary floats. decimal.js's exp, ln and sqrt are correctly rounded at the working
// precision; the normal CDF is computed here with a power series (|x| <= 10) or a continued fraction for the
// tail (|x| > 10), both at 60 significant digits, which leaves well over 20 correct significant digits in N(x)
// and in the price.
//
//   d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt(T)),  d2 = d1 - sigma sqrt(T)
//   call = e^{-rT} (F N(d1) - K N(d2)),  put = e^{-rT} (K N(-d2) - F N(-d1))
// With T = 0 or sigma = 0 the price is the discounted intrinsic value e^{-rT} max(0, +-(F - K)).
import { Decimal as DecimalJs } from 'decimal.js';

/** A local clone: nothing set here leaks into, or is taken from, the global Decimal. */
const D = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -1000,
  toExpPos: 1000,
  minE: -9e15,
  maxE: 9e15,
});
type D = InstanceType<typeof D>;

/** A decimal given as a string (never a binary float) or as a Decimal. */
export type DecimalLike = string | DecimalJs;

export type OptionRight = 'call' | 'put';

export interface Black76Input {
  forward: DecimalLike;
  strike: DecimalLike;
  /** Time to expiry in years. */
  years: DecimalLike;
  /** Annualised volatility, e.g. "0.25". */
  vol: DecimalLike;
  /** Continuously compounded risk-free rate, e.g. "0.09". */
  rate: DecimalLike;
  right: OptionRight;
}

/** Significant digits of the returned price (the working precision is 60). */
export const BLACK76_DIGITS = 30;

const ZERO = new D(0);
const ONE = new D(1);
const HALF = new D('0.5');
const TWO = new D(2);
const SERIES_LIMIT = new D(10);
/** Beyond this |x| the tail is below 10^-400000: N is 0 or 1 at any precision used here. */
const CUTOFF = new D(1300);
const EPS = new D('1e-70');

let sqrtTwoPiCache: D | null = null;
function sqrtTwoPi(): D {
  if (sqrtTwoPiCache === null) sqrtTwoPiCache = D.acos(-1).mul(2).sqrt();
  return sqrtTwoPiCache;
}

function toD(v: DecimalLike, what: string): D {
  if (typeof v !== 'string' && !DecimalJs.isDecimal(v)) throw new TypeError(`${what}: expected a decimal string or Decimal`);
  const d = new D(typeof v === 'string' ? v.trim() : v.toString());
  if (!d.isFinite()) throw new RangeError(`${what}: not a finite number`);
  return d;
}

/** The standard normal density phi(x) = e^{-x^2/2} / sqrt(2 pi). */
function pdf(x: D): D {
  return x.mul(x).div(2).neg().exp().div(sqrtTwoPi());
}

/**
 * Upper tail Q(z) = 1 - N(z) for z > 10 by the continued fraction
 * Q(z) = phi(z) / (z + 1/(z + 2/(z + 3/(z + ...)))), evaluated bottom-up from a depth at which it has converged
 * far below the working precision for z > 10 (checked against the series in the tests).
 */
function upperTailCf(z: D): D {
  const depth = 400;
  let t = z;
  for (let k = depth; k >= 1; k--) t = z.add(new D(k).div(t));
  return pdf(z).div(t);
}

/**
 * N(x) - 1/2 for |x| <= 10 by the series phi(x) * sum_{n>=0} x^{2n+1} / (1 * 3 * 5 ... (2n+1)); every term has the
 * sign of x, so nothing cancels inside the sum.
 */
function centralSeries(x: D): D {
  const x2 = x.mul(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 5000; n++) {
    term = term.mul(x2).div(2 * n + 1);
    sum = sum.add(term);
    if (term.abs().lte(sum.abs().mul(EPS))) break;
  }
  return pdf(x).mul(sum);
}

/** The standard normal cumulative distribution N(x), to well over 20 significant digits. */
export function normalCdf(x: DecimalLike): DecimalJs {
  return cdf(toD(x, 'x'));
}

function cdf(x: D): D {
  if (x.isZero()) return HALF;
  const ax = x.abs();
  if (ax.gt(CUTOFF)) return x.isNeg() ? ZERO : ONE;
  if (ax.lte(SERIES_LIMIT)) return HALF.add(centralSeries(x));
  const q = upperTailCf(ax);
  return x.isNeg() ? q : ONE.sub(q);
}

/** The Black-76 price of a European call or put on a future, as a Decimal of BLACK76_DIGITS significant digits. */
export function black76Price(input: Black76Input): DecimalJs {
  const F = toD(input.forward, 'forward');
  const K = toD(input.strike, 'strike');
  const T = toD(input.years, 'years');
  const sigma = toD(input.vol, 'vol');
  const r = toD(input.rate, 'rate');
  if (input.right !== 'call' && input.right !== 'put') throw new RangeError(`right: "${String(input.right)}" is not call or put`);
  if (!F.gt(0)) throw new RangeError('forward: must be > 0');
  if (!K.gt(0)) throw new RangeError('strike: must be > 0');
  if (T.isNeg()) throw new RangeError('years: must be >= 0');
  if (sigma.isNeg()) throw new RangeError('vol: must be >= 0');
  const df = r.mul(T).neg().exp();
  let price: D;
  if (T.isZero() || sigma.isZero()) {
    const intrinsic = input.right === 'call' ? F.sub(K) : K.sub(F);
    price = df.mul(D.max(intrinsic, ZERO));
  } else {
    const sd = sigma.mul(T.sqrt());
    const d1 = F.div(K).ln().add(sd.mul(sd).div(TWO)).div(sd);
    const d2 = d1.sub(sd);
    price =
      input.right === 'call'
        ? df.mul(F.mul(cdf(d1)).sub(K.mul(cdf(d2))))
        : df.mul(K.mul(cdf(d2.neg())).sub(F.mul(cdf(d1.neg()))));
    if (price.isNeg()) price = ZERO; // only a rounding residue of a worthless option could be negative
  }
  return price.toSignificantDigits(BLACK76_DIGITS, DecimalJs.ROUND_HALF_EVEN);
}
