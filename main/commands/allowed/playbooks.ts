// Who may sign off a playbook run's manual step: the step names the least role; a four-eyes step's second sign-off
// is someone other than the first. (An automated step is the command it runs: that command's own rules decide, and a
// refusal there stops the run, recorded, in main/commands/playbooks/runs.ts.) Which runs take steps, pauses and
// injected events, and who conducts a drill.
import type { Actor } from '../context.ts';
import type { Role } from '../../../shared/roles.ts';
import { first, no, ok, roleRule, type Rule } from './verdict.ts';
import { formatUtc } from '../../../shared/format.ts';

export function signOffRule(step: { title: string; role: Role }, firstSigner: string | null, actor: Actor): Rule {
  return first(
    () => roleRule(actor, step.role, `Signing off "${step.title}"`),
    () =>
      firstSigner === actor.name
        ? no('four_eyes', `you (${actor.name}) signed off "${step.title}" first: a second, different person signs it off`)
        : ok(),
  );
}

/** A running run only: an ended one keeps its report and takes no more steps. */
export function runningRule(run: { id: number; status: string; abortReason: string | null }): Rule {
  if (run.status === 'running') return ok();
  return no('run_ended', `run ${run.id} is ${run.status}${run.abortReason ? ` (${run.abortReason})` : ''}: it takes no more steps`);
}

/**
 * A drill starts only in a sandbox copy of the ledger (the door makes one with the online backup), so a drill can
 * never act on the live ledger; and a live run never starts in a sandbox, where it would act on nothing real.
 */
export function modeRule(mode: 'live' | 'drill', sandbox: boolean): Rule {
  if (mode === 'drill' && !sandbox) return no('drill_needs_sandbox', 'a drill runs in a sandbox copy of the ledger, never in the ledger itself: start it from the Runner of a console on the ledger or with riskdesk playbook start --mode drill, which make the copy');
  if (mode === 'live' && sandbox) return no('live_in_sandbox', 'this ledger is a drill\'s sandbox copy: a live run starts in the live ledger');
  return ok();
}

type PausableRun = { id: number; status: string; abortReason: string | null; paused: { by: string; at: string; reason: string } | null };

/** No step while a run is paused: the desk resumes it first. */
export function notPausedRule(run: PausableRun): Rule {
  if (!run.paused) return ok();
  return no('run_paused', `run ${run.id} was paused by ${run.paused.by} at ${formatUtc(run.paused.at)} (${run.paused.reason}): resume it first`);
}

/** A running run that is not already paused. */
export function pauseRule(run: PausableRun): Rule {
  return first(
    () => runningRule(run),
    () => (run.paused ? no('run_paused', `run ${run.id} is already paused (by ${run.paused.by} at ${formatUtc(run.paused.at)})`) : ok()),
  );
}

export function resumeRule(run: PausableRun): Rule {
  return first(
    () => runningRule(run),
    () => (run.paused ? ok() : no('not_paused', `run ${run.id} is not paused`)),
  );
}

/** Injected events happen only in a drill, in its sandbox copy: never on the live ledger. */
export function drillRule(run: { id: number; mode: string }, sandbox: boolean): Rule {
  if (run.mode !== 'drill') return no('not_a_drill', `run ${run.id} is a live run: events are injected only in a drill, never on the live ledger`);
  if (!sandbox) return no('drill_needs_sandbox', `run ${run.id}'s events happen only in its drill's sandbox copy, never in the ledger itself`);
  return ok();
}

/**
 * Who may inject an event by hand: the drill's conductor, that is the person who started it (they set the scene the
 * desk responds to), or a supervisor, who oversees the desk's drills. Never while the drill is paused: its clock
 * stands still, and what the conductor injects happens at the drill's current minute.
 */
export function injectRule(run: PausableRun & { mode: string; startedBy: string; injected: unknown[] }, sandbox: boolean, actor: Actor, max: number): Rule {
  return first(
    () => drillRule(run, sandbox),
    () => runningRule(run),
    () => (actor.name === run.startedBy ? ok() : roleRule(actor, 'supervisor', `Injecting an event into drill run ${run.id}, conducted by ${run.startedBy},`)),
    () => (run.paused ? no('run_paused', `run ${run.id} is paused (by ${run.paused.by}): its clock stands still; resume it, then inject`) : ok()),
    () => (run.injected.length >= max ? no('too_many_events', `run ${run.id} already holds ${max} injected events, the most a drill holds`) : ok()),
  );
}
