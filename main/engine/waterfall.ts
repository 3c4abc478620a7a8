// The default waterfall (methodology §8.1): a close-out loss allocated down the layers strictly in order, each layer
// used only when every earlier one is exhausted. Pure and exact: amounts are bigint micro-USD, rates ppm.
//
// Rounding (methodology §1): the default fund, the VM-gains haircut and the socialised loss take exactly what is
// needed, split to the micro-unit by the largest-remainder method. Assessments are money demanded: each member's cap
// is rounded down to the amount scale, the assessment layer's total is rounded up to it, and that total is split in
// whole units of the amount scale (largest remainder, capped), so every cash call is a whole number of cents that
// adds up exactly to the total demanded. The layer's `used` is the loss it covers; the demanded total exceeds it by
// less than one unit of the amount scale (the rounding surplus, which stays with the clearinghouse).
import { RATE_ONE, AMOUNT_SCALE, divRound, largestRemainder, roundAmountToScale } from '../../shared/units.ts';

export const RECOVERY_TOOLS = ['vmGainsHaircut', 'socialisedLoss'] as const;
export type RecoveryTool = (typeof RECOVERY_TOOLS)[number];

export const FIXED_LAYERS = ['defaulterMargin', 'defaulterDefaultFund', 'ccpFirstTranche', 'defaultFund', 'ccpSecondTranche', 'assessments'] as const;
export type LayerName = (typeof FIXED_LAYERS)[number] | RecoveryTool;

export interface WaterfallMember {
  id: string;
  defaultFund: bigint;
  /** Margin and collateral held; only the defaulter's is a layer. */
  margin: bigint;
  /** Per-member assessment multiple (ppm) overriding the policy's. */
  assessmentMultiple?: bigint;
  /**
   * The contribution assessments are pro rata to and capped by, when it differs from `defaultFund`: within a capped
   * period, the contribution as it stood before the period's first default (a default fund the first default used
   * up does not lower what a second one may call). Defaults to defaultFund.
   */
  assessmentBase?: bigint;
  /** Assessed already in the capped period, taken off the cap (the cap covers every default in the period). */
  assessedInPeriod?: bigint;
}

/** Who a VM gain belongs to: a member or an account. */
export interface Holder {
  kind: 'member' | 'account';
  id: string;
}

export interface VmGain extends Holder {
  gain: bigint;
}

export interface WaterfallCase {
  defaulter: string;
  /** The close-out loss before the defaulter's own margin is applied. */
  closeOutLoss: bigint;
  members: readonly WaterfallMember[];
  firstTranche: bigint;
  secondTranche: bigint;
  /** Assessment cap as a multiple of contribution, ppm (2.75 -> 2_750_000). */
  assessmentMultiple: bigint;
  /** Decimal places of money demanded (assessments), 0..6. */
  amountScale: number;
  recoveryTools: readonly RecoveryTool[];
  vmGains: readonly VmGain[];
}

export interface Allocation extends Holder {
  amount: bigint;
}

export interface Layer {
  name: LayerName;
  available: bigint;
  used: bigint;
  remaining: bigint;
  /** Per-holder shares of a recovery tool's `used`, adding up to it exactly. */
  allocations?: Allocation[];
}

export interface MemberAllocation {
  id: string;
  /** The member's default-fund contribution used: layer 2 for the defaulter, its share of layer 4 for the others. */
  defaultFundUsed: bigint;
  /** The cash call on the member, a whole number of units of the amount scale, at most its cap; 0 for the defaulter. */
  assessment: bigint;
  /** The member's assessment cap (multiple x contribution, rounded down to the amount scale); 0 for the defaulter. */
  assessmentCap: bigint;
}

