// A drill's market scenario on the drill's clock (issue 16 item 3): market time runs `acceleration` times as fast as
// the drill's, from the path's first point at the drill's epoch (its start, or just after the ledger's latest mark:
// marks only go forward), and stands still while the run is paused. Before each
// step, every point of the path whose market time has come is delivered through prices.tick, stamped with the drill
// time it maps to, by the drill clock's own batch actor, so the journal shows who moved the prices. While verify
// --deep replays the journal the ticks are already there (their entries come before the step's): only the count of
// points delivered moves on.
import type { CommandContext, Actor } from '../context.ts';
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

/** Delivers the scenario's points that are due by now; returns how many points were delivered. */
export function deliverDue(ctx: CommandContext, run: RunRow): number {
  const sc = run.scenario;
  if (!sc || run.scenarioDone >= sc.points.length) return 0;
  const start = Date.parse(sc.epoch);
  const pausedMs = runSteps(ctx.db, run.id).reduce((s, r) => s + r.pausedSeconds, 0) * 1000;
  const drillMs = ctx.now().getTime() - start - pausedMs;
  const market0 = sc.points[0]!.at;
  const marketNow = market0 + drillMs * sc.acceleration;
  let done = run.scenarioDone;
  // One mark per instrument and drill millisecond (the last of the path's points mapping there): a mark's time is
  // its place in the path on the drill's clock.
  const due = new Map<string, { instrument: string; price: string; time: string }>();
  while (done < sc.points.length && sc.points[done]!.at <= marketNow) {
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
