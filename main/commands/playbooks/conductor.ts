// The drill's conductor injects an event by hand (issue 16): a member defaults, a member misses its calls, the feed
// goes stale for so many minutes, now, at the drill's current minute. It happens at once on the sandbox as an event
// set at the drill's start would (injected.ts), through the dispatcher, and is kept in the run with who injected it,
// so the Runner, the report and later steps and beats see it like any other. Who may: allowed/playbooks.ts injectRule.
import type { CommandContext } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import { MAX_INJECTED } from '../../../shared/contractPlaybook.ts';
import { InputError } from '../../../shared/errors.ts';
import { setInjected, type RunRow } from '../../ledger/playbookRepo.ts';
import { readMember } from '../../ledger/memberRepo.ts';
import { enforce } from '../allowed/verdict.ts';
import { injectRule } from '../allowed/playbooks.ts';
import { clockOf, describeEvent, MINUTE } from './drillClock.ts';
import { happen } from './injected.ts';
import { loadRun } from './runs.ts';

type Event = RunRow['injected'][number];

export function injectByHand(ctx: CommandContext, input: InputOf<'playbooks.inject'>): Handled<'playbooks.inject'> {
  const { run } = loadRun(ctx, input.run);
  if (!ctx.replaying) {
    if (input.recorded) throw new InputError('recorded is written by the journal, never sent', { field: 'recorded' });
    enforce(injectRule(run, ctx.sandbox === true, ctx.actor, MAX_INJECTED));
  } else if (!input.recorded) throw new InputError('the entry does not record what the injected event did', { field: 'recorded' });
  const ev = input.event;
  if (ev.kind !== 'stale' && !readMember(ctx.db, ev.member)) throw new InputError(`no member "${ev.member}"`, { field: 'event.member' });
  const now = ctx.now();
  // The drill's clock may not have started yet (its market starts just after the ledger's latest mark): minute 0.
  const drillMs = Math.max(0, clockOf(ctx, run, now).drillMs);
  const at = Math.floor(drillMs / MINUTE);
  const by = ctx.actor.name;
  const e: Event =
    ev.kind === 'stale' ? { kind: 'stale', at, until: Math.ceil((drillMs + ev.minutes * MINUTE) / MINUTE), by } : { kind: ev.kind, at, member: ev.member, by };
  const effect = input.recorded ? input.recorded.effect : happen(ctx, run, e);
  setInjected(ctx.db, run.id, [...run.injected, { ...e, fired: { at: now.toISOString(), effect } }]);
  const output = { at: now.toISOString(), kind: e.kind, text: describeEvent(e), effect, by };
  return { output, journal: { payload: { run: run.id, event: ev, recorded: { effect } } } };
}
