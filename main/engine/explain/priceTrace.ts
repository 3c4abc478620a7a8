// Traces of a position's liquidation and bankruptcy prices (methodology §5, §7): the engine's own solution
// (solveLiquidationMark, bankruptcyValue), with the formula written out in the desk's units and its numbers put in.
import type { TraceInput, TraceStep } from '../../../shared/contractExplain.ts';
import { solveLiquidationMark, liquidationPriceOfSolution, roundLiqPriceToTick, availableMargin } from '../liquidationPrice.ts';
import { positionLiquidationPrice, liquidationInputOf, positionBankruptcyPrice } from '../positionLiquidation.ts';
import { bankruptcyValue, closeWholePositionInputs, bankruptcyPricePerUnit } from '../bankruptcyPrice.ts';
import { lotsValue } from '../lotValue.ts';
import { tierCums } from '../tierMath.ts';
import { decimalPlaces, formatUnits, parseUnits, divRound } from '../../../shared/units.ts';
import { InputError } from '../../../shared/errors.ts';
import { scannedPriceTrace } from './scanTrace.ts';
import { scansPosition } from '../scannedPrices.ts';
import { cumStep, markInput, positionInput, positionsOf, priceOf, qtyOf, rate, tierInput, usd, usdPpm, abs, type TraceBody, type TracedAccount } from './traceParts.ts';

function positionAt(t: TracedAccount, instrument: string) {
  const hit = positionsOf(t).find((x) => x.pos.instrument === instrument);
  if (!hit) throw new InputError(`account ${t.account} has no position in "${instrument}"`, { field: 'instrument' });
  return hit;
}

/** lot × multiplier as an exact integer of 10^-scale. */
function lotMultiplier(lot: string, multiplier: string): { n: bigint; scale: number } {
  const ls = decimalPlaces(lot);
  const ms = decimalPlaces(multiplier);
  return { n: parseUnits(lot, ls, 'lot') * parseUnits(multiplier, ms, 'multiplier'), scale: ls + ms };
}

export function liquidationPriceTrace(t: TracedAccount, instrument: string): TraceBody {
  const { pos, inst, mark, k } = positionAt(t, instrument);
  const p = t.result.positions[k]!;
  const r = t.result;
  const title = `Liquidation price of ${instrument} in ${t.account}`;
  const section = 'methodology §5 Accounts (liquidation price), §1 (8 places, half-even; the tick toward the side that triggers sooner)';
  const formula =
    'the mark at which equity = MM with every other price held, solved across tier edges: LP = (A + cum_n − E) / (|Q| × multiplier × mmr_n − Q × multiplier), A = WB − TMM + UPNL (cross) or the isolated margin, E = Q × entry × multiplier';
  const inputs: TraceInput[] = [positionInput(t, pos, inst), markInput(t, inst, mark)];
  const base = { title, unit: 'price' as const, section, formula };
  // A portfolio position and an option: no closed form follows them, their prices are found by scanning.
  if (scansPosition(inst, pos)) return scannedPriceTrace(t, pos, inst, 'liquidation');
  const li = liquidationInputOf(r, pos, p, inst, mark);
  if (li === null) return { ...base, value: null, inputs, steps: [], note: 'The position is flat: it has no liquidation price.' };
  const steps: TraceStep[] = [];
  if (li.kind === 'cross') {
    inputs.push(
      { name: 'WB (collateral value)', value: usd(li.walletBalance), source: 'figure: the account\'s collateral after haircuts (equity trace)' },
      { name: 'TMM (other positions\' MM)', value: usd(li.otherMm), source: `cross MM ${usd(r.mm)} − ${instrument} MM ${usd(p.mm)}` },
      { name: 'UPNL (other positions\' upnl)', value: usd(li.otherUpnl), source: `cross equity ${usd(r.equity)} − WB − ${instrument} upnl ${usd(p.upnl)}` },
    );
    steps.push({ label: 'A', formula: `WB − TMM + UPNL = ${usd(li.walletBalance)} − ${usd(li.otherMm)} + ${usd(li.otherUpnl)}`, value: usd(availableMargin(li)) });
  } else {
    steps.push({ label: 'A', formula: 'the isolated margin', value: usd(availableMargin(li)) });
  }
  const sol = solveLiquidationMark(li);
  const engine = positionLiquidationPrice(r, pos, p, inst, mark);
  if (sol === null) {
    return { ...base, value: null, inputs, steps, note: `No positive price of ${instrument} alone brings the unit to maintenance margin.` };
  }
  const n = sol.tier;
  const tier = inst.tiers[n]!;
  const cum = tierCums(inst.tiers)[n]!.cumM;
  inputs.push(tierInput(inst, n));
  steps.push(cumStep(inst, n, 'mm'));
  const A = availableMargin(li);
  const lm = lotMultiplier(inst.lot, inst.multiplier);
  // In USD x 1e12 (micro x ppm) over (quantity x multiplier) x 1e6 of 10^-scale: the engine's equation, rescaled.
  const num = 1_000_000n * (A - pos.entryValue) + cum;
  const den = (abs(pos.quantity) * tier.mmr - 1_000_000n * pos.quantity) * lm.n;
  steps.push({ label: 'numerator', formula: `A + cum_${n + 1} − E = ${usd(A)} + ${usdPpm(cum)} − ${usd(pos.entryValue)}`, value: usdPpm(num) });
  steps.push({
    label: 'denominator',
    formula: `|Q| × multiplier × mmr_${n + 1} − Q × multiplier = ${qtyOf(abs(pos.quantity), inst)} × ${inst.multiplier} × ${rate(tier.mmr)} − ${qtyOf(pos.quantity, inst)} × ${inst.multiplier}`,
    value: formatUnits(den, lm.scale + 6),
  });
  const exact = liquidationPriceOfSolution(sol, inst.tick);
  if (exact !== engine) throw new Error(`trace of ${instrument} liquidation price: ${exact}, the engine has ${engine}`);
  steps.push({ label: 'LP', formula: `numerator / denominator, in tier ${n + 1} (its notional lies in the tier), to 8 places half-even`, value: exact });
  const long = pos.quantity > 0n;
  steps.push({
    label: 'LP shown',
    formula: `rounded to the tick ${inst.tick} ${long ? 'up (a long triggers sooner at a higher price)' : 'down (a short triggers sooner at a lower price)'}`,
    value: roundLiqPriceToTick(exact, inst.tick, long ? 1 : -1),
  });
  return { ...base, value: exact, inputs, steps, note: null };
}

