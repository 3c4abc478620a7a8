import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrillClockBeat, type BeatDoor } from './drillBeat.ts';
import { FakeTimers } from '../feed/timers.ts';
import { RuleError } from '../../shared/errors.ts';
import type { ConsoleEvent } from '../../shared/contract.ts';

/** The beat's own behaviour around the command layer (what is due and what happens is the command layer's: test/playbooks-beat.test.ts). */
function setup(answer: (channel: string, payload: unknown) => unknown) {
  const timers = new FakeTimers(0);
  const calls: string[] = [];
  const events: ConsoleEvent[] = [];
  const log: string[] = [];
  const door: BeatDoor = {
    now: () => new Date(timers.now()),
    run: (channel, payload) => {
      calls.push(`${channel} ${JSON.stringify(payload)}`);
      return answer(channel, payload);
    },
    emit: (e) => events.push(e),
    log: (l) => log.push(l),
    whenIdle: (f) => f(),
  };
  return { timers, calls, events, log, beat: new DrillClockBeat({ timers, door, everyMs: 1_000 }) };
}

test('the first beat is at start, then one a second; stop leaves no timer', () => {
  const t = setup(() => ({ drills: [] }));
  t.beat.start();
  assert.equal(t.calls.length, 1);
  t.timers.advance(3_000);
  assert.equal(t.calls.length, 4);
  t.beat.stop();
  assert.equal(t.timers.pending, 0);
  t.timers.advance(3_000);
  assert.equal(t.calls.length, 4);
});

test('a drill with something due is fired and the desk told; one another door took first is left quietly', () => {
  let raced = false;
  const t = setup((channel) => {
    if (channel === 'playbooks.clock') return { drills: [{ run: 7, minute: '2.00', paused: false, due: true }] };
    if (raced) throw new RuleError('nothing_due', 'nothing of drill run 7 is due');
    raced = true;
    return { run: 7, delivered: 0, fired: [{ event: 0, kind: 'default', text: 'member KCM fails', effect: 'default case 1 declared' }], escalated: [] };
  });
  t.beat.start();
  assert.deepEqual(t.calls, ['playbooks.clock {}', 'playbooks.fire {"run":7}']);
  assert.ok(t.events.some((e) => e.type === 'alert' && e.alert.text === 'Drill run 7: member KCM fails (default case 1 declared)'));
  const told = t.events.length;
  t.timers.advance(1_000);
  assert.equal(t.beat.counts.failed, 0);
  assert.equal(t.events.length, told, 'a race lost is no news');
  t.beat.stop();
});

test('a failure that lasts is logged and shown once, until its reason changes', () => {
  let why = 'the ledger is open read-only';
  const t = setup(() => {
    throw new RuleError('ledger_read_only', why);
  });
  t.beat.start();
  t.timers.advance(5_000);
  assert.equal(t.beat.counts.failed, 6);
  assert.equal(t.log.length, 1);
  assert.equal(t.events.filter((e) => e.type === 'alert').length, 1);
  why = 'disk full';
  t.timers.advance(1_000);
  assert.equal(t.events.filter((e) => e.type === 'alert').length, 2);
  t.beat.stop();
});
