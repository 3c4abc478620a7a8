// The Runner screen's views (issue 16 item 4) through the command layer on a real demo ledger: the server says what
// each user may do with a run (the same rules the commands enforce), and the way around each verdict is refused.
import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Door } from '../main/doors/invoke.ts';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { listJournal } from '../main/ledger/journal.ts';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, supervisor2, viewer } from './support/actors.ts';
import { RuleError } from '../shared/errors.ts';
import type { RunnerView, RunReport, RunState, RunView } from '../shared/contractPlaybook.ts';

const demoLedger = demoLedgers('riskdesk-runner-', 200);
const { run } = minuteClock();

test('the runner: live starts here, a drill only in a sandbox; each step says who may take it and why not; the way around is refused', () => {
  const db = demoLedger();
  const lib = run<RunnerView>(db, viewer, 'playbooks.runner', {});
  assert.equal(lib.drill, false);
  const flash = lib.library.find((p) => p.id === 'flash-crash')!;
  assert.equal(flash.start.live.allowed, false, 'a viewer may not start a run');
  const asOp = run<RunnerView>(db, operator, 'playbooks.runner', {}).library.find((p) => p.id === 'flash-crash')!;
  assert.equal(asOp.start.live.allowed, true);
  // On the ledger a drill is offered by the console's door, which makes the copy (playbooks.drill); a viewer may not.
  assert.deepEqual([asOp.start.drill.channel, asOp.start.drill.allowed], ['playbooks.drill', true]);
  assert.deepEqual([flash.start.drill.channel, flash.start.drill.allowed], ['playbooks.drill', false]);
  assert.throws(() => run(db, operator, 'playbooks.start', { playbook: 'flash-crash', mode: 'drill' }), (e: unknown) => e instanceof RuleError && e.code === 'drill_needs_sandbox');
  const md = run<RunnerView>(db, operator, 'playbooks.runner', {}).library.find((p) => p.id === 'member-default')!;
  assert.deepEqual(md.parameters.map((p) => p.name), ['member']);

  const s = run<RunState>(db, supervisor, 'playbooks.start', { playbook: 'flash-crash', mode: 'live' });
  // Step 1 pauses automation, a supervisor's command: an operator is told why not, and is refused when trying.
  const opView = run<RunView>(db, operator, 'playbooks.run', { run: s.run });
  assert.equal(opView.current!.channel, 'automation.set');
  assert.deepEqual([opView.actions.step.allowed, opView.actions.step.needs], [false, 'supervisor']);
  assert.equal(opView.actions.abort.allowed, true);
  const supView = run<RunView>(db, supervisor, 'playbooks.run', { run: s.run });
  assert.equal(supView.actions.step.allowed, true);
  run(db, supervisor, 'playbooks.step', { run: s.run });
  run(db, operator, 'playbooks.step', { run: s.run }); // breakers checked
  // Step 3 chooses an outcome.
  const v3 = run<RunView>(db, supervisor, 'playbooks.run', { run: s.run });
  assert.deepEqual(v3.current!.outcomes, ['prices confirmed', 'prices wrong']);
  assert.deepEqual(v3.steps.map((x) => [x.index, x.actor]), [[1, 'supervisor'], [2, 'operator'], [3, null]]);
  run(db, supervisor, 'playbooks.step', { run: s.run, outcome: 'prices confirmed' });
  run(db, supervisor, 'playbooks.step', { run: s.run }); // cycle
  run(db, supervisor, 'playbooks.step', { run: s.run, note: 'every proposal reviewed' });
  run(db, supervisor2, 'playbooks.step', { run: s.run, note: 'second review' });
  run(db, operator, 'playbooks.step', { run: s.run }); // stress
  // Step 8: a supervisor resets the breakers; at the end nothing more is offered, and the way around is refused.
  const last = run<RunView>(db, supervisor, 'playbooks.run', { run: s.run });
  assert.equal(last.current!.index, 8);
  run(db, supervisor, 'playbooks.step', { run: s.run });
  const ended = run<RunView>(db, supervisor, 'playbooks.run', { run: s.run });
  assert.equal(ended.status, 'done');
  assert.deepEqual([ended.current, ended.actions.step.offered, ended.actions.step.allowed, ended.actions.abort.offered], [null, false, false, false]);
  assert.throws(() => run(db, supervisor, 'playbooks.abort', { run: s.run, reason: 'too late' }), (e: unknown) => e instanceof RuleError && e.code === 'run_ended');
  const runs = run<RunnerView>(db, viewer, 'playbooks.runner', {}).runs;
  assert.deepEqual(runs.map((r) => [r.run, r.status, r.mode]), [[s.run, 'done', 'live']]);
});

