// A drill's injected events happen on the drill's clock by themselves (issue 16): a console open on the drill's
// sandbox (a real SQLite file the CLI copied from a real ledger) beats the drill clock, and each event happens at its
// minute through playbooks.fire, journalled by system:drill-clock, with nobody taking a step. A paused drill stands
// still; time that passed in one go (the app closed, the machine asleep) makes each due event happen once at the next
// beat, stamped with its own minute; a restarted console fires what came due while it was closed, once, at start;
// an ended drill fires nothing. The sandbox's journal replays (verify --deep) and the live file is byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, sha256File, journalOf, type CliResult } from './support/cli.ts';
import { Door } from '../main/doors/invoke.ts';
import { openLedger } from '../main/ledger/db.ts';
import { FakeTimers } from '../main/feed/timers.ts';
import { getRun } from '../main/ledger/playbookRepo.ts';
import type { ConsoleEvent } from '../shared/contract.ts';
import type { DrillClockView, RunView } from '../shared/contractPlaybook.ts';
import { operator, supervisor, viewer } from './support/actors.ts';

const T0 = Date.parse('2026-03-12T20:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const MIN = 60_000;

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

/** A console door on the sandbox with fake timers and a clock the test moves (the drill minute = clock - start). */
function console(file: string, clock: { t: number }) {
  const db = openLedger(file);
  const timers = new FakeTimers(0);
  const door = new Door({ db, now: () => new Date(clock.t), resident: false, log: () => {}, live: { timers, schedule: false, beatMs: 1_000 } });
  const seen: ConsoleEvent[] = [];
  door.events.subscribe((e) => seen.push(e));
  return {
    door,
    seen,
    /** Moves the app's clock and lets the beat's timer run once. */
    wait(ms: number) {
      clock.t += ms;
      timers.advance(1_000);
    },
    async close() {
      await door.live.stop();
      db.close();
    },
  };
}

const fires = (file: string) => journalOf(file).filter((e) => e.command === 'playbooks.fire');

test('the drill clock makes each event happen at its minute by itself, once; pauses stand still; a restart fires what came due while closed', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '150', '--seed', '7', '--now', at(0)]));
  const before = sha256File(live);
  // Minute 1 the feed goes stale until 3; at 2 KCM defaults; at 10 NGC misses its calls; at 40 APB defaults; at 500 GPF.
  const started = ok(
    await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'operational-outage', '--mode', 'drill', '--inject', 'stale@1..3,default:KCM@2,missed-call:NGC@10,default:APB@40,default:GPF@500', '--now', at(10), '--json']),
  ).json() as { run: number; sandbox: string };
  const { run, sandbox } = started;
  const clock = { t: Date.parse(at(10)) };
  let c = console(sandbox, clock);
  assert.ok(c.door.live.drillBeat, 'a console on a drill sandbox beats the drill clock');
  c.door.live.start();
  assert.equal(fires(sandbox).length, 0, 'nothing is due at minute 0');

  // Minute 1.5: the stale feed happens with nobody taking a step; the desk is told.
  c.wait(1.5 * MIN);
  let f = fires(sandbox);
  assert.deepEqual(f.map((e) => [e.actor, e.payload.injected.map((x: { event: number }) => x.event)]), [['system:drill-clock', [0]]]);
  assert.ok(c.seen.some((e) => e.type === 'alert' && /^Drill run \d+: the market-data feed goes stale/.test(e.alert.text)));
  c.wait(1_000);
  assert.equal(fires(sandbox).length, 1, 'a beat with nothing due writes nothing');

  // Paused at minute 1.6 for ten minutes: the clock stands still, KCM (minute 2) does not default meanwhile.
  c.door.runAs(operator, 'playbooks.pause', { run, reason: 'bridge call dropped' });
  for (let i = 0; i < 10; i++) c.wait(MIN);
  assert.equal(fires(sandbox).length, 1);
  assert.equal((c.door.runAs(viewer, 'playbooks.clock', {}) as DrillClockView).drills[0]!.due, false);
  c.door.runAs(operator, 'playbooks.resume', { run });
  c.wait(30_000); // minute ~2.1 of the drill
  f = fires(sandbox);
  assert.equal(f.length, 2);
  assert.deepEqual(f[1]!.payload.injected.map((x: { event: number }) => x.event), [1]);
  const declared = journalOf(sandbox).filter((e) => e.command === 'default.declare');
  assert.deepEqual(declared.map((e) => [e.actor, e.payload.member]), [['system:drill-inject', 'KCM']]);

  // The machine sleeps 20 minutes: NGC's event (minute 10) happens once at the next beat, stamped with its minute.
  c.wait(20 * MIN);
  c.wait(1_000);
  f = fires(sandbox);
  assert.equal(f.length, 3);
  assert.deepEqual(f[2]!.payload.injected.map((x: { event: number }) => x.event), [2]);
  const ngc = getRun(c.door.db, run)!.injected[2]!;
  // Started at minute 10 of the clock, paused for 10 minutes (and a few seconds): minute 10 of the drill is ~20 min later.
  assert.ok(ngc.fired!.at < new Date(clock.t - 5 * MIN).toISOString() && ngc.fired!.at >= at(30), ngc.fired!.at);

  // The console closes at drill minute ~22 and opens again 30 minutes later: APB (minute 40) defaults once, at start.
  await c.close();
  clock.t += 30 * MIN;
  c = console(sandbox, clock);
  c.door.live.start();
  f = fires(sandbox);
  assert.equal(f.length, 4, 'what came due while the app was closed happens at start');
  assert.deepEqual(f[3]!.payload.injected.map((x: { event: number }) => x.event), [3]);
  c.wait(1_000);
  c.wait(1_000);
  assert.equal(fires(sandbox).length, 4, 'and never twice');
  const view = c.door.runAs(viewer, 'playbooks.run', { run }) as RunView;
  assert.deepEqual(view.events.map((e) => [e.kind, e.by]), [['stale', null], ['default', null], ['missedCall', null], ['default', null]]);

  // Aborted: GPF (minute 500) never happens, however long the console runs.
  c.door.runAs(supervisor, 'playbooks.abort', { run, reason: 'end of the exercise' });
  c.wait(600 * MIN);
  c.wait(1_000);
  assert.equal(fires(sandbox).length, 4);
  assert.deepEqual((c.door.runAs(viewer, 'playbooks.clock', {}) as DrillClockView).drills, []);
  assert.equal(getRun(c.door.db, run)!.injected[4]!.fired, undefined);
  await c.close();

  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  assert.equal(sha256File(live), before, 'the live file is byte-identical');
});

