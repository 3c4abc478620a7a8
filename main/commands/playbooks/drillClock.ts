// A drill's market scenario on the drill's clock (issue 16 item 3): market time runs `acceleration` times as fast as
// the drill's, from the path's first point at the drill's epoch (its start, or just after the ledger's latest mark:
// marks only go forward), and stands still while the run is paused. Before each step, and at each beat of the drill
// clock in a console on the sandbox (beat.ts), every point of the path whose market time has come is delivered
// through prices.tick, stamped with the drill time it maps to, by the drill clock's own batch actor, so the journal
// shows who moved the prices. While verify
// --deep replays the journal the ticks are already there (their entries come before the step's): only the count of
// points delivered moves on.
import type { CommandContext, Actor } from '../context.ts';
import type { HappenedEvent } from '../../../shared/contractPlaybook.ts';
import { MAX_TICK_MARKS } from '../../../shared/contract.ts';
import { runSteps, setScenarioDone, type RunRow } from '../../ledger/playbookRepo.ts';
import { dispatch } from '../dispatch.ts';
import { latestMarkAt } from '../../ledger/priceRepo.ts';

/** When a drill's market clock starts: now, or just after the latest mark when the ledger has one later. */
export function drillEpoch(ctx: CommandContext, at: string): string {
  const last = latestMarkAt(ctx.db);
  return last !== null && last >= at ? new Date(Date.parse(last) + 1).toISOString() : at;
}

export const DRILL_CLOCK: Actor = { name: 'system:drill-clock', role: 'operator', batch: true };

/** Where a drill's clock stands at `now`: ms since its epoch, pauses (past and current) left out. */
export function clockOf(ctx: CommandContext, run: RunRow, now: Date): { epoch: number; pausedMs: number; drillMs: number } {
  const epoch = Date.parse(run.scenario?.epoch ?? run.startedAt);
  const pausedMs = runSteps(ctx.db, run.id).reduce((s, r) => s + r.pausedSeconds, 0) * 1000;
  const until = run.paused ? Math.min(now.getTime(), Date.parse(run.paused.at)) : now.getTime();
  return { epoch, pausedMs, drillMs: until - epoch - pausedMs };
}

export const MINUTE = 60_000;

/** An injected event in words, as the Runner and the report show it. */
export function describeEvent(e: RunRow['injected'][number]): string {
  if (e.kind === 'stale') return `the market-data feed goes stale: no marks until minute ${e.until} of the drill`;
  if (e.kind === 'missedCall') return `member ${e.member} misses its margin calls: nothing will be paid`;
  return `member ${e.member} fails to meet its obligations: a default to manage`;
}

/** The run's injected events that have happened by `now` on the drill's clock, each at the time it happened. */
export function happened(ctx: CommandContext, run: RunRow, now: Date): HappenedEvent[] {
  if (run.injected.length === 0) return [];
  const c = clockOf(ctx, run, now);
  return run.injected
    .filter((e) => e.fired !== undefined || e.at * MINUTE <= c.drillMs)
    .sort((a, b) => a.at - b.at)
    .map((e) => ({ at: e.fired?.at ?? new Date(c.epoch + c.pausedMs + e.at * MINUTE).toISOString(), kind: e.kind, text: describeEvent(e), effect: e.fired?.effect ?? null, by: e.by ?? null }));
}

/** Where the scenario's market stands on the drill's clock (in the path's time): it stops while a stale feed lasts. */
function marketNow(sc: NonNullable<RunRow['scenario']>, run: RunRow, c: { drillMs: number }): number {
  // While an injected stale feed lasts, the market stops where the feed went quiet; it catches up when it is back.
  const stale = run.injected.find((e) => e.kind === 'stale' && e.at * MINUTE <= c.drillMs && c.drillMs < e.until * MINUTE);
  const drillMs = stale ? stale.at * MINUTE : c.drillMs;
  return sc.points[0]!.at + drillMs * sc.acceleration;
}

/** Whether a point of the scenario is due and not yet delivered. */
export function pointsDue(ctx: CommandContext, run: RunRow): boolean {
  const sc = run.scenario;
  if (!sc || run.scenarioDone >= sc.points.length) return false;
  return sc.points[run.scenarioDone]!.at <= marketNow(sc, run, clockOf(ctx, run, ctx.now()));
}

/** Delivers the scenario's points that are due by now; returns how many points were delivered. */
export function deliverDue(ctx: CommandContext, run: RunRow): number {
  const sc = run.scenario;
  if (!sc || run.scenarioDone >= sc.points.length) return 0;
  const c = clockOf(ctx, run, ctx.now());
  const start = c.epoch;
  const pausedMs = c.pausedMs;
  const market0 = sc.points[0]!.at;
  const marketAt = marketNow(sc, run, c);
  let done = run.scenarioDone;
  // One mark per instrument and drill millisecond (the last of the path's points mapping there): a mark's time is
  // its place in the path on the drill's clock.
  const due = new Map<string, { instrument: string; price: string; time: string }>();
  while (done < sc.points.length && sc.points[done]!.at <= marketAt) {
    const p = sc.points[done]!;
    const time = new Date(Math.min(ctx.now().getTime(), start + pausedMs + Math.floor((p.at - market0) / sc.acceleration))).toISOString();
    due.set(`${p.instrument} ${time}`, { instrument: p.instrument, price: p.price, time });
    done++;
  }
  if (done === run.scenarioDone) return 0;
  if (!ctx.replaying) {
    const marks = [...due.values()];
    const clock = { ...ctx, actor: DRILL_CLOCK };
    for (let i = 0; i < marks.length; i += MAX_TICK_MARKS) dispatch(clock, 'prices.tick', { marks: marks.slice(i, i + MAX_TICK_MARKS) });
  }
  setScenarioDone(ctx.db, run.id, done);
  return done - run.scenarioDone;
}
