// A drill's injected events happen on its sandbox (issue 16 item 3) once their minute has come on the drill's clock:
// at the first step taken then, or, in a console open on the sandbox, at the next beat of its drill clock
// (playbooks.fire, main/schedule/drillBeat.ts), whichever comes first; the drill's conductor may inject one by hand,
// to happen at once (conductor.ts). Each goes through the same dispatcher as everything else, so the drill's journal
// has it:
// - a member defaults: its default is declared (default.declare) by the drill's injector, and waits, as any
//   declaration does, for a second supervisor of the desk to confirm it;
// - a member misses its calls: nothing is paid, so each of its calls goes overdue when its deadline passes on the
//   drill's clock and is then escalated to liquidation (calls.escalateMany), at this step or beat and every later one;
// - the feed goes stale: the market stands still (drillClock.ts) and the dashboard raises the stale-feed alert until
//   the feed is back (staleFeedAlerts).
// An event happens once: it is marked in the run, in the same transaction as what it did, and a marked one is never
// made to happen again. What it did is recorded in the step's (or beat's) journal entry; while verify --deep replays
// the journal the commands are already there (their entries come first) and the recorded effects are taken as they were.
import type { Actor, CommandContext } from '../context.ts';
import type { Alert } from '../../../shared/contract.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { runningDrills, setInjected, type RunRow } from '../../ledger/playbookRepo.ts';
import { memberAccounts } from '../../ledger/memberRepo.ts';
import { listCalls, memberHasOverdueCall } from '../../ledger/callRepo.ts';
import { latestMarkAt } from '../../ledger/priceRepo.ts';
import { readLivePolicy } from '../../ledger/bookRepo.ts';
import { dispatch } from '../dispatch.ts';
import { clockOf, MINUTE } from './drillClock.ts';

/** Who makes an injected event happen: a supervisor's acts (a declaration), done by the drill, never by a person. */
export const DRILL_INJECTOR: Actor = { name: 'system:drill-inject', role: 'supervisor' };

/** An event that happened at a step, and what it did (the step's journal entry keeps these). */
export interface Fired {
  event: number;
  effect: string;
}

type Event = RunRow['injected'][number];

function injector(ctx: CommandContext): CommandContext {
  return { db: ctx.db, now: ctx.now, actor: DRILL_INJECTOR, ...(ctx.sandbox ? { sandbox: true as const } : {}) };
}

/** The member's calls overdue on the drill's clock, escalated with one reason; their ids. */
function escalateOverdue(ctx: CommandContext, run: RunRow, member: string): number[] {
  const now = ctx.now().toISOString();
  const ids = memberAccounts(ctx.db, member).flatMap((a) => listCalls(ctx.db, { status: 'overdue', account: a.id, now }).map((c) => Number(c.id)));
  if (ids.length === 0) return [];
  dispatch(injector(ctx), 'calls.escalateMany', { ids, reason: `drill run ${run.id}: member ${member} missed its margin calls (injected event)` });
  return ids;
}

/** Makes one event happen now; what it did, in words. */
export function happen(ctx: CommandContext, run: RunRow, e: Event): string {
  if (e.kind === 'stale') return `stale-feed alert raised: no mark until minute ${e.until} of the drill`;
  if (e.kind === 'missedCall') {
    const ids = escalateOverdue(ctx, run, e.member);
    return ids.length === 0
      ? `no call of ${e.member} is overdue yet: each is escalated once its deadline passes unpaid`
      : `${ids.length === 1 ? 'call' : 'calls'} ${ids.join(', ')} overdue and unpaid: escalated to liquidation`;
  }
  try {
    const how = e.by ? `injected by hand by ${e.by} at minute ${e.at}` : `injected event at minute ${e.at}`;
    const c = dispatch(injector(ctx), 'default.declare', { member: e.member, reason: `drill run ${run.id}: member ${e.member} failed to meet its obligations (${how})` });
    return `default case ${c.id} declared for ${e.member}: a second supervisor confirms it`;
  } catch (err) {
    if (err instanceof RuleError || err instanceof InputError) return `the default of ${e.member} could not be declared: ${err.message}`;
    throw err;
  }
}

