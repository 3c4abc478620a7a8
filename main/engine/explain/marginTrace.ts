// Traces of an account's margin figures (methodology §1, §3, §5, §6): MM and IM (the account's, or one
// position's), equity, the call amount and health. Each per-position figure is derived here with the engine's own
// tier and lot rules and must reach the engine's result to the unit (agree); the totals are the engine's sums.
import type { Asset, Collateral, Instrument, Position } from '../model.ts';
import type { TraceInput, TraceStep } from '../../../shared/contractExplain.ts';
import { tierCums, tierIndex, bracketCums, tieredRequirement } from '../tierMath.ts';
import { lotsNotional, lotsValue, isFine } from '../lotValue.ts';
import { collateralValue, grossValue } from '../exactAccount.ts';
import { isolatedUnits, sicker, type UnitFigures } from '../marginUnits.ts';
import { divRound, formatUnits, roundAmountToScale } from '../../../shared/units.ts';
import {
  agree,
  cumStep,
  dedupeInputs,
  healthOf,
  markInput,
  positionInput,
  positionsOf,
  priceOf,
  qtyOf,
  rate,
  sumText,
  tierInput,
  usd,
  usdPpm,
  type TraceBody,
  type TracedAccount,
} from './traceParts.ts';

const rounding = (inst: Instrument, dir: 'up' | 'down'): string => (isFine(inst) ? `, rounded ${dir} to the micro-dollar` : '');

/** notional = |q| × mark × multiplier, as the engine computes it; checked against the engine's figure. */
function notionalStep(inst: Instrument, pos: Position, mark: bigint, engine: bigint): TraceStep {
  const n = agree(`${inst.id} notional`, lotsNotional(inst, pos.quantity, mark), engine);
  return {
    label: `${inst.id} notional`,
    formula: `|${qtyOf(pos.quantity, inst)}| × ${priceOf(mark, inst)} × ${inst.multiplier}${rounding(inst, 'up')}`,
    value: usd(n),
  };
}

/** One position's requirement (MM or IM): its notional, its tier, the tier's cum and the rounded amount. */
function requirementSteps(t: TracedAccount, k: number, which: 'mm' | 'im'): { inputs: TraceInput[]; steps: TraceStep[]; value: bigint } {
  const { pos, inst, mark } = positionsOf(t)[k]!;
  const p = t.result.positions[k]!;
  const steps = [notionalStep(inst, pos, mark, p.notional)];
  const n = tierIndex(inst.tiers, p.notional);
  const tier = inst.tiers[n]!;
  const c = tierCums(inst.tiers)[n]!;
  const r = which === 'mm' ? tier.mmr : tier.imr;
  const cum = which === 'mm' ? c.cumM : c.cumI;
  const label = which === 'mm' ? 'MM' : 'IM';
  steps.push(cumStep(inst, n, which));
  const raw = p.notional * r - cum;
  const engine = which === 'mm' ? p.mm : p.im;
  const derived = p.notional === 0n ? 0n : divRound(raw, 1_000_000n, 'ceil');
  agree(`${inst.id} ${label}`, derived, tieredRequirement(inst.tiers, p.notional)[which]);
  steps.push({
    label: `${inst.id} ${label}${pos.isolatedMargin === null ? '' : ' (isolated)'}`,
    formula: `notional × ${which === 'mm' ? 'mmr' : 'imr'}_${n + 1} − cum_${n + 1} = ${usd(p.notional)} × ${rate(r)} − ${usdPpm(cum)} = ${usdPpm(raw)}, rounded up to the micro-dollar`,
    value: usd(agree(`${inst.id} ${label}`, derived, engine)),
  });
  return { inputs: [positionInput(t, pos, inst), markInput(t, inst, mark), tierInput(inst, n)], steps, value: engine };
}

