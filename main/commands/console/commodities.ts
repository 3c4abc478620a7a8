// An account's combined commodities now (issue 17, methodology §4): what the Accounts detail charts. Read-only.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AccountCommodities, ScenarioView } from '../../../shared/contractPortfolio.ts';
import { formatAmount } from '../../../shared/units.ts';
import { scenarioLabel } from '../../engine/portfolio/scenarios.ts';
import { loadAccount, evaluateSnapshot } from './accountView.ts';
import { exactContext } from '../../engine/exactAccount.ts';
import { positionGreeks, sumGreeks, greeksText } from '../../engine/portfolio/greeks.ts';

export function accountCommodities(ctx: CommandContext, input: InputOf<'accounts.commodities'>): AccountCommodities {
  const s = loadAccount(ctx.db, input.id, ctx.now);
  const r = evaluateSnapshot(s);
  const { risk } = exactContext(s.book);
  const priced = s.book.positions.flatMap((p) => {
    const x = s.instruments.get(p.instrument)!;
    const g = x.margin === 'portfolio' ? positionGreeks(p, x, risk) : null;
    return g ? [{ p, x, g }] : [];
  });
  const view = (pnl: bigint, k: number): ScenarioView => ({ scenario: k + 1, label: scenarioLabel(k + 1), pnl: formatAmount(pnl) });
  return {
    account: s.account.id,
    asOf: s.asOf,
    positions: priced.map(({ p, g }) => ({ instrument: p.instrument, greeks: greeksText(g) })),
    greeks: priced.length ? greeksText(sumGreeks(priced.map((x) => x.g))) : null,
    commodities: (r.commodities ?? []).map((c) => {
      const scenarios = c.scenarios.map(view);
      return {
        underlying: c.underlying,
        greeks: greeksText(sumGreeks(priced.filter((x) => x.x.underlying === c.underlying).map((x) => x.g))),
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