test('the beat moves the drill\'s market too, as a step would: a stale feed holds it, and it catches up when the feed is back', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '120', '--seed', '7', '--now', at(0)]));
  const before = sha256File(live);
  // A market day a drill minute; the feed goes stale from minute 2 to 4. The demo's marks are at 21:00: the drill
  // starts at 21:01, so its market clock starts with it.
  const { run, sandbox } = ok(
    await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--scenario', 'march-2020', '--speed', '1440', '--inject', 'stale@2..4', '--now', at(61), '--json']),
  ).json() as { run: number; sandbox: string };
  const clock = { t: Date.parse(at(61)) };
  const c = console(sandbox, clock);
  c.door.live.start();
  const delivered = () => getRun(c.door.db, run)!.scenarioDone;
  const ticks = () => journalOf(sandbox).filter((e) => e.command === 'prices.tick');

  c.wait(MIN); // minute 1: a market day has been played, with nobody taking a step
  const atOne = delivered();
  assert.ok(atOne > 0);
  assert.ok(ticks().length > 0 && ticks().every((e) => e.actor === 'system:drill-clock'));
  assert.equal(fires(sandbox).at(-1)!.result.delivered > 0, true);

  c.wait(1.5 * MIN); // minute 2.5: the feed went stale at 2
  const atStale = delivered();
  c.wait(MIN); // minute 3.5: still stale, the market stands where it went quiet
  assert.equal(delivered(), atStale);
  c.wait(MIN); // minute 4.5: the feed is back and the market catches up
  assert.ok(delivered() > atStale);
  await c.close();

  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  assert.equal(sha256File(live), before);
});
