// Two layouts of the loss a default leaves, run by the same engine on the same default (docs/default-management.md,
// "Layouts"): the clearinghouse's waterfall (methodology §8.1: the defaulter's margin and default fund, the CCP's
// tranches, the survivors' default fund, assessments, then the recovery tools), and a crypto venue's (the
// defaulter's margin, then the venue's insurance fund, then auto-deleveraging or socialised loss). Each layer is the
// waterfall's or the recovery tools' own (waterfall.ts, recoveryAllocation.ts); this only orders them. Pure and exact.
import { allocateWaterfall, type WaterfallCase } from './waterfall.ts';
import { allocateRecovery, memberTotals, type RecoveryInput, type RecoveryToolName } from './recoveryAllocation.ts';

export const LAYOUTS = ['ccp', 'crypto'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface LayoutCase {
  /** The default as the waterfall takes it (its recovery tools and VM gains are not used here). */
  waterfall: Omit<WaterfallCase, 'recoveryTools' | 'vmGains'>;
  /** The insurance fund's balance (micro-USD; a crypto venue's layer after the defaulter's margin). */
  insuranceFund: bigint;
  /** The market the recovery tools act on: VM gains, the ADL queue, the survivors' contributions. */
  recovery: Omit<RecoveryInput, 'loss' | 'tools' | 'amountScale'>;
  /** The tools after the assessments (CCP) and after the insurance fund (crypto), in order. */
  ccpTools: readonly RecoveryToolName[];
  cryptoTools: readonly RecoveryToolName[];
}

export interface LayoutLayer {
  name: string;
  available: bigint;
  used: bigint;
  remaining: bigint;
}

export interface LayoutResult {
  layout: Layout;
  layers: LayoutLayer[];
  /** Per member, what it bears: its default fund used, its assessment, its accounts' share of the recovery tools. */
  members: Map<string, bigint>;
  /** What the clearinghouse or venue itself bears: its tranches, or its insurance fund. */
  house: bigint;
  uncovered: bigint;
}

function add(m: Map<string, bigint>, id: string, v: bigint): void {
  if (v !== 0n) m.set(id, (m.get(id) ?? 0n) + v);
}

export function runLayout(layout: Layout, c: LayoutCase): LayoutResult {
  const w = c.waterfall;
  const defaulter = w.members.find((m) => m.id === w.defaulter);
  if (!defaulter) throw new RangeError(`the defaulter ${w.defaulter} is not a member`);
  const members = new Map<string, bigint>();
  const layers: LayoutLayer[] = [];
  let loss: bigint;
  let house: bigint;
  if (layout === 'ccp') {
    const r = allocateWaterfall({ ...w, recoveryTools: [], vmGains: [] });
    layers.push(...r.layers);
    for (const m of r.members) add(members, m.id, m.defaultFundUsed + m.assessment);
    house = r.layers.filter((l) => l.name === 'ccpFirstTranche' || l.name === 'ccpSecondTranche').reduce((s, l) => s + l.used, 0n);
    add(members, defaulter.id, r.layers.find((l) => l.name === 'defaulterMargin')!.used);
    loss = r.uncovered;
  } else {
    loss = w.closeOutLoss;
    const take = (name: string, available: bigint): bigint => {
      const used = loss < available ? loss : available;
      loss -= used;
      layers.push({ name, available, used, remaining: available - used });
      return used;
    };
    add(members, defaulter.id, take('defaulterMargin', defaulter.margin));
    house = take('insuranceFund', c.insuranceFund > 0n ? c.insuranceFund : 0n);
  }
  const tools = layout === 'ccp' ? c.ccpTools : c.cryptoTools;
  if (tools.length > 0) {
    const r = allocateRecovery({ ...c.recovery, loss, tools, amountScale: w.amountScale });
    layers.push(...r.layers);
    for (const [m, t] of memberTotals(r)) add(members, m, t.total);
    loss = r.uncovered;
  }
  return { layout, layers, members, house, uncovered: loss };
}
