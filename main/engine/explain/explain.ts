// Explain any figure (issue 21 item 1): one figure of one evaluated account, traced by the engine's own path.
import type { TraceFigure } from '../../../shared/contractExplain.ts';
import type { PlanReason } from '../liquidationPlan.ts';
import { InputError } from '../../../shared/errors.ts';
import { requirementTrace, equityTrace, callTrace, healthTrace } from './marginTrace.ts';
import { liquidationPriceTrace, bankruptcyPriceTrace } from './priceTrace.ts';
import { planQuantityTrace } from './planTrace.ts';
import type { TraceBody, TracedAccount } from './traceParts.ts';

export type { TraceBody, TracedAccount, TraceSources } from './traceParts.ts';
export { TraceMismatch } from './traceParts.ts';

const POSITION_FIGURES: ReadonlySet<TraceFigure> = new Set(['liquidationPrice', 'bankruptcyPrice', 'planQuantity']);

/**
 * The trace of `figure` for the account. `instrument` names a position: required for its prices and plan quantity,
 * optional for MM and IM (one position's), refused for the account-level figures. `force` is the plan's reason
 * when an overdue or escalated call forces one, as the margin cycle passes it.
 */
export function explainFigure(t: TracedAccount, figure: TraceFigure, instrument: string | null, force: PlanReason | null = null): TraceBody {
  if (POSITION_FIGURES.has(figure) && instrument === null) throw new InputError(`the ${figure} of a position needs its instrument`, { field: 'instrument' });
  if (instrument !== null && !t.book.positions.some((p) => p.instrument === instrument)) {
    throw new InputError(`account ${t.account} has no position in "${instrument}"`, { field: 'instrument' });
  }
  switch (figure) {
    case 'mm':
    case 'im':
      return requirementTrace(t, figure, instrument);
    case 'liquidationPrice':
      return liquidationPriceTrace(t, instrument!);
    case 'bankruptcyPrice':
      return bankruptcyPriceTrace(t, instrument!);
    case 'planQuantity':
      return planQuantityTrace(t, instrument!, force);
  }
  if (instrument !== null) throw new InputError(`the ${figure} is the account's, not a position's: leave out the instrument`, { field: 'instrument' });
  switch (figure) {
    case 'equity':
      return equityTrace(t);
    case 'call':
      return callTrace(t);
    case 'health':
      return healthTrace(t);
  }
}