/** MM or IM of the account (every margin unit summed, as the account detail shows it) or of one position. */
export function requirementTrace(t: TracedAccount, which: 'mm' | 'im', instrument: string | null): TraceBody {
  const name = which === 'mm' ? 'Maintenance margin' : 'Initial margin';
  const formula =
    which === 'mm'
      ? 'MM = Σ over positions (notional × mmr_n − cum_n), each rounded up to the micro-dollar; notional = |q| × mark × multiplier; cum_n = floor_n × (mmr_n − mmr_n−1) + cum_n−1'
      : 'IM = Σ over positions (notional × imr_n − cumIM_n), each rounded up to the micro-dollar; notional = |q| × mark × multiplier; cumIM_n = floor_n × (imr_n − imr_n−1) + cumIM_n−1';
  const section = 'methodology §3 Tiered margin, §5 Accounts';
  const all = positionsOf(t);
  const picked = instrument === null ? all : all.filter((x) => x.pos.instrument === instrument);
  const inputs: TraceInput[] = [];
  const steps: TraceStep[] = [];
  const parts: bigint[] = [];
  const label = which === 'mm' ? 'MM' : 'IM';
  for (const { k, inst } of picked) {
    if (inst.margin === 'portfolio') {
      // Margined with its combined commodity (methodology §4): the commodity's figure is counted once, below.
      steps.push({ label: `${inst.id} ${label}`, formula: `0: margined with the ${inst.underlying} commodity (scanned, methodology §4)`, value: usd(0n) });
      parts.push(0n);
      continue;
    }
    const s = requirementSteps(t, k, which);
    inputs.push(...s.inputs);
    steps.push(...s.steps);
    parts.push(s.value);
  }
  if (instrument === null) {
    for (const c of t.result.commodities ?? []) {
      const v = which === 'mm' ? c.mm : c.im;
      steps.push({
        label: `${c.underlying} commodity ${label}`,
        formula:
          `max(scan risk ${usd(c.scanRisk)} − credits ${usd(c.credits)}, short option minimum ${usd(c.shortOptionMinimum)})` +
          (which === 'im' ? ' × the IM multiplier, rounded up' : '') +
          ` (methodology §4; worst scenario ${c.worst})`,
        value: usd(v),
      });
      parts.push(v);
    }
  }
  const total = parts.reduce((a, b) => a + b, 0n);
  if (instrument === null) {
    const r = t.result;
    const iso = isolatedUnits(r);
    const engine = (which === 'mm' ? r.mm : r.im) + (iso ? (which === 'mm' ? iso.mm : iso.im) : 0n);
    steps.push({ label: `${which === 'mm' ? 'MM' : 'IM'} of the account`, formula: `Σ = ${sumText(parts)}`, value: usd(agree(`account ${which}`, total, engine)) });
  }
  return {
    title: instrument === null ? `${name} of ${t.account}` : `${name} of ${instrument} in ${t.account}`,
    value: usd(total),
    unit: 'USD',
    section,
    formula,
    inputs: dedupeInputs(inputs),
    steps,
    note: picked.length === 0 ? 'The account holds no positions: no margin is required.' : null,
  };
}

function collateralSteps(t: TracedAccount, c: Collateral, asset: Asset, price: bigint): { inputs: TraceInput[]; steps: TraceStep[]; value: bigint } {
  const q = formatUnits(c.quantity, asset.quantityScale);
  const p = formatUnits(price, asset.priceScale);
  const gross = grossValue(asset, c.quantity, price);
  const inputs: TraceInput[] = [
    { name: `${asset.id} holding`, value: q, source: `collateral row (${t.account}, ${asset.id})` },
    { name: `${asset.id} price`, value: p, source: t.sources.assetPrice(asset.id) },
  ];
  const steps: TraceStep[] = [{ label: `${asset.id} gross value`, formula: `${q} × ${p}, rounded down to the micro-dollar`, value: usd(gross) }];
  let value = gross;
  if (gross > 0n) {
    const n = tierIndex(asset.haircuts, gross);
    const b = asset.haircuts[n]!;
    const cum = bracketCums(asset.haircuts)[n]!;
    const haircut = divRound(gross * b.rate - cum, 1_000_000n, 'ceil');
    const next = asset.haircuts[n + 1];
    const rule = asset.haircutRules?.[n];
    inputs.push({
      name: `${asset.id} haircut bracket ${n + 1}`,
      value: `holding value from ${usd(b.floor)}${next ? ` to ${usd(next.floor)}` : ' up'}: haircut ${rate(b.rate)}`,
      // The rule that set the bracket (the asset's schedule, its class minimum, a concentration add-on, the policy
      // version), where the schedule was compiled from a collateral policy (haircutRules.ts).
      source: rule ? `effective haircut schedule of ${asset.id}, bracket ${n + 1}: ${rule.text}` : `asset_haircuts row ${n + 1} of ${asset.id} (liquidity class ${asset.liquidityClass})`,
    });
    steps.push({
      label: `${asset.id} haircut`,
      formula: `gross × h_${n + 1} − cumH_${n + 1} = ${usd(gross)} × ${rate(b.rate)} − ${usdPpm(cum)}, rounded up to the micro-dollar`,
      value: usd(haircut),
    });
    value = gross - haircut;
  }
  steps.push({
    label: `${asset.id} value`,
    formula: gross > 0n ? 'gross − haircut' : 'a debit takes no haircut: value = gross',
    value: usd(agree(`${asset.id} collateral value`, value, collateralValue(asset, c.quantity, price))),
  });
  return { inputs, steps, value };
}

