// Market data for the console (design.md §5): the instrument list and mark histories for the price charts.
import type { CommandContext } from '../context.ts';
import type { InputOf, InstrumentView, PriceSeries } from '../../../shared/contract.ts';
import { readInstruments } from '../../ledger/bookRepo.ts';
import { markHistory } from '../../ledger/consoleRepo.ts';
import { InputError } from '../../../shared/errors.ts';
import { ticksToPrice } from './accountView.ts';

const DEFAULT_POINTS = 500;

export function instrumentsList(ctx: CommandContext, _input: InputOf<'instruments.list'>): InstrumentView[] {
  return readInstruments(ctx.db).map((x) => ({
    id: x.id,
    kind: x.kind,
    underlying: x.underlying,
    lot: x.lot,
    tick: x.tick,
    multiplier: x.multiplier,
  }));
}

/** For each instrument asked for (in the order asked), its latest `limit` marks, oldest first, as decimal prices. */
export function pricesHistory(ctx: CommandContext, input: InputOf<'prices.history'>): PriceSeries[] {
  const instruments = new Map(readInstruments(ctx.db).map((x) => [x.id, x]));
  const limit = input.limit ?? DEFAULT_POINTS;
  input.instruments.forEach((id, i) => {
    if (!instruments.has(id)) throw new InputError(`no instrument "${id}"`, { field: `instruments[${i}]` });
  });
  return input.instruments.map((id) => {
    const tick = instruments.get(id)!.tick;
    return { instrument: id, points: markHistory(ctx.db, id, limit).map((p) => ({ at: p.at, mark: ticksToPrice(p.mark, tick) })) };
  });
}
