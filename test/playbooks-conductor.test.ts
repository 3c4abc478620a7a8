// The drill's conductor injects an event by hand (issue 16), through the real CLI on real ledger files: it happens at
// once in the sandbox, through the dispatcher, kept in the run with who injected it, shown in the Runner and the
// report; the sandbox's journal replays and the live file is byte-identical. And the way around every control: an
// event cannot happen twice, nor on the live ledger, nor by a caller who is not the conductor or a supervisor, nor
// by sending what the journal writes; a beat with nothing due changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, sha256File, journalOf, withLedger, type CliResult } from './support/cli.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { openLedger } from '../main/ledger/db.ts';
import { Door } from '../main/doors/invoke.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import type { Actor } from '../main/commands/context.ts';
import type { HappenedEvent, RunReport, RunState, RunView } from '../shared/contractPlaybook.ts';
import { operator, operator2, supervisor, viewer } from './support/actors.ts';

const T0 = Date.parse('2026-03-12T20:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

const refused = (code: string) => (e: unknown) => e instanceof RuleError && e.code === code;

test('the conductor injects events by hand from the CLI: they happen at once in the sandbox, shown in the report, replayed; the live file untouched', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '150', '--seed', '7', '--now', at(0)]));
  const before = sha256File(live);
  const { run, sandbox } = ok(await riskdeskAs('operator', ['playbook', 'start', '--db', live, '--playbook', 'operational-outage', '--mode', 'drill', '--now', at(10), '--json'])).json() as { run: number; sandbox: string };

  // The operator who started the drill conducts it: KCM defaults now, at minute 3 of the drill.
  const h = ok(await riskdeskAs('operator', ['playbook', 'inject', '--db', live, '--run', String(run), '--event', 'default:KCM', '--now', at(13), '--json'])).json() as HappenedEvent & { run: number };
  assert.deepEqual([h.run, h.kind, h.by, h.at], [run, 'default', 'operator', at(13)]);
  assert.match(h.effect!, /^default case \d+ declared for KCM: a second supervisor confirms it$/);
  const declared = journalOf(sandbox).filter((e) => e.command === 'default.declare');
  assert.deepEqual(declared.map((e) => [e.actor, e.payload.member]), [['system:drill-inject', 'KCM']]);
  assert.match(declared[0]!.payload.reason, /injected by hand by operator at minute 3/);

  // A supervisor may inject too (they oversee the desk's drills); a viewer may not, and is told why.
  ok(await riskdeskAs('supervisor', ['playbook', 'inject', '--db', live, '--run', String(run), '--event', 'stale:5', '--now', at(14)]));
  const other = await riskdeskAs('viewer', ['playbook', 'inject', '--db', live, '--run', String(run), '--event', 'missed-call:NGC', '--now', at(15)]);
  assert.equal(other.code, 1, other.describe());
  assert.match(other.stderr, /may not run playbooks.inject: it needs the operator role/);
  const bad = await riskdeskAs('operator', ['playbook', 'inject', '--db', live, '--run', String(run), '--event', 'default:NOPE', '--now', at(15)]);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /no member "NOPE"/);
  const badShape = await riskdeskAs('operator', ['playbook', 'inject', '--db', live, '--run', String(run), '--event', 'storm', '--now', at(15)]);
  assert.equal(badShape.code, 2);
  assert.match(badShape.stderr, /--event "storm" must look like/);

  // The stale feed lasts 5 minutes from minute 4: the sandbox's dashboard raises the alert until minute 9.
  const alerts = (minute: number) =>
    withLedger(sandbox, (db) => (dispatch({ db, actor: viewer, now: () => new Date(at(10 + minute)) }, 'dashboard.summary', {}) as { alerts: { text: string }[] }).alerts).filter((a) =>
      a.text.startsWith('Market data feed stale'),
    );
  assert.equal(alerts(6).length, 1);
  assert.match(alerts(6)[0]!.text, /the feed is back at minute 9 of the drill/);
  assert.equal(alerts(10).length, 0);

  // A step later: the events are the run's, shown with who injected them; the report's timeline names the conductor.
  ok(await riskdeskAs('supervisor', ['playbook', 'step', '--db', live, '--run', String(run), '--now', at(16)]));
  const report = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--export', path.join(dir, 'r.json')]));
  assert.equal(report.code, 0);
  const r = JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'r.json'), 'utf8')) as RunReport;
  assert.deepEqual(r.events.map((e) => [e.kind, e.by]), [['default', 'operator'], ['stale', 'supervisor']]);
  assert.ok(r.timeline.some((e) => e.actor === 'operator' && e.what.startsWith('injected by hand: member KCM fails')));
  const injects = journalOf(sandbox).filter((e) => e.command === 'playbooks.inject');
  assert.deepEqual(injects.map((e) => e.actor), ['operator', 'supervisor']);

  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  assert.equal(sha256File(live), before, 'the live file is byte-identical');
});

