// Traces of the liquidation and bankruptcy prices of a portfolio position or an option (methodology §4, §5): found
// by scanning its underlying instrument's price (engine/scannedPrices.ts), so the trace shows the search and the
// margin unit (the account's cross part, or an isolated option) at the two ticks that bracket the answer, each
// evaluated whole again there.
import type { TraceInput, TraceStep } from '../../../shared/contractExplain.ts';
import type { Instrument, Position } from '../model.ts';
import { ScanError, scanPrices, scanner, scannedInstrument, scannedView, SCAN_STEPS, type ScanHit, type ScannedPrices } from '../scannedPrices.ts';
import { markInput, positionInput, priceOf, usd, type TraceBody, type TracedAccount } from './traceParts.ts';

export function scannedPriceTrace(t: TracedAccount, pos: Position, inst: Instrument, which: 'liquidation' | 'bankruptcy'): TraceBody {
  const u = scannedInstrument(inst);
  const under = t.instruments.get(u) ?? t.book.instruments.find((x) => x.id === u)!;
  const mark = t.book.marks.get(u)!;
  const liq = which === 'liquidation';
  const isolated = pos.isolatedMargin === null ? undefined : t.book.positions.indexOf(pos);
  const who = isolated === undefined ? 'the account' : 'the isolated position';
  const base = {
    title: `${liq ? 'Liquidation' : 'Bankruptcy'} price of ${inst.id} in ${t.account}`,
    unit: 'price' as const,
    section: `methodology §4 (the portfolio scanned again at each price), §5 (equity = MM with every other price held)${inst.margin === 'portfolio' ? '' : ', §3 (tiered MM on the option\'s premium)'}`,
    formula: `the price of ${u} nearest its mark at which ${who}'s ${liq ? 'equity <= MM' : 'equity <= 0'}, each candidate price valued whole (options on ${u} moved with it by Black-76, risk arrays computed again): steps of 1/${SCAN_STEPS} of the mark outward (doubling beyond a quarter of it) to 1 tick below and twice the mark above, then bisection to the tick`,
  };
  const inputs: TraceInput[] = [positionInput(t, pos, inst), markInput(t, under, mark)];
  let s: ScannedPrices | null;
  try {
    s = scanPrices(t.book, t.account, u, isolated);
  } catch (e) {
    if (!(e instanceof ScanError)) throw e;
    return { ...base, value: null, inputs, steps: [], note: `Not scanned: ${e.message}.` };
  }
  if (s === null) return { ...base, value: null, inputs, steps: [], note: `No price for ${u}.` };
  const view = scannedView(s, under.tick);
  const hit: ScanHit = liq ? s.liquidation : s.bankruptcy;
  const value = liq ? view.liquidationPrice : view.bankruptcyPrice;
  const { at } = scanner(t.book, t.account, u, isolated);
  const figures = (p: bigint, label: string): TraceStep => {
    const f = at(p);
    return { label, formula: `${u} at ${priceOf(p, under)}: equity ${usd(f.equity)}, MM ${usd(f.mm)}`, value: liq ? usd(f.equity - f.mm) : usd(f.equity) };
  };
  const steps: TraceStep[] = [figures(mark, `at the mark (${liq ? 'equity − MM' : 'equity'})`)];
  if (hit === 'now') return { ...base, value: null, inputs, steps, note: `${isolated === undefined ? 'The account' : 'The isolated position'} is already ${liq ? 'at or below maintenance margin' : 'at or below zero equity'} at the mark.` };
  if (hit === null) {
    return { ...base, value: null, inputs, steps, note: `No price of ${u} from ${priceOf(s.low, under)} to ${priceOf(s.high, under)} gets there (${s.evaluations} prices tried).` };
  }
  const before = hit.side === 'down' ? hit.ticks + 1n : hit.ticks - 1n;
  steps.push(figures(before, 'the tick before: not there'), figures(hit.ticks, 'the first tick there'));
  steps.push({ label: `${liq ? 'LP' : 'BP'}`, formula: `${priceOf(hit.ticks, under)}, ${hit.side === 'down' ? 'below' : 'above'} the mark, to 8 places (on the tick grid: shown as it is)`, value });
  return { ...base, value, inputs, steps, note: null };
}
