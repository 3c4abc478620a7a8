// Exact integer arithmetic on float64 for the hot path (methodology §9).
//
// Every value handled here is an integer whose magnitude is at most 2^53 - 1, so it is represented exactly and
// sums/products that stay in that range are exact. Divisions are done with a float estimate and then corrected by
// exact integer comparisons, so the results are the exact floor/ceil. Callers check the range themselves (the
// products they form are compared against MAX_SAFE) and send anything larger to the BigInt path (exactAccount.ts).

export const MAX_SAFE = 9007199254740991; // 2^53 - 1
/** Rates (ppm) must stay below 2^21 for mulRateCeil's split; 2^21 ppm is a rate of about 2.09. */
export const MAX_RATE_PPM = 2097151;

const SPLIT = 2097152; // 2^21

/**
 * Exact ceil(x / 1e6) for an integer |x| <= MAX_SAFE. The float quotient is within 1 of the truth, and c * 1e6 is
 * an even integer below 2^54, hence exactly representable, so the two comparisons correct it exactly.
 */
export function ceilDiv1e6(x: number): number {
  let c = Math.ceil(x * 1e-6);
  const p = c * 1e6;
  if (p < x) c += 1;
  else if (p - 1e6 >= x) c -= 1;
  return c;
}

/** Exact floor(x / 1e6) for an integer |x| <= MAX_SAFE (see ceilDiv1e6). */
export function floorDiv1e6(x: number): number {
  let c = Math.floor(x * 1e-6);
  const p = c * 1e6;
  if (p > x) c -= 1;
  else if (p + 1e6 <= x) c += 1;
  return c;
}

/**
 * Exact floor(x / d) for integers |x| <= MAX_SAFE, 0 < d <= MAX_SAFE. The float remainder (fmod) is always exact,
 * and x - r is a multiple of d no larger than |x|, so the quotient below is exact too.
 */
export function floorDiv(x: number, d: number): number {
  // Away from the edge of the range c * d is exact, so one float division and an exact correction will do
  // (fmod is a runtime call in V8, several times slower).
  if (x <= MAX_SAFE - d && x >= d - MAX_SAFE) {
    let c = Math.floor(x / d);
    const p = c * d;
    if (p > x) c -= 1;
    else if (p + d <= x) c += 1;
    return c;
  }
  const r = x % d;
  const q = (x - r) / d;
  return r < 0 ? q - 1 : q;
}

/** Exact ceil(x / d) for integers |x| <= MAX_SAFE, 0 < d <= MAX_SAFE. */
export function ceilDiv(x: number, d: number): number {
  return -floorDiv(-x, d);
}

/**
 * Exact ceil((n * r - sub) / 1e6) for integers 0 <= n <= MAX_SAFE, 0 <= r <= MAX_RATE_PPM, 0 <= sub < 1e6.
 * When n * r fits in 2^53 it is one corrected division; otherwise n is split as nh * 2^21 + nl so that every
 * partial product stays below 2^53:
 *   n*r = (Pq*1e6 + Pr) * 2^21 + nl*r   with P = nh*r = Pq*1e6 + Pr
 *   (n*r - sub) / 1e6 = Pq * 2^21 + (Pr * 2^21 + nl*r - sub) / 1e6
 * Exact whenever the true result is at most MAX_SAFE; when it is larger the returned value is larger than MAX_SAFE
 * too, so a caller's range check sends that case to the BigInt path.
 */
export function mulRateCeil(n: number, r: number, sub: number): number {
  const x = n * r;
  if (x <= MAX_SAFE) return ceilDiv1e6(x - sub);
  const nh = Math.floor(n / SPLIT);
  const nl = n - nh * SPLIT;
  const p = nh * r;
  const pq = floorDiv1e6(p);
  const pr = p - pq * 1e6;
  return pq * SPLIT + ceilDiv1e6(pr * SPLIT + nl * r - sub);
}

const SPLIT26 = 67108864; // 2^26

/**
 * Exact floor(q * p / d) for integers |q| <= MAX_SAFE, 0 <= p < 2^26, 1 <= d < 2^26 (collateral: a quantity times
 * a price, scaled to micro-USD). When q * p fits in 2^53 it is one exact division; otherwise q is split as
 * qh * 2^26 + ql and, with qh * p = Aq * d + Ar,
 *   q*p/d = Aq * 2^26 + (Ar * 2^26 + ql * p) / d      (every partial below 2^53).
 * Returns NaN when the inputs are outside that range or the result passes MAX_SAFE: the caller takes the BigInt
 * path.
 */
export function mulDivFloor(q: number, p: number, d: number): number {
  const x = q * p;
  if (x <= MAX_SAFE && x >= -MAX_SAFE) return floorDiv(x, d);
  if (p >= SPLIT26 || d >= SPLIT26) return NaN;
  const neg = q < 0;
  const aq0 = neg ? -q : q;
  const qh = Math.floor(aq0 / SPLIT26);
  const ql = aq0 - qh * SPLIT26;
  const a = qh * p;
  const aq = floorDiv(a, d);
  const ar = a - aq * d;
  const l = ar * SPLIT26 + ql * p;
  const lq = floorDiv(l, d);
  const exactFloor = aq * SPLIT26 + lq; // floor(|q| p / d)
  const remainder = l - lq * d;
  const r = neg ? -(exactFloor + (remainder > 0 ? 1 : 0)) : exactFloor;
  return r > MAX_SAFE || r < -MAX_SAFE ? NaN : r;
}