/** Equity: collateral after haircuts plus the cross positions' upnl, plus each isolated position's own equity. */
export function equityTrace(t: TracedAccount): TraceBody {
  const inputs: TraceInput[] = [];
  const steps: TraceStep[] = [];
  const parts: bigint[] = [];
  for (const c of t.book.collateral) {
    const s = collateralSteps(t, c, t.assets.get(c.asset)!, t.book.assetPrices.get(c.asset)!);
    inputs.push(...s.inputs);
    steps.push(...s.steps);
    parts.push(s.value);
  }
  for (const { pos, inst, mark, k } of positionsOf(t)) {
    const p = t.result.positions[k]!;
    const upnl = agree(`${inst.id} upnl`, lotsValue(inst, pos.quantity, mark) - pos.entryValue, p.upnl);
    inputs.push(positionInput(t, pos, inst), markInput(t, inst, mark));
    steps.push({
      label: `${inst.id} upnl`,
      formula: `q × mark × multiplier − entry value = ${qtyOf(pos.quantity, inst)} × ${priceOf(mark, inst)} × ${inst.multiplier}${rounding(inst, 'down')} − ${usd(pos.entryValue)}`,
      value: usd(upnl),
    });
    if (pos.isolatedMargin === null) parts.push(upnl);
    else {
      const e = agree(`${inst.id} isolated equity`, pos.isolatedMargin + upnl, p.isolated!.equity);
      steps.push({ label: `${inst.id} isolated equity`, formula: `isolated margin + upnl = ${usd(pos.isolatedMargin)} + ${usd(upnl)}`, value: usd(e) });
      parts.push(e);
    }
  }
  const total = parts.reduce((a, b) => a + b, 0n);
  const iso = isolatedUnits(t.result);
  steps.push({ label: 'Equity of the account', formula: `Σ = ${sumText(parts)}`, value: usd(agree('equity', total, t.result.equity + (iso?.equity ?? 0n))) });
  return {
    title: `Equity of ${t.account}`,
    value: usd(total),
    unit: 'USD',
    section: 'methodology §2 Valuation, §5 Accounts',
    formula:
      'equity = Σ collateral (quantity × price − haircut) + Σ cross upnl + Σ isolated (isolated margin + upnl); upnl = q × (mark − entry) × multiplier; haircut = value × h_n − cumH_n',
    inputs: dedupeInputs(inputs),
    steps,
    note: null,
  };
}

interface Unit extends UnitFigures {
  name: string;
  im: bigint;
}

function unitsOf(t: TracedAccount): Unit[] {
  const r = t.result;
  const out: Unit[] = [{ name: 'cross part', equity: r.equity, mm: r.mm, im: r.im }];
  for (const p of r.positions) if (p.isolated) out.push({ name: `isolated ${p.instrument}`, ...p.isolated });
  return out;
}

/**
 * What the unit-level figures rest on: the equity, MM and (for a call) IM traces' inputs and steps, so that a call or
 * a health opens down to the marks, the positions and the tier and haircut rows.
 */
function underlying(t: TracedAccount, withIm: boolean): { inputs: TraceInput[]; steps: TraceStep[] } {
  const parts = [equityTrace(t), requirementTrace(t, 'mm', null), ...(withIm ? [requirementTrace(t, 'im', null)] : [])];
  // The MM and IM traces share each position's notional: shown once.
  const seen = new Set<string>();
  const steps = parts.flatMap((p) => p.steps).filter((x) => (seen.has(x.label) ? false : (seen.add(x.label), true)));
  return { inputs: parts.flatMap((p) => p.inputs), steps };
}

