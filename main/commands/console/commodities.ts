// An account's combined commodities now (issue 17, methodology §4): what the Accounts detail charts. Read-only.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AccountCommodities, CommodityFigures, ScenarioView } from '../../../shared/contractPortfolio.ts';
import type { CommodityResult } from '../../engine/portfolio/scan.ts';
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
  return {
    account: s.account.id,
    asOf: s.asOf,
    positions: priced.map(({ p, g }) => ({ instrument: p.instrument, greeks: greeksText(g) })),
    greeks: priced.length ? greeksText(sumGreeks(priced.map((x) => x.g))) : null,
    commodities: (r.commodities ?? []).map((c) => ({
      ...commodityFigures(c),
      greeks: greeksText(sumGreeks(priced.filter((x) => x.x.underlying === c.underlying).map((x) => x.g))),
      scenarios: c.scenarios.map(scenarioView),
    })),
  };
}

const scenarioView = (pnl: bigint, k: number): ScenarioView => ({ scenario: k + 1, label: scenarioLabel(k + 1), pnl: formatAmount(pnl) });

/** A combined commodity's figures in the desk's units (the detail's chart, and a what-if under its shock). */
export function commodityFigures(c: CommodityResult): CommodityFigures {
  return {
    underlying: c.underlying,
    scanRisk: formatAmount(c.scanRisk),
    credits: formatAmount(c.credits),
    shortOptionMinimum: formatAmount(c.shortOptionMinimum),
    mm: formatAmount(c.mm),
    im: formatAmount(c.im),
    worst: scenarioView(c.scenarios[c.worst - 1]!, c.worst - 1),
    spreads: c.spreads.map((x) => ({ id: x.id, credit: formatAmount(x.credit) })),
  };
}
