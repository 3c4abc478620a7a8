// The effective haircut schedule of a collateral asset (docs/collateral-haircuts.md): the asset's own schedule by
// holding value, raised to its liquidity class's minimum, plus a concentration add-on once a holding is large against
// the asset's daily volume. The result is one bracket schedule by holding value, bracketed like margin tiers, so the
// kernel, the resident book, the cycle and every per-account path take it as they take any schedule: the rule is
// compiled once where the book is read, never re-decided in a hot loop. Each bracket keeps the rules that set it, for
// the explain trace and the Accounts detail.
import type { Bracket } from './model.ts';
import { RATE_ONE, INT64_MAX, formatAmount, formatRate, parseRate } from '../../shared/units.ts';

/** One step of the concentration schedule: a holding beyond `ratio` x daily volume takes `addOn` more. */
export interface ConcentrationStep {
  /** ppm of the asset's daily volume (1_000_000 = one day's volume). */
  ratio: bigint;
  /** ppm of holding value added to the haircut. */
  addOn: bigint;
}

/** What the effective schedule of one asset is compiled from, with the policy keys each part came from. */
export interface HaircutBasis {
  /** The asset's own schedule (asset_haircuts). */
  schedule: Bracket[];
  liquidityClass: string;
  /** ppm: no bracket of an asset of this class takes less. */
  classMinimum: bigint;
  /** The policy key that set classMinimum ('classHaircut:CLASS', or 'classHaircut' for every class). */
  classKey: string;
  /** micro-USD traded a day, as the policy sets it; null: no concentration add-on for this asset. */
  dailyVolume: bigint | null;
  volumeKey: string;
  concentration: ConcentrationStep[];
  /** The policy version the basis was read at. */
  policyVersion: number;
}

/** Why one bracket of the effective schedule has its rate. */
export interface HaircutRule {
  floor: bigint;
  rate: bigint;
  /** 1-based row of the asset's own schedule the bracket lies in, and that row's rate. */
  scheduleRow: number;
  scheduleRate: bigint;
  /** The class minimum raised the schedule's rate. */
  raisedToClass: boolean;
  /** 1-based concentration step in force (0: none) and its add-on. */
  step: number;
  addOn: bigint;
  /** The rate reached 100% and was held there. */
  capped: boolean;
  /** The rule in words, naming the policy keys and version. */
  text: string;
}

/** The default concentration schedule: above 10% of a day's volume +5%, above 25% +15%, above 50% +30%. */
export const DEFAULT_CONCENTRATION = '0.1:0.05,0.25:0.15,0.5:0.3';

/** Ratios a concentration step may name: above 0, at most 100 days' volume. */
const MAX_RATIO = 100n * RATE_ONE;

/**
 * A concentration schedule written "ratio:addOn,ratio:addOn" (decimals: ratio of a day's volume, add-on as a fraction
 * of holding value): ratios strictly increasing in (0, 100], add-ons non-decreasing in [0, 1]. "off": no steps. A
 * malformed schedule throws an Error saying what and where.
 */
export function parseConcentration(text: string): ConcentrationStep[] {
  if (text === 'off') return [];
  const parts = text.split(',');
  if (parts.length > 10) throw new Error(`at most 10 steps, not ${parts.length}`);
  const steps: ConcentrationStep[] = [];
  parts.forEach((p, i) => {
    const n = i + 1;
    const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(p.trim());
    if (!m) throw new Error(`step ${n} "${p}" is not ratio:addOn such as "0.1:0.05"`);
    const ratio = parseRate(m[1]!, `step ${n} ratio`);
    const addOn = parseRate(m[2]!, `step ${n} add-on`);
    if (ratio <= 0n || ratio > MAX_RATIO) throw new Error(`step ${n} ratio ${m[1]} must be above 0 and at most 100 (days of volume)`);
    if (addOn > RATE_ONE) throw new Error(`step ${n} add-on ${m[2]} is above 1`);
    const prev = steps[i - 1];
    if (prev && ratio <= prev.ratio) throw new Error(`step ${n} ratio ${m[1]} is not above step ${i}'s ${formatRate(prev.ratio)}`);
    if (prev && addOn < prev.addOn) throw new Error(`step ${n} add-on ${m[2]} is below step ${i}'s ${formatRate(prev.addOn)}`);
    steps.push({ ratio, addOn });
  });
  return steps;
}

