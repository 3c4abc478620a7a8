// A drill started from the console (issue 16): the console door on a real ledger file copies it with the online
// backup, signs the starter in on the copy, starts the run there, and answers that person's console from the copy
// until they leave it; a second person enters the same drill from their own console. The sandbox's journal replays
// (verify --deep, the real CLI), the live file is byte-identical, and the CLI finds the drill's report beside the
// ledger. And the way around each control: a viewer may not start one, a drill is not started from a drill nor from
// a console on a sandbox or in memory, no run number reaches outside the sidecar folder, a sign-out at the ledger
// ends the drill's session too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { riskdesk, riskdeskAs, tempDir, ledgerImageSha, journalOf, dumpLedger, PASSWORDS, type CliResult, type DemoUser } from './support/cli.ts';
import { openLedger } from '../main/ledger/db.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { DrillRooms } from '../main/doors/drillRooms.ts';
import { drillsDir } from '../main/playbooks/sandbox.ts';
import type { AnyInvokeResult } from '../main/doors/invoke.ts';
import type { DrillEntered, DrillRoomsView, RunnerView, RunView } from '../shared/contractPlaybook.ts';

// After the demo book's last marks (21:00): a drill's clock with a scenario starts after them.
const T0 = Date.parse('2026-03-12T21:30:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
/** The sandboxes in a ledger's sidecar folder. */
const sandboxes = (ledger: string) => fs.readdirSync(drillsDir(ledger)).filter((f) => f.endsWith('.db')).sort();
const QUIET = { live: { schedule: false, drillBeat: false } };

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

/** The live file as it is on disk, with its write-ahead log, while its console has it open: what a drill must leave alone. */
const fingerprint = (file: string) => ledgerImageSha(file);

/** A console door on a ledger file, with its drills, and people signing in at it as themselves. */
async function consoleOn(file: string, minute: () => number) {
  const db = openLedger(file);
  const now = () => new Date(at(minute()));
  const door = new Door({ db, now, live: { schedule: false }, log: () => {} });
  const rooms = new DrillRooms({ live: door, now, log: () => {}, drillDoor: QUIET });
  const call = async <T>(b: Binding, channel: string, payload: unknown = {}): Promise<AnyInvokeResult & ({ ok: true; value: T } | { ok: false })> =>
    (await rooms.invokeAsync(b, channel, payload)).result as AnyInvokeResult & ({ ok: true; value: T } | { ok: false });
  const value = async <T>(b: Binding, channel: string, payload: unknown = {}): Promise<T> => {
    const r = await call<T>(b, channel, payload);
    assert.ok(r.ok, `${channel}: ${JSON.stringify(!r.ok && r.error)}`);
    return (r as { value: T }).value;
  };
  const refusal = async (b: Binding, channel: string, payload: unknown = {}) => {
    const r = await call(b, channel, payload);
    assert.equal(r.ok, false, `${channel} was expected to be refused`);
    return (r as { error: { code: string; message: string; where?: { field?: string } } }).error;
  };
  const signIn = async (user: DemoUser): Promise<Binding> => {
    const o = await rooms.invokeAsync({ kind: 'browser', sid: null, source: 'test' }, 'session.login', { name: user, password: PASSWORDS[user] });
    assert.ok(o.result.ok && o.session, JSON.stringify(o.result));
    return { kind: 'browser', sid: o.session!, source: 'test' };
  };
  const close = async () => {
    await rooms.close();
    await door.live.stop();
    door.close();
    db.close();
  };
  return { rooms, call, value, refusal, signIn, close };
}

test('a drill started from the console: the copy is made beside the ledger, the console works on it, a second person enters it; it replays and the live file is untouched', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '150', '--seed', '7', '--now', at(0)]));
  let minute = 10;
  const c = await consoleOn(live, () => minute);
  try {
    const op = await c.signIn('operator');
    const viewer = await c.signIn('viewer');
    const sup = await c.signIn('supervisor');
    const before = fingerprint(live);
    const dumped = dumpLedger(live);

    // The Runner on the ledger offers a drill by playbooks.drill to an operator; a viewer is told why not, and refused.
    const lib = (await c.value<RunnerView>(op, 'playbooks.runner')).library.find((p) => p.id === 'flash-crash')!;
    assert.deepEqual([lib.start.drill.channel, lib.start.drill.allowed], ['playbooks.drill', true]);
    const asViewer = (await c.value<RunnerView>(viewer, 'playbooks.runner')).library.find((p) => p.id === 'flash-crash')!;
    assert.equal(asViewer.start.drill.allowed, false);
    assert.equal((await c.refusal(viewer, 'playbooks.drill', { playbook: 'flash-crash' })).code, 'forbidden');
    assert.equal(fs.existsSync(drillsDir(live)), false, 'a refused start makes no copy');
    // A bad playbook is refused and leaves no copy behind.
    assert.match((await c.refusal(op, 'playbooks.drill', { playbook: 'no-such-book' })).message, /no-such-book/);
    const ghost = await c.refusal(op, 'playbooks.drill', { playbook: 'flash-crash', inject: [{ kind: 'default', member: 'GHOST', at: 5 }] });
    assert.deepEqual([ghost.where?.field, /no member "GHOST"/.test(ghost.message)], ['inject[0].member', true]);
    assert.deepEqual(sandboxes(live), []);

    // The operator starts a flash-crash drill with March 2020 replayed: the console is on the copy from now on.
    minute = 11;
    const started = await c.value<DrillEntered>(op, 'playbooks.drill', { playbook: 'flash-crash', scenarioId: 'march-2020', speed: 3600, inject: [{ kind: 'stale', at: 0, until: 30 }] });
    assert.equal(started.sandbox, path.join(drillsDir(live), `run-${started.run}.db`));
    assert.ok(fs.existsSync(started.sandbox));
    assert.equal(c.rooms.runOf(op.kind === 'browser' ? op.sid : null), started.run);
    const onDrill = await c.value<RunnerView>(op, 'playbooks.runner');
    assert.equal(onDrill.drill, true, 'the console reads the sandbox, which says DRILL');
    assert.deepEqual(onDrill.runs.map((r) => [r.run, r.mode, r.status]), [[started.run, 'drill', 'running']]);
    const view = await c.value<RunView>(op, 'playbooks.run', { run: started.run });
    assert.equal(view.startedBy, 'operator');
    assert.equal((await c.value<DrillRoomsView>(op, 'playbooks.drills')).current, started.run);
    // The others' consoles are still on the ledger, which has no such run.
    assert.equal((await c.value<RunnerView>(sup, 'playbooks.runner')).drill, false);
    assert.equal((await c.refusal(sup, 'playbooks.run', { run: started.run })).where?.field, 'run');

    // The way around: no drill from a drill; no run number outside the sidecar folder; no drill that is not there.
    assert.equal((await c.refusal(op, 'playbooks.drill', { playbook: 'flash-crash' })).code, 'in_drill');
    for (const run of ['../live', '1/../../x', -1, 0, 1.5, 1e300]) assert.equal((await c.refusal(sup, 'playbooks.enter', { run })).code, 'bad_input', String(run));
    assert.equal((await c.refusal(sup, 'playbooks.enter', { run: started.run + 5 })).where?.field, 'run');
    assert.deepEqual(sandboxes(live), [`run-${started.run}.db`]);

    // The supervisor enters the same drill from their console, signed in there as themselves, and takes step 1.
    const rooms = await c.value<DrillRoomsView>(sup, 'playbooks.drills');
    assert.deepEqual([rooms.current, rooms.drills.map((d) => [d.run, d.open]), rooms.enter.allowed], [null, [[started.run, true]], true]);
    minute = 12;
    await c.value<DrillEntered>(sup, 'playbooks.enter', { run: started.run });
    minute = 13;
    await c.value(sup, 'playbooks.step', { run: started.run });
    const after = await c.value<RunView>(op, 'playbooks.run', { run: started.run });
    assert.deepEqual([after.steps[0]!.actor, after.current!.index], ['supervisor', 2]);
    // The event injected at minute 0 happened in the sandbox at that first step.
    assert.deepEqual(after.events.map((e) => e.kind), ['stale']);

    // Nothing of the drill reached the ledger: its file and log are as they were, and so is every table.
    assert.deepEqual(fingerprint(live), before);
    assert.deepEqual(dumpLedger(live), dumped);
    // Signing out at a drill's console ends both its sessions: the next call is refused, and the drill is left.
    minute = 14;
    await c.value(sup, 'session.logout');
    assert.equal((await c.refusal(sup, 'playbooks.run', { run: started.run })).code, 'unauthenticated');
    // Leaving takes the operator's console back onto the ledger.
    assert.deepEqual(await c.value(op, 'playbooks.leave'), { left: started.run });
    assert.equal((await c.value<RunnerView>(op, 'playbooks.runner')).drill, false);
    assert.deepEqual(await c.value(op, 'playbooks.leave'), { left: null });

    // That sign-out is the ledger's own (the console's session there ended), its one change since the drill began.
    assert.deepEqual(journalOf(live).slice(-1).map((e) => [e.command, e.actor]), [['session.logout', 'supervisor']]);
    assert.equal(dumpLedger(live).journalHead!.seq, dumped.journalHead!.seq + 1);
    await c.close();
    // The sandbox's journal (the vouched sign-ins, the start, the step, the sign-out) replays.
    const vouched = journalOf(started.sandbox).filter((e) => e.command === 'session.login' && String(e.payload.source).startsWith('drill:'));
    assert.deepEqual(vouched.map((e) => e.actor), ['operator', 'supervisor']);
    ok(await riskdesk(['verify', '--db', started.sandbox, '--deep']));
    // The CLI finds the drill beside the ledger, as for one it started itself.
    const report = ok(await riskdeskAs('viewer', ['playbook', 'report', '--db', live, '--run', String(started.run), '--json'])).json() as { mode: string; steps: { actor: string | null }[] };
    assert.equal(report.mode, 'drill');
    assert.equal(report.steps[0]!.actor, 'supervisor');
  } finally {
    await c.close().catch(() => undefined);
  }
});

