import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayPlayer } from './pacing.ts';
import { FakeTimers } from './timers.ts';
import type { PathPoint, PricePath } from './replay.ts';

const T0 = Date.parse('2020-03-12T00:00:00Z');
/** One point a minute of market time for an hour, on one instrument, plus a second at the same time as the 10th. */
function path(): PricePath {
  const points: PathPoint[] = [];
  for (let m = 0; m <= 60; m++) {
    points.push({ at: T0 + m * 60_000, instrument: 'BTC-PERP', price: String(1000 + m) });
    if (m === 10) points.push({ at: T0 + m * 60_000, instrument: 'ETH-PERP', price: '50' });
  }
  return { points, label: 'test path' };
}

function player(speed: number) {
  const timers = new FakeTimers(5_000);
  const batches: { clock: number; points: PathPoint[] }[] = [];
  const p = new ReplayPlayer(path(), { timers, speed, frameMs: 50, emit: (pts) => batches.push({ clock: timers.now(), points: pts }) });
  const delivered = () => batches.flatMap((b) => b.points);
  return { timers, batches, p, delivered };
}

test('at 60x a minute of market time takes a second of the clock: each point arrives when it is due', () => {
  const r = player(60);
  r.p.play();
  assert.equal(r.delivered().length, 1, 'the first point at once');
  r.timers.advance(999);
  assert.equal(r.delivered().length, 1);
  r.timers.advance(1);
  assert.equal(r.delivered().length, 2);
  r.timers.advance(9_000);
  assert.equal(r.delivered().length, 12, 'minute 10 brings both of its points');
  for (const b of r.batches) for (const pt of b.points) assert.equal(b.clock - 5_000, (pt.at - T0) / 60, 'never early, never late');
  r.timers.advance(50_000);
  assert.equal(r.delivered().length, 62);
  assert.equal(r.p.state, 'done');
  assert.equal(r.timers.pending, 0);
});

test('at 3600x the hour takes a second, in frames at least 50 ms apart, points in path order', () => {
  const r = player(3600);
  r.p.play();
  r.timers.advance(1_000);
  assert.deepEqual(r.delivered(), path().points);
  const gaps = r.batches.slice(1).map((b, i) => b.clock - r.batches[i]!.clock);
  assert.ok(gaps.every((g) => g >= 50), `frames ${gaps.join(',')}`);
  assert.ok(r.batches.length <= 21);
});

test('pause holds market time; resume goes on from there; speed can change on the way', () => {
  const r = player(60);
  r.p.play();
  r.timers.advance(5_000); // minutes 0..5
  assert.equal(r.delivered().length, 6);
  r.p.pause();
  assert.equal(r.p.status().at, new Date(T0 + 5 * 60_000).toISOString());
  r.timers.advance(600_000);
  assert.equal(r.delivered().length, 6, 'nothing while paused');
  r.p.resume();
  r.timers.advance(1_000);
  assert.equal(r.delivered().length, 7, 'minute 6, one second after resuming');
  r.p.setSpeed(600);
  r.timers.advance(100);
  assert.equal(r.delivered().length, 8, 'minute 7 a tenth of a second later at 600x');
});

test('step hands over the next point (all of one time) and stays paused', () => {
  const r = player(1);
  for (let i = 0; i < 10; i++) r.p.step();
  assert.equal(r.delivered().length, 10);
  const b = r.p.step();
  assert.deepEqual(b.map((p) => p.instrument), ['BTC-PERP', 'ETH-PERP']);
  assert.equal(r.p.state, 'paused');
  r.timers.advance(3_600_000);
  assert.equal(r.delivered().length, 12, 'a step does not start the clock');
  assert.equal(r.p.status().done, 12);
});

test('stop ends it; speed outside 1x-3600x is refused', () => {
  const r = player(10);
  r.p.play();
  r.p.stop();
  r.timers.advance(10_000_000);
  assert.equal(r.delivered().length, 1);
  assert.equal(r.timers.pending, 0);
  assert.throws(() => r.p.setSpeed(3601), /1x to 3600x/);
  assert.throws(() => r.p.setSpeed(0.5), /1x to 3600x/);
});
