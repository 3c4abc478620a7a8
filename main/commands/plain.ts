// A handler whose output is all there is to journal (the entry records the payload and this output). Its own module:
// handlers.ts imports the area handler tables (recovery/handlers.ts, ...), which use this while they load.
import type { Channel, InputOf, OutputOf } from '../../shared/contract.ts';
import type { CommandContext } from './context.ts';
import type { Handled } from './handlers.ts';

export const plain =
  <C extends Channel>(f: (ctx: CommandContext, input: InputOf<C>) => OutputOf<C>) =>
  (ctx: CommandContext, input: InputOf<C>): Handled<C> => ({ output: f(ctx, input) });
