// Recovery tools on a ledger case (methodology §8.1 layer 7): the loss left after the assessments allocated, tool by
// tool in the desk's order. Pure and exact (bigint micro-USD); the command layer books what this returns, and the
// comparison of two policies runs it twice on the same snapshot.
//
// - vmGainsHaircut: each surviving account gives up to its variation-margin gain since the default (positive part),
//   pro rata to the gains. Money demanded: the amount taken is the loss rounded up to the amount scale, split in
//   whole units of it (largest remainder), no account above its gain rounded down to the scale.
// - adl: the defaulter's closed-out positions are re-opposed: per instrument the loss share (pro rata to the
//   defaulter's notional at the mark) sets a bankruptcy price `mark + side x delta` (delta = the share per lot, in whole
//   ticks, rounded up); opposing surviving positions are ranked by methodology §8.2 (main/engine/adl.ts) and closed
//   in rank order at that price until the defaulter's size is covered. What each closed account gives up against the
//   mark (lots x delta x tick value) is its contribution.
// - partialTearUp: the same loss shares and the same price as ADL, but the opposing positions are torn up pro rata to
//   their size (lots, largest remainder, ties to the earlier account) rather than ranked: every surviving cross
//   account opposite the defaulter on the instrument gives up its share of the defaulter's size (all of it when the
//   opposing side holds less), with no screening by profit, leverage or equity, as a CCP terminates the contracts that
//   offset the defaulter's unmatched book (CPMI-IOSCO, Recovery of financial market infrastructures, 4.2). One policy
//   uses ADL or partial tear-up, not both (shared/contractRecovery.ts recoveryToolsProblem).
// - socialisedLoss: whatever is left, on the surviving members pro rata to their default-fund contributions, rounded
//   up to the amount scale and split in whole units of it.
// A layer's `used` is the loss it covers; what it takes can exceed that by less than one unit of the amount scale per
// split (or, for ADL and tear-up, per instrument by less than a tick per lot): the surplus stays with the clearinghouse.
import { largestRemainder, AMOUNT_SCALE, divRound } from '../../shared/units.ts';
import { cappedLargestRemainder } from './waterfall.ts';
import { deleverage } from './adl.ts';
import { lotTickFraction, lotsNotional, lotsValue } from './lotValue.ts';

export type RecoveryToolName = 'vmGainsHaircut' | 'adl' | 'partialTearUp' | 'socialisedLoss';

export interface AccountGain {
  account: string;
  member: string;
  gain: bigint;
}

export interface AdlInstrument {
  instrument: string;
  /** micro-USD per lot per tick: lotTickValue x 10^-lotTickScale (see lotValue.ts). */
  lotTickValue: bigint;
  lotTickScale: number;
  /** Current mark, ticks (> 0). */
  mark: bigint;
  /** The defaulter's net position that was closed out, lots, signed. */
  defaulterQuantity: bigint;
  candidates: AdlCandidatePosition[];
}

export interface AdlCandidatePosition {
  account: string;
  member: string;
  /** lots, signed (opposite to the defaulter's). */
  quantity: bigint;
  /** micro-USD, signed like quantity. */
  entryValue: bigint;
  /** The account's (cross) equity now, micro-USD: its bankruptcy price for the ranking is where it reaches zero. */
  equity: bigint;
}

export interface AdlClose {
  account: string;
  member: string;
  instrument: string;
  lots: bigint;
  /** The close price, ticks. */
  price: bigint;
  /** What the account gives up against the mark, micro-USD. */
  cost: bigint;
}

export interface RecoveryAllocation {
  tool: RecoveryToolName;
  member: string;
  account: string | null;
  amount: bigint;
  close?: AdlClose;
}

export interface RecoveryLayer {
  name: RecoveryToolName;
  available: bigint;
  used: bigint;
  remaining: bigint;
}