test('a four-eyes sign-off: the first signer is told to wait for someone else, and is refused if they try again', () => {
  const db = demoLedger();
  const s = run<RunState>(db, supervisor, 'playbooks.start', { playbook: 'operational-outage', mode: 'live' });
  run(db, supervisor, 'playbooks.step', { run: s.run });
  run(db, supervisor, 'playbooks.step', { run: s.run });
  run(db, operator, 'playbooks.step', { run: s.run });
  run(db, operator, 'playbooks.step', { run: s.run });
  run(db, operator, 'playbooks.step', { run: s.run });
  run(db, supervisor, 'playbooks.step', { run: s.run, note: 'reconciled' });
  const mine = run<RunView>(db, supervisor, 'playbooks.run', { run: s.run });
  assert.deepEqual([mine.current!.index, mine.current!.fourEyes, mine.current!.firstSigner], [6, true, 'supervisor']);
  assert.equal(mine.actions.step.allowed, false);
  assert.match(mine.actions.step.why!, /second, different person/);
  assert.throws(() => run(db, supervisor, 'playbooks.step', { run: s.run }), (e: unknown) => e instanceof RuleError && e.code === 'four_eyes');
  assert.equal(run<RunView>(db, supervisor2, 'playbooks.run', { run: s.run }).actions.step.allowed, true);
  run(db, supervisor2, 'playbooks.step', { run: s.run });
  const after = run<RunView>(db, supervisor2, 'playbooks.run', { run: s.run });
  assert.deepEqual([after.steps[5]!.actor, after.steps[5]!.secondActor], ['supervisor', 'supervisor2']);
});

test('a paused run takes no step until resumed, and the pause is left out of the step\'s time; an abort ends a pause', () => {
  const db = demoLedger();
  const s = run<RunState>(db, supervisor, 'playbooks.start', { playbook: 'flash-crash', mode: 'live' });
  run(db, supervisor, 'playbooks.step', { run: s.run }); // step 1 done; step 2 opens at minute m
  const paused = run<RunState>(db, operator, 'playbooks.pause', { run: s.run, reason: 'fire alarm: the desk leaves the floor' });
  assert.equal(paused.paused, true);
  const v = run<RunView>(db, operator, 'playbooks.run', { run: s.run });
  assert.deepEqual([v.paused?.by, v.actions.step.allowed, v.actions.pause.offered, v.actions.resume.allowed], ['operator', false, false, true]);
  assert.match(v.actions.step.why!, /paused by operator .*fire alarm.*resume it first/);
  assert.throws(() => run(db, operator, 'playbooks.step', { run: s.run }), (e: unknown) => e instanceof RuleError && e.code === 'run_paused');
  assert.throws(() => run(db, operator, 'playbooks.pause', { run: s.run, reason: 'again' }), (e: unknown) => e instanceof RuleError && e.code === 'run_paused');
  assert.throws(() => run(db, viewer, 'playbooks.resume', { run: s.run }), (e: unknown) => e instanceof RuleError && e.code === 'forbidden');
  run(db, supervisor, 'playbooks.resume', { run: s.run }); // 5 minutes after the pause (each command is a minute)
  assert.throws(() => run(db, supervisor, 'playbooks.resume', { run: s.run }), (e: unknown) => e instanceof RuleError && e.code === 'not_paused');
  run(db, operator, 'playbooks.step', { run: s.run });
  const steps = run<RunView>(db, viewer, 'playbooks.run', { run: s.run }).steps;
  // Each call moves the clock a minute: step 2 opened at minute 2 and was signed at minute 10, 8 minutes of which 5
  // were paused (paused at 3, resumed at 8).
  assert.equal(steps[1]!.seconds, 3 * 60);

  run(db, operator, 'playbooks.pause', { run: s.run, reason: 'call from the regulator' });
  const aborted = run<RunState>(db, supervisor, 'playbooks.abort', { run: s.run, reason: 'real incident' });
  assert.deepEqual([aborted.status, aborted.paused], ['aborted', false]);
});

test('a console on a drill sandbox starts a drill with a scenario by name: the door makes its path from the data files; the command layer refuses a name it was sent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-runner-door-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'live.db.drills'));
  const db = openLedger(path.join(dir, 'live.db.drills', 'run-1.db'), { create: true });
  initLedger(db, { demo: true, accounts: 100, seed: 7 }, new Date(DEMO_AS_OF));
  const t0 = Date.parse(DEMO_AS_OF) + 3_600_000;
  let clock = t0;
  const door = new Door({ db, now: () => new Date(clock), resident: false });
  assert.equal((door.runAs(viewer, 'playbooks.runner', {}) as RunnerView).drill, true, 'a console on a sandbox is a drill console');
  assert.throws(() => dispatch({ db, actor: supervisor, now: () => new Date(clock), sandbox: true }, 'playbooks.start', { playbook: 'flash-crash', mode: 'drill', scenarioId: 'luna' }), /expanded by a console door/);
  const s = door.runAs(supervisor, 'playbooks.start', { playbook: 'flash-crash', mode: 'drill', scenarioId: 'luna', speed: 1440 }) as RunState;
  clock += 2 * 60_000; // two market days
  door.runAs(supervisor, 'playbooks.step', { run: s.run });
  const r = door.runAs(viewer, 'playbooks.report', { run: s.run }) as RunReport;
  assert.deepEqual([r.scenario?.id, r.scenario?.acceleration], ['luna', 1440]);
  assert.ok(r.scenario!.delivered > 0);
  const ticks = listJournal(db, { limit: 1000 }).filter((e) => e.command === 'prices.tick');
  assert.ok(ticks.length > 0 && ticks.every((e) => e.actor === 'system:drill-clock'));
  db.close();
});