/** What happened at a step or a beat: the events that happened, and the calls of members missing theirs escalated. */
export interface FiredNow {
  fired: Fired[];
  escalated: number[];
}

/** When an event's minute comes on the drill's clock, as an instant. */
export function eventTime(c: { epoch: number; pausedMs: number }, e: Event): string {
  return new Date(c.epoch + c.pausedMs + e.at * MINUTE).toISOString();
}

/**
 * The run's events whose minute has come, made to happen in the order of their minutes (or, replaying, taken as
 * `recorded`); and the calls of members already missing theirs that have gone overdue since, escalated.
 */
export function fireDue(ctx: CommandContext, run: RunRow, recorded: Fired[] | undefined): FiredNow {
  if (!ctx.replaying && recorded) throw new InputError('injected is written by the journal, never sent', { field: 'injected' });
  if (run.injected.length === 0) return { fired: [], escalated: [] };
  const c = clockOf(ctx, run, ctx.now());
  const events = run.injected.map((e) => ({ ...e }));
  let fired: Fired[];
  const escalated: number[] = [];
  if (ctx.replaying) {
    fired = recorded ?? [];
    for (const f of fired) {
      const e = events[f.event];
      if (!e || e.fired) throw new InputError(`the entry records injected event ${f.event + 1}, which the run has not got to happen`, { field: 'injected' });
      e.fired = { at: eventTime(c, e), effect: f.effect };
    }
  } else {
    // A member already missing its calls: those gone overdue since the last step are escalated now.
    for (const e of events) if (e.kind === 'missedCall' && e.fired) escalated.push(...escalateOverdue(ctx, run, e.member));
    fired = [];
    const due = events.map((e, i) => ({ e, i })).filter(({ e }) => !e.fired && e.at * MINUTE <= c.drillMs);
    for (const { e, i } of due.sort((a, b) => a.e.at - b.e.at || a.i - b.i)) {
      const effect = happen(ctx, run, e);
      e.fired = { at: eventTime(c, e), effect };
      fired.push({ event: i, effect });
    }
  }
  if (fired.length > 0) setInjected(ctx.db, run.id, events);
  return { fired, escalated };
}

/** Whether an event's minute has come, or a member missing its calls has one overdue (a pause is the caller's). */
export function eventsDue(ctx: CommandContext, run: RunRow): boolean {
  if (run.injected.length === 0) return false;
  const c = clockOf(ctx, run, ctx.now());
  const now = ctx.now().toISOString();
  return run.injected.some((e) => (e.fired ? e.kind === 'missedCall' && memberHasOverdueCall(ctx.db, e.member, now) : e.at * MINUTE <= c.drillMs));
}

/** The stale-feed alert of every running drill whose injected stale feed has happened and is not back yet. */
export function staleFeedAlerts(ctx: CommandContext): Alert[] {
  const drills = runningDrills(ctx.db);
  if (drills.length === 0) return [];
  const now = ctx.now();
  const staleAfter = readLivePolicy(ctx.db).feedStaleSeconds;
  const last = latestMarkAt(ctx.db);
  const age = last === null ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(last)) / 1000));
  return drills.flatMap((run) => {
    const c = clockOf(ctx, run, now);
    return run.injected.flatMap((e) =>
      e.kind === 'stale' && e.fired && c.drillMs < e.until * MINUTE
        ? [{ at: e.fired.at, level: 'warning' as const, text: `Market data feed stale (drill run ${run.id}): ${age === null ? 'no mark yet' : `no mark for ${age} s`} (stale after ${staleAfter} s); the feed is back at minute ${e.until} of the drill` }]
        : [],
    );
  });
}
