// explain.figure (issue 21 item 1): one figure of an account with its trace, on the account detail's path: the
// account loaded and evaluated exactly as accounts.detail does it, then traced by the engine (main/engine/explain),
// whose every figure must reach the evaluated one. So the trace's value is the figure the detail shows.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { FigureTrace } from '../../../shared/contractExplain.ts';
import { explainFigure, type TraceSources } from '../../engine/explain/explain.ts';
import type { PlanReason } from '../../engine/liquidationPlan.ts';
import { loadAccount, evaluateSnapshot, ticksToPrice, type AccountSnapshot } from './accountView.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { markSource, assetPriceSource } from '../../ledger/priceSourceRepo.ts';
import { policyVersion } from '../../ledger/policyRepo.ts';
import { formatUnits } from '../../../shared/units.ts';
import { modelMarkText } from '../../engine/optionMarks.ts';

function sourcesOf(ctx: CommandContext, s: AccountSnapshot, version: number): TraceSources {
  const bound = latestCycle(ctx.db)?.asOf ?? null;
  return {
    mark: (instrument) => {
      const model = s.book.modelMarks?.get(instrument);
      if (model) return modelMarkText(model, s.instruments.get(instrument)!.tick);
      const src = markSource(ctx.db, instrument, bound);
      const mark = ticksToPrice(s.book.marks.get(instrument)!, s.instruments.get(instrument)!.tick);
      return src ? `prices row: ${instrument} mark ${mark} at ${src.at} (source ${src.source})` : `mark ${mark}`;
    },
    assetPrice: (asset) => {
      const src = assetPriceSource(ctx.db, asset, bound);
      const a = s.assets.get(asset)!;
      const price = formatUnits(s.book.assetPrices.get(asset)!, a.priceScale);
      return src ? `asset_prices row: ${asset} ${price} at ${src.at} (source ${src.source})` : `price ${price}`;
    },
    policy: `policy version ${version}`,
  };
}

/** The reason an overdue or escalated call forces a plan, as the margin cycle gives it. */
function forcedBy(s: AccountSnapshot): PlanReason | null {
  const c = s.liveCall;
  if (!c || !(c.status === 'overdue' || c.deadline <= s.asOf)) return null;
  return { code: 'overdue_call', unit: 'cross', text: `margin call ${c.id} is past its deadline ${c.deadline}` };
}

export function explainFigureCommand(ctx: CommandContext, input: InputOf<'explain.figure'>): FigureTrace {
  const s = loadAccount(ctx.db, input.account, ctx.now, 'account');
  const result = evaluateSnapshot(s);
  const version = policyVersion(ctx.db);
  const instrument = input.instrument ?? null;
  const body = explainFigure(
    { account: s.account.id, book: s.book, result, instruments: s.instruments, assets: s.assets, sources: sourcesOf(ctx, s, version) },
    input.figure,
    instrument,
    forcedBy(s),
  );
  return { account: s.account.id, figure: input.figure, instrument, asOf: s.asOf, policyVersion: version, ...body };
}
