// The standalone default-management computations (methodology §8): validate, convert exactly, run the pure engine,
// report every figure as a decimal string. No ledger, no clock.
import { waterfallInputSchema, adlInputSchema, type WaterfallOutput, type AdlOutput } from './schema.ts';
import { allocateWaterfall, type WaterfallMember, type VmGain, type Allocation, type RecoveryTool } from '../../engine/waterfall.ts';
import { deleverage } from '../../engine/adl.ts';
import { parseAmount, parseRate, formatAmount, formatUnits, INT64_MAX } from '../../../shared/units.ts';
import { atField as at, refuseRepeats, SharedScale } from '../../input/fields.ts';
import { InputError, schemaError } from '../../../shared/errors.ts';
import type { z } from 'zod';

function parse<S extends z.ZodType>(command: string, schema: S, json: unknown): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw schemaError(command, parsed.error);
  return parsed.data;
}

const amount = (s: string, field: string): bigint => at(field, () => parseAmount(s, field));

const holderOut = (a: Allocation) => ({ [a.kind]: a.id, amount: formatAmount(a.amount) });

export function computeWaterfall(json: unknown): WaterfallOutput {
  const input = parse('waterfall', waterfallInputSchema, json);
  refuseRepeats(input.members, (m) => m.id, (i) => `members[${i}].id`);
  const ids = new Set(input.members.map((m) => m.id));
  const members: WaterfallMember[] = input.members.map((m, i) => ({
      id: m.id,
      defaultFund: amount(m.defaultFund, `members[${i}].defaultFund`),
      margin: m.margin === undefined ? 0n : amount(m.margin, `members[${i}].margin`),
      ...(m.assessmentMultiple === undefined
        ? {}
        : { assessmentMultiple: at(`members[${i}].assessmentMultiple`, () => parseRate(m.assessmentMultiple!, 'assessmentMultiple')) }),
  }));
  if (!ids.has(input.defaulter)) throw new InputError(`"${input.defaulter}" is not one of the members`, { field: 'defaulter' });

  const tools: RecoveryTool[] = input.policy?.recoveryTools ?? [];
  refuseRepeats(tools, (t) => t, (i) => `policy.recoveryTools[${i}]`);

  const vmGains: VmGain[] = (input.vmGains ?? []).map((g, i) => {
    const f = `vmGains[${i}]`;
    if ((g.member === undefined) === (g.account === undefined)) throw new InputError('give either member or account', { field: f });
    const h = g.member === undefined ? { kind: 'account' as const, id: g.account! } : { kind: 'member' as const, id: g.member };
    if (h.kind === 'member' && !ids.has(h.id)) throw new InputError(`"${h.id}" is not one of the members`, { field: `${f}.member` });
    if (h.kind === 'member' && h.id === input.defaulter) {
      throw new InputError("the defaulter's gains belong to its close-out, not to the haircut", { field: `${f}.member` });
    }
    return { ...h, gain: amount(g.gain, `${f}.gain`) };
  });

  refuseRepeats(vmGains, (g) => `${g.kind}:${g.id}`, (i) => `vmGains[${i}].${vmGains[i]!.kind}`, (g) => g.id);

  const amountScale = input.policy?.amountScale ?? 2;
  const r = allocateWaterfall({
    defaulter: input.defaulter,
    closeOutLoss: amount(input.closeOutLoss, 'closeOutLoss'),
    members,
    firstTranche: amount(input.ccp.firstTranche, 'ccp.firstTranche'),
    secondTranche: input.ccp.secondTranche === undefined ? 0n : amount(input.ccp.secondTranche, 'ccp.secondTranche'),
    assessmentMultiple: at('policy.assessmentMultiple', () => parseRate(input.policy?.assessmentMultiple ?? '2', 'assessmentMultiple')),
    amountScale,
    recoveryTools: tools,
    vmGains,
  });
  // Totals (a default fund, an assessment capacity) must still fit the exact range (methodology §1).
  for (const l of r.layers) {
    if (l.available > INT64_MAX) {
      throw new InputError(`the ${l.name} layer's available amount is outside the exact range`, { field: l.name === 'vmGainsHaircut' ? 'vmGains' : 'members' });
    }
  }
  return {
    layers: r.layers.map((l) => ({
      name: l.name,
      available: formatAmount(l.available),
      used: formatAmount(l.used),
      remaining: formatAmount(l.remaining),
      ...(l.allocations ? { allocations: l.allocations.map(holderOut) } : {}),
    })),
    members: r.members.map((m) => ({
      id: m.id,
      defaultFundUsed: formatAmount(m.defaultFundUsed),
      assessment: formatAmount(m.assessment, amountScale),
      assessmentCap: formatAmount(m.assessmentCap, amountScale),
    })),
    uncovered: formatAmount(r.uncovered),
  };
}

export function computeAdl(json: unknown): AdlOutput {
  const input = parse('adl', adlInputSchema, json);
  refuseRepeats(input.candidates, (c) => c.account, (i) => `candidates[${i}].account`);
  // One price unit and one quantity unit for the whole case: the finest the input uses.
  const prices: [string, string][] = [
    ['mark', input.mark],
    ['bankrupt.bankruptcyPrice', input.bankrupt.bankruptcyPrice],
    ...input.candidates.flatMap((c, i): [string, string][] => [
      [`candidates[${i}].entryPrice`, c.entryPrice],
      [`candidates[${i}].bankruptcyPrice`, c.bankruptcyPrice],
    ]),
  ];
  const quantities: [string, string][] = [
    ['bankrupt.quantity', input.bankrupt.quantity],
    ...input.candidates.map((c, i): [string, string] => [`candidates[${i}].quantity`, c.quantity]),
  ];
  const priceUnit = new SharedScale(prices);
  const qtyUnit = new SharedScale(quantities);
  const [ps, qs] = [priceUnit.scale, qtyUnit.scale];
  const price = (s: string, field: string) => priceUnit.parse(field, s);
  const qty = (s: string, field: string) => qtyUnit.parse(field, s);
  const r = deleverage({
    mark: price(input.mark, 'mark'),
    bankrupt: {
      account: input.bankrupt.account,
      quantity: qty(input.bankrupt.quantity, 'bankrupt.quantity'),
      bankruptcyPrice: price(input.bankrupt.bankruptcyPrice, 'bankrupt.bankruptcyPrice'),
    },
    candidates: input.candidates.map((c, i) => ({
      account: c.account,
      quantity: qty(c.quantity, `candidates[${i}].quantity`),
      entryPrice: price(c.entryPrice, `candidates[${i}].entryPrice`),
      bankruptcyPrice: price(c.bankruptcyPrice, `candidates[${i}].bankruptcyPrice`),
    })),
  });
  return {
    ranking: r.ranking.map((x) => x.account),
    closes: r.closes.map((c) => ({ account: c.account, quantity: formatUnits(c.quantity, qs), price: formatUnits(c.price, ps) })),
    unfilled: formatUnits(r.unfilled, qs),
  };
}