test('the way around: no event on the live ledger, none twice, none by a stranger or while paused, none by sending what the journal writes', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '120', '--seed', '7', '--now', at(0)]));
  const { run: drill, sandbox } = ok(
    await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'operational-outage', '--mode', 'drill', '--inject', 'default:KCM@1', '--now', at(10), '--json']),
  ).json() as { run: number; sandbox: string };
  let clock = Date.parse(at(20));
  const now = () => new Date((clock += 1_000));

  // The live ledger: a console there has no drill clock, and neither beat nor injection acts on a live run.
  const liveDb = openLedger(live);
  try {
    const door = new Door({ db: liveDb, now, resident: false, log: () => {} });
    assert.equal(door.live.drillBeat, null, 'no drill clock beats on the live ledger');
    const s = door.runAs(supervisor, 'playbooks.start', { playbook: 'operational-outage', mode: 'live' }) as RunState;
    const onLive = (actor: Actor, channel: string, payload: unknown) => dispatch({ db: liveDb, actor, now }, channel, payload);
    assert.throws(() => onLive(supervisor, 'playbooks.fire', { run: s.run }), refused('not_a_drill'));
    assert.throws(() => onLive(supervisor, 'playbooks.inject', { run: s.run, event: { kind: 'default', member: 'KCM' } }), refused('not_a_drill'));
    assert.throws(() => onLive(supervisor, 'playbooks.start', { playbook: 'operational-outage', mode: 'live', inject: [{ kind: 'default', at: 0, member: 'KCM' }] }), /never on the live ledger/);
    const v = door.runAs(supervisor, 'playbooks.run', { run: s.run }) as RunView;
    assert.deepEqual([v.actions.inject.offered, v.actions.inject.allowed], [false, false]);
    assert.equal(Number(liveDb.prepare('SELECT count(*) FROM default_cases').pluck().get()), 0);
  } finally {
    liveDb.close();
  }

  const db = openLedger(sandbox);
  try {
    const inSandbox = (actor: Actor, channel: string, payload: unknown) => dispatch({ db, actor, now, sandbox: true }, channel, payload);
    const entries = () => journalOf(sandbox).length;
    // The sandbox's file, named by another door as if it were the ledger itself: refused.
    assert.throws(() => dispatch({ db, actor: supervisor, now }, 'playbooks.fire', { run: drill }), refused('drill_needs_sandbox'));
    assert.throws(() => dispatch({ db, actor: supervisor, now }, 'playbooks.inject', { run: drill, event: { kind: 'stale', minutes: 3 } }), refused('drill_needs_sandbox'));
    // What the journal writes cannot be sent.
    assert.throws(() => inSandbox(operator, 'playbooks.fire', { run: drill, injected: [{ event: 0, effect: 'nothing much' }] }), (e: unknown) => e instanceof InputError && /never sent/.test(e.message));
    assert.throws(() => inSandbox(operator, 'playbooks.fire', { run: drill, escalated: [1] }), (e: unknown) => e instanceof InputError && /never sent/.test(e.message));
    assert.throws(() => inSandbox(supervisor, 'playbooks.inject', { run: drill, event: { kind: 'stale', minutes: 3 }, recorded: { effect: 'x' } }), (e: unknown) => e instanceof InputError && /never sent/.test(e.message));
    const n = entries();
    // KCM (minute 1) is due: the first beat makes it happen; a second beat (another door, the same instant) finds nothing.
    inSandbox(operator, 'playbooks.fire', { run: drill });
    assert.throws(() => inSandbox(operator, 'playbooks.fire', { run: drill }), refused('nothing_due'));
    assert.equal(entries(), n + 2, 'the beat and its declaration; the refused beat wrote nothing');
    // A step after it does not make it happen again either.
    inSandbox(supervisor, 'playbooks.step', { run: drill });
    assert.equal(Number(db.prepare("SELECT count(*) FROM default_cases WHERE member_id = 'KCM'").pluck().get()), 1);
    assert.equal(journalOf(sandbox).filter((e) => e.command === 'playbooks.step' && e.payload.injected).length, 0);

    // Only the conductor (who started it: supervisor) or a supervisor: another operator is told why; a viewer may not
    // run the channel at all; nobody while the drill is paused.
    assert.throws(() => inSandbox(operator2, 'playbooks.inject', { run: drill, event: { kind: 'stale', minutes: 3 } }), refused('forbidden'));
    assert.throws(() => inSandbox(viewer, 'playbooks.inject', { run: drill, event: { kind: 'stale', minutes: 3 } }), refused('forbidden'));
    const opView = dispatch({ db, actor: operator, now, sandbox: true }, 'playbooks.run', { run: drill }) as RunView;
    assert.deepEqual([opView.actions.inject.offered, opView.actions.inject.allowed], [true, false]);
    assert.match(opView.actions.inject.why!, /conducted by supervisor, needs the supervisor role/);
    // A reason that is an object with a "length" and no prototype (zod's length check threw on it): refused, named.
    const trap = Object.assign(Object.create(null) as object, { length: Object.create(null) as object });
    assert.throws(() => inSandbox(operator, 'playbooks.pause', { run: drill, reason: trap }), (e: unknown) => e instanceof InputError && e.where?.field === 'reason');
    inSandbox(operator, 'playbooks.pause', { run: drill, reason: 'bridge call dropped' });
    assert.throws(() => inSandbox(supervisor, 'playbooks.inject', { run: drill, event: { kind: 'stale', minutes: 3 } }), refused('run_paused'));
    assert.throws(() => inSandbox(operator, 'playbooks.fire', { run: drill }), refused('run_paused'));
    inSandbox(operator, 'playbooks.resume', { run: drill });
    const hand = inSandbox(supervisor, 'playbooks.inject', { run: drill, event: { kind: 'missedCall', member: 'NGC' } }) as HappenedEvent;
    assert.equal(hand.by, 'supervisor');
    // An injected event is never made to happen again by a beat.
    assert.throws(() => inSandbox(operator, 'playbooks.fire', { run: drill }), refused('nothing_due'));
    inSandbox(supervisor, 'playbooks.abort', { run: drill, reason: 'end of the exercise' });
    assert.throws(() => inSandbox(supervisor, 'playbooks.inject', { run: drill, event: { kind: 'default', member: 'APB' } }), refused('run_ended'));
  } finally {
    db.close();
  }
  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
});