export interface RecoveryInput {
  loss: bigint;
  tools: readonly RecoveryToolName[];
  amountScale: number;
  vmGains: readonly AccountGain[];
  /** The positions opposing the defaulter's closed-out ones: what ADL and partial tear-up act on. */
  adl: readonly AdlInstrument[];
  survivors: readonly { member: string; defaultFund: bigint }[];
}

export interface RecoveryResult {
  layers: RecoveryLayer[];
  allocations: RecoveryAllocation[];
  uncovered: bigint;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An instrument's part of the loss, as the price the opposing positions are closed at (ADL and tear-up alike). */
interface OpposingCase {
  c: AdlInstrument;
  /** The defaulter's side: +1 long (the opposing shorts are closed above the mark), -1 short. */
  side: bigint;
  /** The move against the opposing side, ticks. */
  delta: bigint;
  /** The close price, ticks (> 0). */
  price: bigint;
}

/**
 * The loss split over the defaulter's instruments pro rata to its notional at the mark; each share set as a move of
 * the price against the opposing side: the least delta (whole ticks) with |Q| x delta x K >= share.
 */
function opposingCases(loss: bigint, instruments: readonly AdlInstrument[]): OpposingCase[] {
  const cases = instruments.filter((i) => i.defaulterQuantity !== 0n && i.mark > 0n).sort((a, b) => cmp(a.instrument, b.instrument));
  if (loss <= 0n || cases.length === 0) return [];
  const shares = largestRemainder(loss, cases.map((c) => lotsNotional(c, c.defaulterQuantity, c.mark)));
  return cases.flatMap((c, k) => {
    const share = shares[k]!;
    if (share === 0n) return [];
    const side = c.defaulterQuantity > 0n ? 1n : -1n;
    const { num: perLot, den: sub } = lotTickFraction(c);
    const delta = divRound(share * sub, abs(c.defaulterQuantity) * perLot, 'ceil');
    const price = c.mark + side * delta;
    // The opposing longs cannot be closed at a price of zero or below.
    return price > 0n ? [{ c, side, delta, price }] : [];
  });
}

/** The ADL closes that raise (at least) `loss`, or less when the opposing positions run out. */
export function planAdl(loss: bigint, instruments: readonly AdlInstrument[]): AdlClose[] {
  const closes: AdlClose[] = [];
  for (const { c, side, delta, price } of opposingCases(loss, instruments)) {
    // Ranking prices are in 10^-lotTickScale micro-USD per lot (one common unit, whole even for a fine K = perLot / sub).
    const { num: perLot, den: sub } = lotTickFraction(c);
    // Candidates past their own bankruptcy are skipped.
    const m = c.mark * perLot;
    const candidates = c.candidates
      .filter((p) => p.quantity !== 0n && (p.quantity > 0n) !== (side > 0n) && p.equity > 0n && p.entryValue !== 0n && (p.entryValue > 0n) === (p.quantity > 0n))
      .sort((a, b) => cmp(a.account, b.account))
      .map((p) => ({
        account: p.account,
        quantity: p.quantity,
        entryPrice: divRound(p.entryValue * sub, p.quantity, 'halfEven'),
        // equity + q (P - m) = 0  ->  P = m - equity / q (toward the mark, so never past it)
        bankruptcyPrice: m - divRound(p.equity * sub, p.quantity, p.quantity > 0n ? 'floor' : 'ceil'),
      }))
      .filter((p) => p.entryPrice > 0n);
    if (candidates.length === 0) continue;
    const member = new Map(c.candidates.map((p) => [p.account, p.member]));
    const r = deleverage({ mark: m, bankrupt: { account: '(defaulter)', quantity: c.defaulterQuantity, bankruptcyPrice: price * perLot }, candidates });
    for (const x of r.closes) {
      closes.push({ account: x.account, member: member.get(x.account)!, instrument: c.instrument, lots: x.quantity, price, cost: lotsValue(c, x.quantity, delta) });
    }
  }
  return closes;
}

/** The partial tear-up that raises (at least) `loss`, or less when the opposing side holds less than the defaulter. */
export function planTearUp(loss: bigint, instruments: readonly AdlInstrument[]): AdlClose[] {
  const closes: AdlClose[] = [];
  for (const { c, side, delta, price } of opposingCases(loss, instruments)) {
    const opposing = c.candidates.filter((p) => p.quantity !== 0n && (p.quantity > 0n) !== (side > 0n)).sort((a, b) => cmp(a.account, b.account));
    const held = opposing.map((p) => abs(p.quantity));
    const total = held.reduce((s, q) => s + q, 0n);
    const lots = cappedLargestRemainder(min(abs(c.defaulterQuantity), total), held, held);
    opposing.forEach((p, i) => {
      if (lots[i]! > 0n) closes.push({ account: p.account, member: p.member, instrument: c.instrument, lots: lots[i]!, price, cost: lotsValue(c, lots[i]!, delta) });
    });
  }
  return closes;
}

export function allocateRecovery(input: RecoveryInput): RecoveryResult {
  const step = 10n ** BigInt(AMOUNT_SCALE - input.amountScale);
  const demand = (x: bigint): bigint => divRound(x, step, 'ceil');
  let loss = input.loss;
  const layers: RecoveryLayer[] = [];
  const allocations: RecoveryAllocation[] = [];
  for (const tool of input.tools) {
    if (tool === 'vmGainsHaircut') {
      const gains = input.vmGains.filter((g) => g.gain > 0n).sort((a, b) => cmp(a.account, b.account));
      const caps = gains.map((g) => g.gain / step);
      const available = caps.reduce((s, c) => s + c, 0n) * step;
      const units = min(demand(loss), available / step);
      const parts = units > 0n ? cappedLargestRemainder(units, gains.map((g) => g.gain), caps) : gains.map(() => 0n);
      gains.forEach((g, i) => {
        if (parts[i]! > 0n) allocations.push({ tool, member: g.member, account: g.account, amount: parts[i]! * step });
      });
      const used = min(loss, units * step);
      layers.push({ name: tool, available, used, remaining: available - used });
      loss -= used;
    } else if (tool === 'adl' || tool === 'partialTearUp') {
      const closes = tool === 'adl' ? planAdl(loss, input.adl) : planTearUp(loss, input.adl);
      const raised = closes.reduce((s, c) => s + c.cost, 0n);
      for (const c of closes) allocations.push({ tool, member: c.member, account: c.account, amount: c.cost, close: c });
      const used = min(loss, raised);
      layers.push({ name: tool, available: raised, used, remaining: raised - used });
      loss -= used;
    } else {
      const survivors = input.survivors.filter((s) => s.defaultFund > 0n).sort((a, b) => cmp(a.member, b.member));
      const units = survivors.length > 0 ? demand(loss) : 0n;
      const parts = largestRemainder(units, survivors.map((s) => s.defaultFund));
      survivors.forEach((s, i) => {
        if (parts[i]! > 0n) allocations.push({ tool, member: s.member, account: null, amount: parts[i]! * step });
      });
      const used = min(loss, units * step);
      layers.push({ name: tool, available: units * step, used, remaining: units * step - used });
      loss -= used;
    }
  }
  return { layers, allocations, uncovered: loss };
}

/** Per member: the total it (or its accounts) bears under a result, and by tool. */
export function memberTotals(r: RecoveryResult): Map<string, { total: bigint; byTool: Map<RecoveryToolName, bigint> }> {
  const out = new Map<string, { total: bigint; byTool: Map<RecoveryToolName, bigint> }>();
  for (const a of r.allocations) {
    const m = out.get(a.member) ?? { total: 0n, byTool: new Map() };
    m.total += a.amount;
    m.byTool.set(a.tool, (m.byTool.get(a.tool) ?? 0n) + a.amount);
    out.set(a.member, m);
  }
  return out;
}
