// The close of one portfolio-margined leg (methodology §4 and §7): how many lots of it to close so the unit meets
// the target health, each candidate judged on the unit's exact figures after the close, its combined commodities
// scanned again (scan risk, credits, short option minimum) at that quantity.
//
// Unlike a tiered position, a leg's close need not lower the requirement: closing the hedge of a covered write, or
// more of a leg than offsets the others, raises the scan risk. So a leg whose every close leaves the unit less
// healthy than it is now is not closed at all, and where no quantity meets the target the close that leaves the
// highest health is taken only if it is healthier than leaving the leg alone.
//
// Every lot count is tried up to `limit` lots. Above that, the test is sampled on a grid and refined between grid
// points: the unrounded target test is a line (equity, fees) less a convex function (the scan risk, a maximum of
// lines in the lots), so the lots that pass form one interval and the health has one peak; the bisection and the
// peak search rely on that shape, the exact predicate still decides every candidate they try.

/** What the health of an after-state is read from. */
export interface Health {
  equity: bigint;
  mm: bigint;
}

export interface Candidate<T> {
  lots: bigint;
  t: T;
  /** Whether the unit meets the target after it. */
  met: boolean;
}

export interface ScanSearch<T extends Health> {
  /** Lots in the position (> 0). */
  n: bigint;
  /** Up to this many lots, every count is tried. */
  limit: bigint;
  at: (k: bigint) => T;
  meets: (t: T) => boolean;
  /** > 0 when a is healthier than b. */
  compare: (a: Health, b: Health) => number;
  /** The unit as it stands (closing nothing). */
  now: Health;
}

/** Grid points tried over a position above the limit. */
const SAMPLES = 64n;

export function scannedClose<T extends Health>(s: ScanSearch<T>): Candidate<T> | null {
  const found = s.n <= s.limit ? everyLot(s) : sampled(s);
  if (found.met) return found;
  // Nothing meets the target: the healthiest close, unless closing leaves the unit worse off than not closing.
  return s.compare(found.t, s.now) > 0 ? found : null;
}

/** The smallest passing count, else the healthiest (fewest lots among equals). */
function everyLot<T extends Health>(s: ScanSearch<T>): Candidate<T> {
  let best: Candidate<T> | null = null;
  for (let k = 1n; k <= s.n; k++) {
    const t = s.at(k);
    if (s.meets(t)) return { lots: k, t, met: true };
    if (best === null || s.compare(t, best.t) > 0) best = { lots: k, t, met: false };
  }
  return best!;
}

function sampled<T extends Health>(s: ScanSearch<T>): Candidate<T> {
  const step = (s.n + SAMPLES - 1n) / SAMPLES;
  let prev = 0n;
  let best: Candidate<T> | null = null;
  for (let k = step < s.n ? step : s.n; ; k = k + step < s.n ? k + step : s.n) {
    const t = s.at(k);
    if (s.meets(t)) return firstPass(s, prev + 1n, k);
    if (best === null || s.compare(t, best.t) > 0) best = { lots: k, t, met: false };
    prev = k;
    if (k === s.n) break;
  }
  // No grid point passes: the peak lies within a step of the best one; if it passes, the interval of passing counts
  // starts between the grid point below it and the peak.
  const lo = best!.lots - step > 1n ? best!.lots - step : 1n;
  const hi = best!.lots + step < s.n ? best!.lots + step : s.n;
  const peak = peakIn(s, lo, hi);
  return peak.met ? firstPass(s, lo, peak.lots) : peak;
}

/** The smallest count in [lo, hi] that passes, hi passing and the passing counts taken as one interval. */
function firstPass<T extends Health>(s: ScanSearch<T>, lo: bigint, hi: bigint): Candidate<T> {
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (s.meets(s.at(mid))) hi = mid;
    else lo = mid + 1n;
  }
  return { lots: hi, t: s.at(hi), met: true };
}

/** The healthiest count of [lo, hi] (the health taken as having one peak there), the fewest lots among equals. */
function peakIn<T extends Health>(s: ScanSearch<T>, lo: bigint, hi: bigint): Candidate<T> {
  while (hi - lo > 2n) {
    const m1 = lo + (hi - lo) / 3n;
    const m2 = hi - (hi - lo) / 3n;
    if (s.compare(s.at(m1), s.at(m2)) >= 0) hi = m2 - 1n;
    else lo = m1 + 1n;
  }
  let best: Candidate<T> | null = null;
  for (let k = lo; k <= hi; k++) {
    const t = s.at(k);
    if (best === null || s.compare(t, best.t) > 0) best = { lots: k, t, met: s.meets(t) };
  }
  return best!;
}
