// A drill's clock beating by itself (issue 16): in a console open on a drill's sandbox, the door's timer
// (main/schedule/drillBeat.ts) reads where each running drill's clock stands (playbooks.clock) and, for a drill with
// something due, runs one beat (playbooks.fire) as system:drill-clock, exactly as a step begins: the scenario's market
// moves to its drill time (drillClock.ts), then the events whose minute has come happen and overdue calls of members
// missing theirs are escalated (injected.ts). Nobody has to take a step for the drill's world to move on.
// - A paused drill has nothing due (its clock stands still); a finished or aborted one is not running: nothing more
//   happens to it.
// - Time that passed in one go (the app was closed, the machine slept, the clock jumped) makes every event whose
//   minute came in it happen at the next beat, once each, in the order of their minutes, each stamped with the time
//   its minute came: an event is marked in the run in the same transaction as what it did, so it never happens twice.
// - A beat with nothing due is refused and changes nothing (no journal entry): called early, or by a person, it makes
//   nothing happen before its time.
import type { CommandContext, Actor } from '../context.ts';
import type { Handled } from '../handlers.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { DrillClockView } from '../../../shared/contractPlaybook.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { getRun, runningDrills, type RunRow } from '../../ledger/playbookRepo.ts';
import { enforce, first } from '../allowed/verdict.ts';
import { drillRule, notPausedRule, runningRule } from '../allowed/playbooks.ts';
import { clockOf, deliverDue, describeEvent, MINUTE, pointsDue } from './drillClock.ts';
import { eventsDue, fireDue } from './injected.ts';
import { loadRun } from './runs.ts';

/** The console's drill clock: a system actor with an operator's rights, named in the journal for every beat. */
export const DRILL_BEAT: Actor = { name: 'system:drill-clock', role: 'operator' };

/** Minutes as the desk reads them: 2 decimals, rounded down (never ahead of the clock). */
function minutes(ms: number): string {
  return (Math.floor(Math.max(0, ms) / (MINUTE / 100)) / 100).toFixed(2);
}

/**
 * Whether something of a running drill is due now: a point of its market, an event whose minute has come, or an
 * overdue call of a member missing its calls. A paused drill has nothing due: its clock stands still until resumed.
 */
function dueNow(ctx: CommandContext, run: RunRow): boolean {
  if (run.status !== 'running' || run.paused) return false;
  return pointsDue(ctx, run) || eventsDue(ctx, run);
}

export function clockView(ctx: CommandContext): DrillClockView {
  return {
    drills: runningDrills(ctx.db).map((run) => ({
      run: run.id,
      minute: minutes(clockOf(ctx, run, ctx.now()).drillMs),
      paused: run.paused !== null,
      due: dueNow(ctx, run),
    })),
  };
}

export function fireRun(ctx: CommandContext, input: InputOf<'playbooks.fire'>): Handled<'playbooks.fire'> {
  const { run } = loadRun(ctx, input.run);
  if (!ctx.replaying) {
    if (input.escalated) throw new InputError('escalated is written by the journal, never sent', { field: 'escalated' });
    enforce(first(() => drillRule(run, ctx.sandbox === true), () => runningRule(run), () => notPausedRule(run)));
    if (!dueNow(ctx, run)) {
      throw new RuleError('nothing_due', `nothing of drill run ${run.id} is due at minute ${minutes(clockOf(ctx, run, ctx.now()).drillMs)} of its clock`);
    }
  }
  // The market first, as at a step: the events then happen on the book as it stands.
  const delivered = deliverDue(ctx, run);
  const now = fireDue(ctx, run, input.injected);
  const escalated = ctx.replaying ? (input.escalated ?? []) : now.escalated;
  const events = getRun(ctx.db, run.id)!.injected;
  const output = {
    run: run.id,
    delivered,
    fired: now.fired.map((f) => ({ event: f.event, kind: events[f.event]!.kind, text: describeEvent(events[f.event]!), effect: f.effect })),
    escalated,
  };
  return {
    output,
    journal: { payload: { run: run.id, ...(now.fired.length > 0 ? { injected: now.fired } : {}), ...(escalated.length > 0 ? { escalated } : {}) } },
  };
}