export function bankruptcyPriceTrace(t: TracedAccount, instrument: string): TraceBody {
  const { pos, inst, mark, k } = positionAt(t, instrument);
  if (scansPosition(inst, pos)) return scannedPriceTrace(t, pos, inst, 'bankruptcy');
  const p = t.result.positions[k]!;
  const r = t.result;
  const unit = p.isolated ?? { equity: r.equity, mm: r.mm };
  const unitName = p.isolated ? `isolated ${instrument}` : 'the cross part';
  const value = lotsValue(inst, pos.quantity, mark);
  const bi = closeWholePositionInputs({ equity: unit.equity, mm: unit.mm, positionValue: value, positionMm: p.mm });
  const bv = bankruptcyValue(bi);
  const inputs: TraceInput[] = [
    positionInput(t, pos, inst),
    markInput(t, inst, mark),
    { name: `TNC (${unitName} equity)`, value: usd(unit.equity), source: 'figure: equity (open its trace)' },
    { name: `TMMR (${unitName} MM)`, value: usd(unit.mm), source: 'figure: MM (open its trace)' },
    { name: `${instrument} MM`, value: usd(p.mm), source: 'figure: the position\'s MM' },
  ];
  const absD = abs(bi.dmmr);
  const share = bi.tmmr === 0n ? 0n : divRound(bi.tnc * absD, bi.tmmr, 'floor');
  const steps: TraceStep[] = [
    { label: 'DNNV', formula: `−(q × mark × multiplier) = −(${qtyOf(pos.quantity, inst)} × ${priceOf(mark, inst)} × ${inst.multiplier})`, value: usd(bi.dnnv) },
    { label: 'DMMR', formula: `−(the position's MM)`, value: usd(bi.dmmr) },
    {
      label: 'TNC × |DMMR| / TMMR',
      formula: bi.tmmr === 0n ? 'TMMR is 0: no share' : `${usd(bi.tnc)} × ${usd(absD)} / ${usd(bi.tmmr)}, rounded down to the micro-dollar`,
      value: usd(share),
    },
    { label: 'bankruptcy value', formula: `−DNNV − TNC × |DMMR| / TMMR = ${usd(-bi.dnnv)} − ${usd(share)}`, value: usd(bv) },
  ];
  const price = pos.quantity === 0n ? null : bankruptcyPricePerUnit({ value: bv, quantity: pos.quantity, lot: inst.lot, multiplier: inst.multiplier });
  const engine = positionBankruptcyPrice(r, pos, p, inst, mark);
  if (price !== engine) throw new Error(`trace of ${instrument} bankruptcy price: ${price}, the engine has ${engine}`);
  steps.push({ label: 'BP', formula: `bankruptcy value / (q × multiplier) = ${usd(bv)} / (${qtyOf(pos.quantity, inst)} × ${inst.multiplier}), to 8 places half-even`, value: price });
  return {
    title: `Bankruptcy price of ${instrument} in ${t.account}`,
    value: price,
    unit: 'price',
    section: 'methodology §7 Liquidation (bankruptcy price, dYdX v4 form)',
    formula: 'closing the whole position: BP = (−DNNV − TNC × |DMMR| / TMMR) / (q × multiplier); DNNV the change in its notional value, TNC the unit\'s equity, DMMR the change in its MM, TMMR the unit\'s MM',
    inputs,
    steps,
    note: price === null ? 'The position is flat: it has no bankruptcy price.' : null,
  };
}
