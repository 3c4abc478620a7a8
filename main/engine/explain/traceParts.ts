// What every figure's trace is made of: the account as the engine evaluated it, where its inputs came from, and the
// ways a trace writes amounts, rates, prices and quantities. Pure: the command layer supplies the sources.
import type { Asset, Book, Instrument, Position, Tier } from '../model.ts';
import type { AccountResult } from '../results.ts';
import type { TraceInput, TraceStep } from '../../../shared/contractExplain.ts';
import { divRound, formatAmount, formatUnits, unitsOf } from '../../../shared/units.ts';
import { tierCums } from '../tierMath.ts';

/** Where the account's prices and policy came from, in words a desk can check against the ledger. */
export interface TraceSources {
  /** "mark 50000 at 2026-03-12T16:00:00Z (source feed)" for an instrument. */
  mark(instrument: string): string;
  /** The same for a collateral asset's price. */
  assetPrice(asset: string): string;
  /** "policy version 3". */
  policy: string;
}

/** One account as the engine evaluated it: a book holding only it, and the exact engine's result. */
export interface TracedAccount {
  account: string;
  book: Book;
  result: AccountResult;
  instruments: Map<string, Instrument>;
  assets: Map<string, Asset>;
  sources: TraceSources;
}

/** What the engine's trace of one figure holds (the command adds the account, the time and the policy version). */
export interface TraceBody {
  title: string;
  value: string | null;
  unit: 'USD' | 'price' | 'ratio' | 'quantity';
  section: string;
  formula: string;
  inputs: TraceInput[];
  steps: TraceStep[];
  note: string | null;
}

/** Thrown when a trace's own derivation does not reach the engine's figure: a bug, never shown as a trace. */
export class TraceMismatch extends Error {}

export function agree(what: string, derived: bigint, engine: bigint): bigint {
  if (derived !== engine) throw new TraceMismatch(`trace of ${what}: derived ${derived}, the engine has ${engine}`);
  return engine;
}

export const usd = (micro: bigint): string => formatAmount(micro);
export const rate = (ppm: bigint): string => formatUnits(ppm, 6);
/** micro-USD x ppm (a tier's cum, an amount before its rounding) as USD, exact. */
export const usdPpm = (v: bigint): string => formatUnits(v, 12);
export const priceOf = (ticks: bigint, inst: Instrument): string => unitsOf(ticks, inst.tick);
export const qtyOf = (lots: bigint, inst: Instrument): string => unitsOf(lots, inst.lot);
export const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** equity / MM to 8 places, half-even (as the account detail reports it); null when MM is 0 (infinite). */
export function healthOf(equity: bigint, mm: bigint): string | null {
  return mm === 0n ? null : formatUnits(divRound(equity * 100_000_000n, mm, 'halfEven'), 8, 8);
}

/** A sum written out: "a + b − c" (negatives subtracted). */
export function sumText(parts: readonly bigint[]): string {
  if (parts.length === 0) return '0';
  return parts.map((v, i) => (i === 0 ? usd(v) : v < 0n ? `− ${usd(-v)}` : `+ ${usd(v)}`)).join(' ');
}

/** The account's positions with their book rows, in the result's order (the ledger's). */
export function positionsOf(t: TracedAccount): { pos: Position; inst: Instrument; mark: bigint; k: number }[] {
  return t.result.positions.map((_, k) => {
    const pos = t.book.positions[k]!;
    return { pos, inst: t.instruments.get(pos.instrument)!, mark: t.book.marks.get(pos.instrument)!, k };
  });
}

export function positionInput(t: TracedAccount, pos: Position, inst: Instrument): TraceInput {
  const iso = pos.isolatedMargin === null ? '' : `, isolated margin ${usd(pos.isolatedMargin)}`;
  return {
    name: `${inst.id} position`,
    value: `quantity ${qtyOf(pos.quantity, inst)}, entry value ${usd(pos.entryValue)}${iso}`,
    source: `positions row (${t.account}, ${inst.id}); lot ${inst.lot}, multiplier ${inst.multiplier}`,
  };
}

export function markInput(t: TracedAccount, inst: Instrument, mark: bigint): TraceInput {
  return { name: `${inst.id} mark`, value: priceOf(mark, inst), source: t.sources.mark(inst.id) };
}

export function tierInput(inst: Instrument, n: number): TraceInput {
  const t = inst.tiers[n] as Tier;
  const next = inst.tiers[n + 1];
  return {
    name: `${inst.id} tier ${n + 1}`,
    value: `notional from ${usd(t.floor)}${next ? ` to ${usd(next.floor)}` : ' up'}: mmr ${rate(t.mmr)}, imr ${rate(t.imr)}`,
    source: `instrument_tiers row ${n + 1} of ${inst.id}`,
  };
}

/** cum_n of tier n (0-based), written out from the tier rows (methodology §3). */
export function cumStep(inst: Instrument, n: number, which: 'mm' | 'im'): TraceStep {
  const c = tierCums(inst.tiers)[n]!;
  const v = which === 'mm' ? c.cumM : c.cumI;
  const r = which === 'mm' ? 'mmr' : 'imr';
  const terms: string[] = [];
  for (let i = 1; i <= n; i++) {
    const a = inst.tiers[i] as Tier;
    const b = inst.tiers[i - 1] as Tier;
    terms.push(`${usd(a.floor)} × (${rate(which === 'mm' ? a.mmr : a.imr)} − ${rate(which === 'mm' ? b.mmr : b.imr)})`);
  }
  return {
    label: `${inst.id} cum${which === 'im' ? 'IM' : ''}_${n + 1}`,
    formula: n === 0 ? `cum_1 = 0` : `Σ floor_k × (${r}_k − ${r}_k−1) = ${terms.join(' + ')}`,
    value: usdPpm(v),
  };
}

export function dedupeInputs(inputs: TraceInput[]): TraceInput[] {
  const seen = new Set<string>();
  return inputs.filter((i) => (seen.has(i.name) ? false : (seen.add(i.name), true)));
}
