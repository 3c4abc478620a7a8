// A drill's injected events happen on its sandbox (issue 16 item 3), through the real CLI on real ledger files: the
// stale feed raises the dashboard's stale-feed alert until the feed is back, a member missing its calls has each
// escalated once its deadline passes on the drill's clock (not before), a member's default is declared through the
// dispatcher by the drill's injector and waits for a supervisor's confirmation; the drill journal verifies deeply
// and the live file stays byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, sha256File, withLedger, journalOf, type CliResult, type DemoUser } from './support/cli.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { supervisor, viewer } from './support/actors.ts';
import { openLedger } from '../main/ledger/db.ts';
import { InputError } from '../shared/errors.ts';
import type { DashboardSummary } from '../shared/contract.ts';

const T0 = Date.parse('2026-03-12T20:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

const step = (db: string, run: number, user: DemoUser, minute: number, ...extra: string[]) =>
  riskdeskAs(user, ['playbook', 'step', '--db', db, '--run', String(run), '--now', at(minute), '--json', ...extra]);

function staleAlerts(file: string, minute: number): string[] {
  return withLedger(file, (db) => (dispatch({ db, actor: viewer, now: () => new Date(at(minute)) }, 'dashboard.summary', {}) as DashboardSummary).alerts)
    .map((a) => a.text)
    .filter((t) => t.startsWith('Market data feed stale'));
}

function callsOf(file: string, member: string): { id: number; status: string }[] {
  return withLedger(file, (db) =>
    db.prepare('SELECT c.id, c.status FROM margin_calls c JOIN accounts a ON a.id = c.account_id WHERE a.member_id = ? ORDER BY c.id').all(member) as { id: number; status: string }[],
  ).map((c) => ({ id: Number(c.id), status: c.status }));
}

const injectedOf = (file: string, run: number) =>
  withLedger(file, (db) => JSON.parse(db.prepare('SELECT injected FROM playbook_runs WHERE id = ?').pluck().get(run) as string)) as { kind: string; fired?: { at: string; effect: string } }[];

test('injected events happen on the sandbox at their drill minute, through the dispatcher, and never touch the live file', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '300', '--seed', '7', '--now', at(0)]));
  // A cycle at 21:01 calls NGC (four calls), APB and others, due at 22:01 (the demo's 60-minute cure).
  ok(await riskdeskAs('operator', ['cycle', '--db', live, '--now', at(61)]));
  assert.ok(callsOf(live, 'NGC').length > 0 && callsOf(live, 'NGC').every((c) => c.status === 'open'));
  const before = sha256File(live);

  // The drill starts at 21:50: the feed stale from minute 1 to 4, NGC misses its calls from minute 2, KCM defaults at 5.
  const started = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'operational-outage', '--mode', 'drill', '--inject', 'stale@1..4,missed-call:NGC@2,default:KCM@5', '--now', at(110), '--json'])).json();
  const { run, sandbox } = started as { run: number; sandbox: string };
  assert.deepEqual(staleAlerts(sandbox, 111.5), [], 'nothing has happened before a step is taken');

  // Minute 1.5: the feed has gone stale; the dashboard of the sandbox raises the alert, the live one never does.
  ok(await step(live, run, 'supervisor', 111.5, '--note', 'outage declared'));
  assert.deepEqual(injectedOf(sandbox, run).map((e) => e.fired !== undefined), [true, false, false]);
  assert.equal(staleAlerts(sandbox, 111.5).length, 1);
  assert.match(staleAlerts(sandbox, 111.5)[0]!, new RegExp(`^Market data feed stale \\(drill run ${run}\\): no mark for \\d+ s \\(stale after 30 s\\); the feed is back at minute 4 of the drill$`));
  assert.deepEqual(staleAlerts(live, 111.5), []);

  // Minute 3: NGC misses its calls, but none is due before 22:01: nothing is escalated yet (the normal rule).
  ok(await step(live, run, 'supervisor', 113));
  assert.match(injectedOf(sandbox, run)[1]!.fired!.effect, /^no call of NGC is overdue yet/);
  assert.ok(callsOf(sandbox, 'NGC').every((c) => c.status === 'open'));
  assert.equal(staleAlerts(sandbox, 113).length, 1, 'still stale at minute 3');

  // Minute 6: the feed is back (no alert), and KCM's default is declared by the drill's injector, awaiting a confirmation.
  ok(await step(live, run, 'operator', 116, '--note', 'files loaded'));
  assert.deepEqual(staleAlerts(sandbox, 116), []);
  const declared = journalOf(sandbox).filter((e) => e.command === 'default.declare');
  assert.equal(declared.length, 1);
  assert.deepEqual([declared[0]!.actor, declared[0]!.payload.member, declared[0]!.result.status], ['system:drill-inject', 'KCM', 'pending_second']);
  assert.match(injectedOf(sandbox, run)[2]!.fired!.effect, new RegExp(`^default case ${declared[0]!.result.case} declared for KCM`));
  const kcmCase = withLedger(sandbox, (db) => db.prepare("SELECT status, declared_by FROM default_cases WHERE member_id = 'KCM'").get()) as { status: string; declared_by: string };
  assert.deepEqual({ ...kcmCase }, { status: 'pending_second', declared_by: 'system:drill-inject' });

  // Minute 12 (22:02): NGC's deadlines have passed unpaid on the drill's clock: its calls are escalated before the
  // step's cycle; APB's calls, due at the same time but not missed, are only overdue.
  ok(await step(live, run, 'operator', 122));
  assert.ok(callsOf(sandbox, 'NGC').every((c) => c.status === 'escalated'), JSON.stringify(callsOf(sandbox, 'NGC')));
  assert.ok(callsOf(sandbox, 'APB').every((c) => c.status === 'overdue'), JSON.stringify(callsOf(sandbox, 'APB')));
  const escalations = journalOf(sandbox).filter((e) => e.command === 'calls.escalateMany');
  assert.deepEqual(escalations.map((e) => [e.actor, e.payload.ids]), [['system:drill-inject', callsOf(sandbox, 'NGC').map((c) => c.id)]]);

  // The step entries record what happened; the report shows it; the sandbox's journal replays; live is untouched.
  const stepEntries = journalOf(sandbox).filter((e) => e.command === 'playbooks.step' && e.payload.injected);
  assert.deepEqual(stepEntries.map((e) => e.payload.injected.map((f: { event: number }) => f.event)), [[0], [1], [2]]);
  const report = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--json'])).json();
  assert.equal(report.run, run);
  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  assert.deepEqual(callsOf(live, 'NGC').map((c) => c.status), callsOf(live, 'NGC').map(() => 'open'));
  assert.equal(sha256File(live), before);

  // The way around: a caller cannot make an event "have happened" by sending what the journal writes.
  const entries = journalOf(sandbox).length;
  const db = openLedger(sandbox);
  try {
    assert.throws(
      () => dispatch({ db, actor: supervisor, now: () => new Date(at(130)), sandbox: true }, 'playbooks.step', { run, injected: [{ event: 0, effect: 'the feed is fine' }] }),
      (e: unknown) => e instanceof InputError && /injected is written by the journal, never sent/.test(e.message),
    );
  } finally {
    db.close();
  }
  assert.equal(journalOf(sandbox).length, entries);
});
