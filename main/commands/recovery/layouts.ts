// default.layouts: one closed-out default laid out both ways, side by side, before the desk runs its waterfall
// (main/engine/waterfallLayouts.ts): the clearinghouse's layers 1-6 then the chosen recovery tools, beside a crypto
// venue's defaulter's margin, insurance fund, then ADL or socialised loss. The same inputs feed both: the members and
// tranches the waterfall would read now, the insurance fund's balance, and the recovery tools' market (VM gains, the
// ADL queue) at the latest cycle's prices. Read-only.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { LayoutComparison, LayoutView } from '../../../shared/contractFunds.ts';
import type { LedgerRecoveryTool } from '../../../shared/contractRecovery.ts';
import { runLayout, type LayoutResult } from '../../engine/waterfallLayouts.ts';
import { enforce } from '../allowed/verdict.ts';
import { caseStepRule } from '../allowed/defaults.ts';
import { fundBalance } from '../../ledger/fundRepo.ts';
import { loadCase } from './views.ts';
import { priceTimeOf } from './book.ts';
import { waterfallCaseOf } from './waterfall.ts';
import { recoveryMarket } from './recoveryTools.ts';
import { formatAmount } from '../../../shared/units.ts';

function view(r: LayoutResult, tools: LedgerRecoveryTool[]): LayoutView {
  return {
    layout: r.layout,
    tools,
    layers: r.layers.map((l) => ({ name: l.name, available: formatAmount(l.available), used: formatAmount(l.used), remaining: formatAmount(l.remaining) })),
    house: formatAmount(r.house),
    uncovered: formatAmount(r.uncovered),
  };
}

export function layoutsCommand(ctx: CommandContext, input: InputOf<'default.layouts'>): LayoutComparison {
  const { db } = ctx;
  const c = loadCase(db, input.case);
  // Laid out before the waterfall runs: after it, the contributions it used are gone and the case shows its layers.
  enforce(caseStepRule(c, 'waterfall'));
  const asOf = priceTimeOf(db, ctx.now());
  const { wcase } = waterfallCaseOf(db, c, ctx.now());
  const ccpTools = input.ccp ?? [];
  const layoutCase = {
    waterfall: wcase,
    insuranceFund: fundBalance(db, 'insurance'),
    recovery: {
      ...recoveryMarket(db, c, asOf),
      survivors: wcase.members.filter((m) => m.id !== c.member).map((m) => ({ member: m.id, defaultFund: m.defaultFund })),
    },
    ccpTools,
    cryptoTools: input.crypto,
  };
  const ccp = runLayout('ccp', layoutCase);
  const crypto = runLayout('crypto', layoutCase);
  const ids = [...new Set([...ccp.members.keys(), ...crypto.members.keys()])].sort();
  return {
    case: c.id,
    defaulter: c.member,
    closeOutLoss: formatAmount(wcase.closeOutLoss),
    asOf,
    layouts: [view(ccp, ccpTools), view(crypto, input.crypto)],
    members: ids.map((m) => {
      const a = ccp.members.get(m) ?? 0n;
      const b = crypto.members.get(m) ?? 0n;
      return { member: m, ccp: formatAmount(a), crypto: formatAmount(b), difference: formatAmount(b - a) };
    }),
  };
}
