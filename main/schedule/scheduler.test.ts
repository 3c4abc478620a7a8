import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleScheduler, nextDailyAt, type CycleKind, type SchedulePolicy } from './scheduler.ts';
import { FakeTimers } from '../feed/timers.ts';

const T0 = Date.parse('2026-03-12T16:58:00Z');

function setup(policy: SchedulePolicy) {
  const timers = new FakeTimers(T0);
  const runs: { kind: CycleKind; at: string; clock: number }[] = [];
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  /** The cycle in progress finishes when the test says (an async cycle: a worker, a chunked write). */
  const pending: (() => void)[] = [];
  let hold = false;
  const s = new CycleScheduler({
    timers,
    policy: () => policy,
    log: (l) => log.push(l),
    run: (kind, at) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push({ kind, at: at.toISOString(), clock: timers.now() });
      if (!hold) {
        active--;
        return;
      }
      return new Promise<void>((resolve) =>
        pending.push(() => {
          active--;
          resolve();
        }),
      );
    },
  });
  return { timers, runs, log, s, pending, setHold: (h: boolean) => (hold = h), max: () => maxActive };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

test('every N seconds by the app clock, and the end of day at HH:MM UTC as of that instant', () => {
  const t = setup({ cycleEverySeconds: 30, eodCycleAt: '17:00' });
  t.s.start();
  t.timers.advance(29_999);
  assert.equal(t.runs.length, 0);
  t.timers.advance(1);
  assert.deepEqual(t.runs.map((r) => r.kind), ['interval']);
  t.timers.advance(90_000); // to 17:00:00
  // Both fall due at 17:00:00; one runs after the other.
  assert.deepEqual(t.runs.map((r) => r.kind).sort(), ['eod', 'interval', 'interval', 'interval', 'interval']);
  assert.equal(t.runs.find((r) => r.kind === 'eod')!.at, '2026-03-12T17:00:00.000Z');
  t.timers.advance(86_400_000);
  assert.equal(t.runs.filter((r) => r.kind === 'eod').length, 2, 'once a day');
  t.s.stop();
  assert.equal(t.timers.pending, 0);
});

test('0 turns the interval off; a policy change is taken at the next re-arm', () => {
  const policy = { cycleEverySeconds: 0, eodCycleAt: null as string | null };
  const t = setup(policy);
  t.s.start();
  t.timers.advance(3_600_000);
  assert.equal(t.runs.length, 0);
  policy.cycleEverySeconds = 10;
  t.timers.advance(60_000 + 10_000);
  assert.ok(t.runs.length >= 1 && t.runs.every((r) => r.kind === 'interval'));
  t.s.stop();
});

test('never two at once: asked while one runs it is queued once, asked again it is skipped, and both are logged', async () => {
  const t = setup({ cycleEverySeconds: 10, eodCycleAt: null });
  t.setHold(true);
  t.s.start();
  t.timers.advance(10_000);
  assert.equal(t.runs.length, 1);
  assert.equal(t.s.running, true);
  t.timers.advance(10_000); // queued
  t.timers.advance(10_000); // skipped
  assert.equal(t.s.request('eod'), 'skipped');
  assert.equal(t.runs.length, 1, 'nothing started while one runs');
  assert.deepEqual(t.s.counts, { run: 0, skipped: 2, queued: 1, failed: 0 });
  assert.match(t.log[0]!, /interval cycle queued: the interval cycle is still running/);
  assert.match(t.log[1]!, /skipped/);
  t.pending.shift()!();
  await flush();
  assert.equal(t.runs.length, 2, 'the queued one runs after');
  assert.equal(t.max(), 1);
  t.pending.shift()!();
  await flush();
  assert.equal(t.s.running, false);
  assert.equal(t.max(), 1);
  t.s.stop();
});

test('a failed cycle is logged and the schedule goes on', async () => {
  const timers = new FakeTimers(T0);
  const log: string[] = [];
  let n = 0;
  const s = new CycleScheduler({
    timers,
    policy: () => ({ cycleEverySeconds: 5, eodCycleAt: null }),
    log: (l) => log.push(l),
    run: () => {
      n++;
      throw new Error('no price for instrument X');
    },
  });
  s.start();
  timers.advance(10_000);
  await flush();
  assert.equal(n, 2);
  assert.equal(s.counts.failed, 2);
  assert.match(log[0]!, /interval cycle failed: no price for instrument X/);
  s.stop();
});

test('nextDailyAt is strictly after now, in UTC; a bad time is refused', () => {
  assert.equal(new Date(nextDailyAt('17:00', T0)).toISOString(), '2026-03-12T17:00:00.000Z');
  assert.equal(new Date(nextDailyAt('16:58', T0)).toISOString(), '2026-03-13T16:58:00.000Z');
  assert.throws(() => nextDailyAt('24:00', T0), /HH:MM/);
});
