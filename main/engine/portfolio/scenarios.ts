// The 16 SPAN scenarios of methodology §4, in its order. A price move is a fraction of the scan range in
// thousandths: +-1/3 and +-2/3 are taken as 0.333 and 0.667, the precision at which SPAN tables (and the §4
// example: scan range $10,000 -> 3,330 and 6,670) state them, so a future's array is exact money with no
// rounding. The two extreme scenarios move twice the range, volatility unchanged, and count at 35%.

export interface Scenario {
  /** Price move in thousandths of the scan range. */
  move: number;
  /** +1 volatility up, -1 down, 0 unchanged. */
  vol: 1 | -1 | 0;
  /** Weight of the scenario's P&L, percent. */
  weight: number;
}

const pair = (move: number): Scenario[] => [
  { move, vol: 1, weight: 100 },
  { move, vol: -1, weight: 100 },
];

export const SCENARIOS: readonly Scenario[] = Object.freeze([
  ...pair(0),
  ...pair(333),
  ...pair(-333),
  ...pair(667),
  ...pair(-667),
  ...pair(1000),
  ...pair(-1000),
  { move: 2000, vol: 0, weight: 35 },
  { move: -2000, vol: 0, weight: 35 },
]);

export const SCENARIO_COUNT = 16;

/** A one-line description of scenario s (1-based), for reports and the console. */
export function scenarioLabel(s: number): string {
  const sc = SCENARIOS[s - 1];
  if (!sc) throw new RangeError(`scenario ${s} is not 1..16`);
  const frac = { 0: 'unchanged', 333: '+1/3', [-333]: '-1/3', 667: '+2/3', [-667]: '-2/3', 1000: '+3/3', [-1000]: '-3/3', 2000: '+extreme', [-2000]: '-extreme' }[sc.move];
  return sc.vol === 0 ? `price ${frac} (35%)` : `price ${frac}, vol ${sc.vol > 0 ? 'up' : 'down'}`;
}