export interface WaterfallResult {
  layers: Layer[];
  members: MemberAllocation[];
  /** The resolution gap: closeOutLoss - sum of used, never negative. */
  uncovered: bigint;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byHolder = (a: Holder, b: Holder): number => (a.kind === b.kind ? byId(a, b) : a.kind < b.kind ? -1 : 1);

/**
 * Splits `total` in proportion to `weights`, no part above its cap, the parts adding up to `total` exactly: members
 * whose exact pro-rata share exceeds their cap are held at the cap and the rest is split again among the others,
 * until no share exceeds its cap; the last split is by the largest remainder (ties to the earlier entry).
 * A zero weight takes nothing. Needs total <= the sum of the caps of positive weights.
 */
export function cappedLargestRemainder(total: bigint, weights: readonly bigint[], caps: readonly bigint[]): bigint[] {
  const parts = weights.map(() => 0n);
  let active = weights.flatMap((w, i) => (w > 0n && (caps[i] ?? 0n) > 0n ? [i] : []));
  let left = total;
  while (left > 0n) {
    if (active.length === 0) throw new RangeError(`cannot split ${total} within the caps`);
    const sumW = active.reduce((s, i) => s + weights[i]!, 0n);
    const over = active.filter((i) => left * weights[i]! > caps[i]! * sumW);
    if (over.length === 0) {
      const split = largestRemainder(left, active.map((i) => weights[i]!));
      active.forEach((i, k) => (parts[i] = split[k]!));
      break;
    }
    for (const i of over) {
      parts[i] = caps[i]!;
      left -= caps[i]!;
    }
    active = active.filter((i) => !over.includes(i));
  }
  return parts;
}

/** A pro-rata split computed over entries sorted by key, so the result does not depend on the input order. */
function sortedSplit<T>(items: readonly T[], order: (a: T, b: T) => number, split: (sorted: T[]) => bigint[]): Map<T, bigint> {
  const sorted = [...items].sort(order);
  const parts = split(sorted);
  return new Map(sorted.map((x, k) => [x, parts[k]!]));
}

export function allocateWaterfall(c: WaterfallCase): WaterfallResult {
  const defaulter = c.members.find((m) => m.id === c.defaulter);
  if (!defaulter) throw new RangeError(`the defaulter ${c.defaulter} is not a member`);
  const survivors = c.members.filter((m) => m !== defaulter);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const step = 10n ** BigInt(AMOUNT_SCALE - c.amountScale);

  let loss = c.closeOutLoss;
  const layers: Layer[] = [];
  const take = (name: LayerName, available: bigint): bigint => {
    const used = min(loss, available);
    loss -= used;
    layers.push({ name, available, used, remaining: available - used });
    return used;
  };

  take('defaulterMargin', defaulter.margin);
  const defaulterFundUsed = take('defaulterDefaultFund', defaulter.defaultFund);
  take('ccpFirstTranche', c.firstTranche);

  const fundTotal = survivors.reduce((s, m) => s + m.defaultFund, 0n);
  const fundUsed = take('defaultFund', fundTotal);
  const fundShares = sortedSplit(survivors, byId, (ms) => largestRemainder(fundUsed, ms.map((m) => m.defaultFund)));

  take('ccpSecondTranche', c.secondTranche);

  const base = (m: WaterfallMember): bigint => m.assessmentBase ?? m.defaultFund;
  const caps = new Map(
    survivors.map((m) => {
      const full = roundAmountToScale((base(m) * (m.assessmentMultiple ?? c.assessmentMultiple)) / RATE_ONE, c.amountScale, 'floor');
      const left = full - roundAmountToScale(m.assessedInPeriod ?? 0n, c.amountScale, 'ceil');
      return [m, left > 0n ? left : 0n];
    }),
  );
  const capacity = [...caps.values()].reduce((s, x) => s + x, 0n);
  const demanded = divRound(take('assessments', capacity), step, 'ceil');
  const assessments = sortedSplit(survivors, byId, (ms) =>
    cappedLargestRemainder(demanded, ms.map(base), ms.map((m) => caps.get(m)! / step)).map((u) => u * step),
  );

  for (const tool of c.recoveryTools) {
    if (tool === 'vmGainsHaircut') {
      const used = take(tool, c.vmGains.reduce((s, g) => s + g.gain, 0n));
      const shares = sortedSplit(c.vmGains, byHolder, (gs) => largestRemainder(used, gs.map((g) => g.gain)));
      layers.at(-1)!.allocations = c.vmGains.map((g) => ({ kind: g.kind, id: g.id, amount: shares.get(g)! }));
    } else {
      // Socialised loss: whatever is left, spread over the surviving members pro rata to contribution.
      const used = take(tool, fundTotal > 0n ? loss : 0n);
      const shares = sortedSplit(survivors, byId, (ms) => largestRemainder(used, ms.map((m) => m.defaultFund)));
      layers.at(-1)!.allocations = survivors.map((m) => ({ kind: 'member', id: m.id, amount: shares.get(m)! }));
    }
  }

  const members = c.members.map((m) =>
    m === defaulter
      ? { id: m.id, defaultFundUsed: defaulterFundUsed, assessment: 0n, assessmentCap: 0n }
      : { id: m.id, defaultFundUsed: fundShares.get(m)!, assessment: assessments.get(m)!, assessmentCap: caps.get(m)! },
  );
  return { layers, members, uncovered: loss };
}
