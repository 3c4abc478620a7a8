// An account's combined commodities now (issue 17, methodology §4): what the Accounts detail charts. Read-only.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AccountCommodities, ScenarioView } from '../../../shared/contractPortfolio.ts';
import { formatAmount } from '../../../shared/units.ts';
import { scenarioLabel } from '../../engine/portfolio/scenarios.ts';
import { loadAccount, evaluateSnapshot } from './accountView.ts';

export function accountCommodities(ctx: CommandContext, input: InputOf<'accounts.commodities'>): AccountCommodities {
  const s = loadAccount(ctx.db, input.id, ctx.now);
  const r = evaluateSnapshot(s);
  const view = (pnl: bigint, k: number): ScenarioView => ({ scenario: k + 1, label: scenarioLabel(k + 1), pnl: formatAmount(pnl) });
  return {
    account: s.account.id,
    asOf: s.asOf,
    commodities: (r.commodities ?? []).map((c) => {
      const scenarios = c.scenarios.map(view);
      return {
        underlying: c.underlying,
        scanRisk: formatAmount(c.scanRisk),
        credits: formatAmount(c.credits),
        shortOptionMinimum: formatAmount(c.shortOptionMinimum),
        mm: formatAmount(c.mm),
        im: formatAmount(c.im),
        worst: scenarios[c.worst - 1]!,
        scenarios,
        spreads: c.spreads.map((x) => ({ id: x.id, credit: formatAmount(x.credit) })),
      };
    }),
  };
}
