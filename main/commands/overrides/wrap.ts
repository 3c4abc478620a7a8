// Every override channel's handler runs wrapped: its recorder reads the state before, the handler runs, and the
// recorder's account of the automatic alternative goes into the result the journal entry records, in the same
// transaction (dispatch, an approval's confirmation and a deep verify's replay all run handlers through this).
import type { CommandContext } from '../context.ts';
import type { OverrideRecord } from '../../../shared/contractReports.ts';
import { OVERRIDE_CHANNELS } from '../../../shared/contractReports.ts';
import { recorderFor } from './recorders.ts';

type Handler = (ctx: CommandContext, input: never, prepared?: never) => { output: unknown; journal?: { payload?: unknown; result?: unknown } };

/** A record is complete only with what was done, why, and the automatic path in words. */
export function checked(channel: string, r: OverrideRecord): OverrideRecord {
  if (r.what.trim() === '' || r.automatic.trim() === '' || r.subject.trim() === '') {
    throw new Error(`the override by ${channel} does not say what it did and what the automatic path was: refused`);
  }
  return r;
}

/**
 * The handlers with every override channel wrapped; a listed channel with no handler fails at load, one with no
 * recorder is refused when it runs (the recorder is looked up then, as the recorders import command modules that
 * import the handlers).
 */
export function withOverrides<H extends Record<string, Handler>>(handlers: H): H {
  const out: Record<string, Handler> = { ...handlers };
  for (const channel of OVERRIDE_CHANNELS) {
    const inner = handlers[channel];
    if (!inner) throw new Error(`override channel ${channel} has no handler`);
    out[channel] = ((ctx: CommandContext, input: never, prepared?: never) => {
      if (ctx.preOverrides) return inner(ctx, input, prepared);
      const rec = recorderFor(channel);
      const before = rec.before(ctx, input as never);
      const done = inner(ctx, input, prepared);
      const result = done.journal?.result ?? done.output;
      const override = rec.record(ctx, input as never, { output: done.output, result }, before as never);
      if (override === null) return done;
      return { output: done.output, journal: { ...done.journal, result: { ...(result as object), override: checked(channel, override) } } };
    }) as Handler;
  }
  return out as H;
}

