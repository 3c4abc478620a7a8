// The trace of a liquidation plan's quantity (methodology §7): the planner's own plan for the account, and the
// planner's own arithmetic (applyOrders) showing the quantity is the smallest whole number of lots after which the
// unit meets the target health: at that quantity it does, one lot fewer it does not.
import type { TraceInput, TraceStep } from '../../../shared/contractExplain.ts';
import { planAccount, applyOrders, planContext, healthText, type AccountInput, type PlanReason, type EditedOrder } from '../liquidationPlan.ts';
import { slippageRate } from '../closeMath.ts';
import { lotsNotional } from '../lotValue.ts';
import { tierIndex } from '../tierMath.ts';
import { divRound } from '../../../shared/units.ts';
import { InputError } from '../../../shared/errors.ts';
import { abs, markInput, positionInput, positionsOf, priceOf, qtyOf, rate, tierInput, usd, type TraceBody, type TracedAccount } from './traceParts.ts';

export function planQuantityTrace(t: TracedAccount, instrument: string, force: PlanReason | null): TraceBody {
  const hit = positionsOf(t).find((x) => x.pos.instrument === instrument);
  if (!hit) throw new InputError(`account ${t.account} has no position in "${instrument}"`, { field: 'instrument' });
  const { pos, inst, mark } = hit;
  const policy = t.book.policy;
  const pc = planContext(t.book);
  const input: AccountInput = { id: t.account, positions: t.book.positions, collateral: t.book.collateral, cross: t.result };
  const plan = planAccount(pc, input, force);
  const inputs: TraceInput[] = [
    positionInput(t, pos, inst),
    markInput(t, inst, mark),
    { name: 'targetHealth', value: rate(policy.targetHealth), source: t.sources.policy },
    { name: 'liquidationHealth', value: rate(policy.liquidationHealth), source: t.sources.policy },
    { name: 'liquidationFeeRate', value: rate(policy.liquidationFeeRate), source: t.sources.policy },
    { name: 'insuranceFeeRate', value: rate(policy.insuranceFeeRate), source: t.sources.policy },
    { name: `${instrument} slippage`, value: inst.impact?.length ? 'impact table' : rate(inst.slippage), source: `instruments row ${instrument}` },
  ];
  const base = {
    title: `Liquidation plan quantity of ${instrument} in ${t.account}`,
    unit: 'quantity' as const,
    section: 'methodology §7 Liquidation',
    formula:
      'per unit in liquidation, positions largest MM first; for each, the smallest whole number of lots after which equity_after ≥ targetHealth × MM_after at the estimated price and fees (Drift: qClose = S / (P × (targetHealth × mmr − f − g)), S = targetHealth × MM − equity), capped at the position',
  };
  const order = plan?.orders.find((o) => o.instrument === instrument);
  if (!plan || !order) {
    const why = !plan ? `${t.account} needs no liquidation: no unit is in status liquidation or bankrupt` : `the plan for ${t.account} closes no ${instrument}: the target is met before it`;
    return { ...base, value: null, inputs, steps: [], note: `No plan quantity: ${why}.` };
  }
  const steps: TraceStep[] = plan.reasons.map((r) => ({ label: `why (${r.unit})`, formula: r.text, value: r.code }));
  const at = plan.orders.indexOf(order);
  const before: EditedOrder[] = plan.orders.slice(0, at).map((o) => ({ instrument: o.instrument, lots: o.lots }));
  // The unit the order restores, before it: the cross part's figures after the orders before it, or the isolated position's own.
  const unitBefore = order.isolated
    ? t.result.positions[hit.k]!.isolated!
    : applyOrders(pc, input, before).after;
  const shortfall = divRound(policy.targetHealth * unitBefore.mm, 1_000_000n, 'ceil') - unitBefore.equity;
  steps.push({
    label: 'S (shortfall)',
    formula: `targetHealth × MM − equity = ${rate(policy.targetHealth)} × ${usd(unitBefore.mm)} − ${usd(unitBefore.equity)}${order.isolated ? ` (isolated ${instrument})` : ' (cross part, after the orders before this one)'}`,
    value: usd(shortfall),
  });
  const slip = slippageRate(inst, lotsNotional(inst, order.lots, mark));
  steps.push({
    label: 'P (estimated price)',
    formula: `mark ${priceOf(mark, inst)} moved against the ${order.side === 'sell' ? 'long' : 'short'} by slippage ${rate(slip)}, to the worse tick`,
    value: priceOf(order.price, inst),
  });
  // A portfolio leg's MM is its commodity's, scanned again at each quantity (methodology §4): no rate to seed from.
  const n = inst.margin === 'portfolio' ? -1 : tierIndex(inst.tiers, lotsNotional(inst, pos.quantity, mark));
  if (n < 0) {
    steps.push({
      label: 'MM after',
      formula: `the ${inst.underlying} commodity scanned again at each quantity tried (scan risk, credits, short option minimum): no closed form; the exact test below decides`,
      value: usd(unitBefore.mm),
    });
  } else inputs.push(tierInput(inst, n));
  const mmr = n < 0 ? 0n : inst.tiers[n]!.mmr;
  const r = policy.targetHealth * mmr - (policy.liquidationFeeRate + policy.insuranceFeeRate) * 1_000_000n;
  if (n >= 0 && r > 0n && shortfall > 0n && order.price > 0n) {
    // lots = S / (P x K x r), K = lotTickValue / 10^scale micro-USD per lot and tick, r in ppm squared.
    const seed = divRound(shortfall * 10n ** 12n * 10n ** BigInt(inst.lotTickScale), order.price * inst.lotTickValue * r, 'ceil');
    steps.push({
      label: 'Drift estimate',
      formula: `S / (P × multiplier × (targetHealth × mmr_${n + 1} − f − g)) = ${usd(shortfall)} / (${priceOf(order.price, inst)} × ${inst.multiplier} × (${rate(policy.targetHealth)} × ${rate(mmr)} − ${rate(policy.liquidationFeeRate)} − ${rate(policy.insuranceFeeRate)})), rounded up to the lot ${inst.lot}, capped at the position: where the planner starts; the exact test below decides`,
      value: qtyOf(seed < abs(pos.quantity) ? seed : abs(pos.quantity), inst),
    });
  }
  const whole = order.lots === abs(order.positionLots);
  if (!order.isolated) {
    const after = applyOrders(pc, input, [...before, { instrument, lots: order.lots }]).after;
    steps.push({
      label: `after closing ${qtyOf(order.lots, inst)}`,
      formula: `equity ${usd(after.equity)}, MM ${usd(after.mm)}: health ${healthText(after.equity, after.mm)} ${after.equity * 1_000_000n >= policy.targetHealth * after.mm ? '≥' : '<'} target ${rate(policy.targetHealth)}`,
      value: healthText(after.equity, after.mm),
    });
    if (order.lots > 1n) {
      const less = applyOrders(pc, input, [...before, { instrument, lots: order.lots - 1n }]).after;
      steps.push({
        label: `after closing one lot fewer (${qtyOf(order.lots - 1n, inst)})`,
        formula: `equity ${usd(less.equity)}, MM ${usd(less.mm)}: health ${healthText(less.equity, less.mm)} ${less.equity * 1_000_000n >= policy.targetHealth * less.mm ? '≥' : '<'} target ${rate(policy.targetHealth)}`,
        value: healthText(less.equity, less.mm),
      });
    }
  }
  steps.push({
    label: 'plan quantity',
    formula: whole ? `the whole position (${qtyOf(abs(order.positionLots), inst)}): ${order.isolated ? 'the isolated unit' : 'the unit'} cannot meet the target with less` : 'the smallest whole number of lots that meets the target',
    value: qtyOf(order.lots, inst),
  });
  return { ...base, value: qtyOf(order.lots, inst), inputs, steps, note: null };
}