test('no drill from a console on a sandbox, nor from one in memory; a console reopened on the ledger enters a drill the CLI started', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const live = path.join(dir, 'live.db');
  ok(await riskdesk(['init', '--db', live, '--demo', '--accounts', '120', '--seed', '7', '--now', at(0)]));
  const { run, sandbox } = ok(await riskdeskAs('operator', ['playbook', 'start', '--db', live, '--playbook', 'operational-outage', '--mode', 'drill', '--now', at(5), '--json'])).json() as { run: number; sandbox: string };

  // A console opened on the sandbox itself: it offers no drills to enter, and starts none by copying.
  const onSandbox = await consoleOn(sandbox, () => 10);
  try {
    const op = await onSandbox.signIn('operator');
    const v = await onSandbox.value<DrillRoomsView>(op, 'playbooks.drills');
    assert.deepEqual([v.current, v.drills, v.enter.offered], [null, [], false]);
    assert.equal((await onSandbox.refusal(op, 'playbooks.drill', { playbook: 'flash-crash' })).code, 'drill_in_sandbox');
    assert.equal((await onSandbox.refusal(op, 'playbooks.enter', { run })).code, 'drill_in_sandbox');
    assert.equal(fs.existsSync(drillsDir(sandbox)), false);
  } finally {
    await onSandbox.close();
  }

  // A console on the ledger lists the CLI's drill and enters it.
  const before = dumpLedger(live);
  const c = await consoleOn(live, () => 11);
  try {
    const sup = await c.signIn('supervisor');
    const mark = fingerprint(live);
    const dumped = dumpLedger(live);
    const v = await c.value<DrillRoomsView>(sup, 'playbooks.drills');
    assert.deepEqual(v.drills.map((d) => [d.run, d.open]), [[run, false]]);
    await c.value(sup, 'playbooks.enter', { run });
    assert.deepEqual((await c.value<RunnerView>(sup, 'playbooks.runner')).runs.map((r) => r.run), [run]);
    assert.deepEqual(fingerprint(live), mark);
    assert.deepEqual(dumpLedger(live), dumped);
    assert.notDeepEqual(dumped, before, 'the sign-in at the ledger is the ledger\'s own');
    // An admin ends the supervisor's session at the ledger: their drill's console is refused at once, saying so.
    const admin = await c.signIn('admin');
    const session = c.rooms.live.sessions.sessionOf(sup.kind === 'browser' ? sup.sid : null)!;
    await c.value(admin, 'sessions.revoke', { session, reason: 'left the desk' });
    assert.match((await c.refusal(sup, 'playbooks.runner')).message, /ended by admin \(.*left the desk/);
    assert.equal(c.rooms.runOf(sup.kind === 'browser' ? sup.sid : null), null);
    await c.close();
    ok(await riskdesk(['verify', '--db', sandbox, '--deep']));
  } finally {
    await c.close().catch(() => undefined);
  }

  // In memory there is no file to copy.
  const mem = openLedger(':memory:');
  const door = new Door({ db: mem, log: () => {}, live: { schedule: false } });
  const rooms = new DrillRooms({ live: door, log: () => {} });
  door.sessions.bind('k', { name: 'operator', role: 'operator' });
  const r = (await rooms.invokeAsync({ kind: 'window', key: 'k' }, 'playbooks.drill', { playbook: 'flash-crash' })).result;
  assert.deepEqual([r.ok, !r.ok && r.error.code], [false, 'no_ledger_file']);
  await rooms.close();
  mem.close();
});