function unitSteps(us: Unit[], withIm: boolean): TraceStep[] {
  if (us.length === 1) return [];
  return us.flatMap((u) => [
    { label: `${u.name} equity`, formula: 'the unit\'s own equity', value: usd(u.equity) },
    { label: `${u.name} MM`, formula: 'the unit\'s own MM', value: usd(u.mm) },
    ...(withIm ? [{ label: `${u.name} IM`, formula: 'the unit\'s own IM', value: usd(u.im) }] : []),
  ]);
}

/** The call: every unit below its trigger needs IM − equity; the sum is rounded up to the policy's amount scale. */
export function callTrace(t: TracedAccount): TraceBody {
  const policy = t.book.policy;
  const onInitial = policy.callTrigger === 'initial';
  const us = unitsOf(t);
  const base = underlying(t, true);
  const steps: TraceStep[] = [...base.steps, ...unitSteps(us, true)];
  const needs: bigint[] = [];
  for (const u of us) {
    const bound = onInitial ? u.im : u.mm;
    const b = onInitial ? 'IM' : 'MM';
    if (u.equity < bound) {
      needs.push(u.im - u.equity);
      steps.push({ label: `${u.name} needs`, formula: `equity ${usd(u.equity)} < ${b} ${usd(bound)}: IM − equity = ${usd(u.im)} − ${usd(u.equity)}`, value: usd(u.im - u.equity) });
    } else {
      steps.push({ label: `${u.name} needs`, formula: `equity ${usd(u.equity)} ≥ ${b} ${usd(bound)}: no call`, value: '0' });
    }
  }
  const need = needs.reduce((a, b) => a + b, 0n);
  const call = need > 0n ? roundAmountToScale(need, policy.amountScale, 'ceil') : null;
  if (call !== t.result.callAmount) agree('call', call ?? -1n, t.result.callAmount ?? -1n);
  steps.push({
    label: 'Call amount',
    formula: call === null ? 'no unit is below its trigger: no call' : `Σ = ${sumText(needs)} = ${usd(need)}, rounded up to ${policy.amountScale} decimals`,
    value: call === null ? null : usd(call),
  });
  return {
    title: `Margin call of ${t.account}`,
    value: call === null ? null : usd(call),
    unit: 'USD',
    section: 'methodology §6 Margin calls, §1 Numbers and rounding',
    formula: `a unit needs a call when equity < ${onInitial ? 'IM' : 'MM'} (policy callTrigger ${policy.callTrigger}); amount = Σ (IM − equity) over those units, rounded up to the amount scale`,
    inputs: dedupeInputs([
      ...base.inputs,
      { name: 'callTrigger', value: policy.callTrigger, source: t.sources.policy },
      { name: 'amountScale', value: String(policy.amountScale), source: t.sources.policy },
    ]),
    steps,
    note: call === null ? 'No unit of the account is below its trigger: there is no call.' : null,
  };
}

/** Health: equity / MM of each unit; the account's is its worst unit's (the sickest). */
export function healthTrace(t: TracedAccount): TraceBody {
  const us = unitsOf(t);
  const base = underlying(t, false);
  const steps: TraceStep[] = [...base.steps, ...unitSteps(us, false)];
  steps.push(...us.map((u) => ({
    label: `${u.name} health`,
    formula: u.mm === 0n ? 'MM is 0: infinite' : `equity / MM = ${usd(u.equity)} / ${usd(u.mm)}, to 8 places half-even`,
    value: healthOf(u.equity, u.mm),
  })));
  let worst: Unit = us[0]!;
  for (const u of us.slice(1)) if (sicker(u, worst)) worst = u;
  const value = healthOf(worst.equity, worst.mm);
  if (us.length > 1) steps.push({ label: 'Health of the account', formula: `the worst unit: ${worst.name}`, value });
  return {
    title: `Health of ${t.account}`,
    value,
    unit: 'ratio',
    section: 'methodology §5 Accounts',
    formula: 'health = equity / MM (infinite when MM = 0); an account is as sick as its sickest margin unit',
    inputs: dedupeInputs([...base.inputs, { name: 'liquidationHealth', value: rate(t.book.policy.liquidationHealth), source: t.sources.policy }]),
    steps,
    note: value === null ? 'No margin is required (MM = 0): health is infinite.' : null,
  };
}