/** A schedule as the policy stores it (one spelling per schedule). */
export function formatConcentration(steps: readonly ConcentrationStep[]): string {
  return steps.length === 0 ? 'off' : steps.map((s) => `${formatRate(s.ratio)}:${formatRate(s.addOn)}`).join(',');
}

/**
 * The holding value (micro-USD) from which a step applies: ratio x daily volume, rounded down (a bracket that starts a
 * micro-dollar early errs toward the larger haircut); null beyond int64, where no holding can reach it.
 */
export function stepThreshold(ratio: bigint, dailyVolume: bigint): bigint | null {
  const t = (ratio * dailyVolume) / RATE_ONE;
  return t > INT64_MAX ? null : t;
}

const pct = (ppm: bigint): string => `${formatRate(ppm * 100n)}%`;
/** $1,234,567.5: the rule is read by a person, so the dollars are grouped in thousands (the figure stays exact). */
const usd = (micro: bigint): string => {
  const [whole, frac] = formatAmount(micro).split('.');
  return `$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac === undefined ? '' : `.${frac}`}`;
};

function lastAtOrBelow<T>(rows: readonly T[], floorOf: (r: T) => bigint, x: bigint): number {
  let n = -1;
  rows.forEach((r, i) => {
    if (floorOf(r) <= x) n = i;
  });
  return n;
}

/** The effective schedule and, bracket by bracket, the rules that set it. */
export function effectiveHaircuts(asset: string, b: HaircutBasis): { brackets: Bracket[]; rules: HaircutRule[] } {
  const thresholds: { step: ConcentrationStep; at: bigint }[] = [];
  if (b.dailyVolume !== null) {
    for (const s of b.concentration) {
      const at = stepThreshold(s.ratio, b.dailyVolume);
      if (at !== null) thresholds.push({ step: s, at });
    }
  }
  const floors = [...new Set([...b.schedule.map((r) => r.floor), ...thresholds.map((t) => t.at)])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const brackets: Bracket[] = [];
  const rules: HaircutRule[] = [];
  for (const floor of floors) {
    const row = lastAtOrBelow(b.schedule, (r) => r.floor, floor);
    const scheduleRate = row < 0 ? 0n : b.schedule[row]!.rate;
    const k = lastAtOrBelow(thresholds, (t) => t.at, floor);
    const addOn = k < 0 ? 0n : thresholds[k]!.step.addOn;
    const raisedToClass = b.classMinimum > scheduleRate;
    const base = raisedToClass ? b.classMinimum : scheduleRate;
    const capped = base + addOn > RATE_ONE;
    const rate = capped ? RATE_ONE : base + addOn;
    const words = [`${asset} schedule row ${row + 1}: ${pct(scheduleRate)} from ${usd(b.schedule[Math.max(row, 0)]?.floor ?? 0n)}`];
    words.push(
      raisedToClass
        ? `raised to the ${b.liquidityClass || 'unclassed'} class minimum ${pct(b.classMinimum)} (${b.classKey})`
        : `class ${b.liquidityClass || 'unclassed'} minimum ${pct(b.classMinimum)} (${b.classKey}) not binding`,
    );
    if (k >= 0) {
      const t = thresholds[k]!;
      words.push(
        `+${pct(addOn)} concentration: holding value from ${usd(t.at)} = ${formatRate(t.step.ratio)} × daily volume ${usd(b.dailyVolume!)} (concentrationHaircuts step ${k + 1}, ${b.volumeKey})`,
      );
    } else if (b.dailyVolume === null) {
      words.push(`no concentration add-on (${b.volumeKey} off)`);
    }
    if (capped) words.push('held at 100%');
    words.push(`= ${pct(rate)}; policy v${b.policyVersion}`);
    brackets.push({ floor, rate });
    rules.push({ floor, rate, scheduleRow: row + 1, scheduleRate, raisedToClass, step: k + 1, addOn, capped, text: words.join('; ') });
  }
  return { brackets, rules };
}

/** The collateral policy keys (docs/collateral-haircuts.md) and the values a ledger without rows runs with. */
export const COLLATERAL_POLICY = {
  /** Minimum haircut of every class without its own `classHaircut:CLASS`. */
  classHaircut: '0',
  /** Daily volume of every asset without its own `dailyVolume:ASSET`: off, no concentration add-on. */
  dailyVolume: 'off',
  concentrationHaircuts: DEFAULT_CONCENTRATION,
} as const;
