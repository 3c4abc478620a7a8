// `riskdesk playbook ...` end to end (issue 16): the real CLI in this process on real ledger files. A member-default
// drill runs to the end with two supervisors on a sandbox copy while the live file stays byte-identical; a step
// refused by a rule stops the run and says why; a branch follows the recorded outcome; an aborted run keeps its
// report; a bad playbook file is refused naming the step and field, storing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, riskdesk, riskdeskAs, tempDir, copyLedger, sha256File, withLedger, count, journalOf, type CliResult, type DemoUser } from './support/cli.ts';

const T = { timeout: 120_000 };
const LIBRARY = ['flash-crash', 'insurance-fund-depletion', 'member-default', 'operational-outage', 'stablecoin-depeg'];
const T0 = Date.parse('2026-03-12T20:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

let demo: string | null = null;
/** One demo ledger (300 accounts) per test process; each test works on its own copy. */
async function demoCopy(dir: string): Promise<string> {
  if (demo === null) {
    const d = tempDir(undefined, 'riskdesk-playbooks-');
    process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
    demo = path.join(d, 'demo.db');
    ok(await riskdesk(['init', '--db', demo, '--demo', '--accounts', '300', '--seed', '7', '--now', at(0)]));
  }
  return copyLedger(demo, path.join(dir, 'live.db'));
}

const drillOf = (live: string, run: number) => path.join(`${path.resolve(live)}.drills`, `run-${run}.db`);

/** The whole report (item 5), exported as JSON. */
async function fullReport(dir: string, db: string, run: number) {
  const file = path.join(dir, `report-${run}-${Date.now()}.json`);
  ok(await riskdesk(['playbook', 'report', '--db', db, '--run', String(run), '--export', file]));
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

const step = (db: string, run: number, user: DemoUser, minute: number, ...extra: string[]) =>
  riskdeskAs(user, ['playbook', 'step', '--db', db, '--run', String(run), '--now', at(minute), '--json', ...extra]);

test('a member-default drill runs to the end with two supervisors; the live file is byte-identical, the drill journal verifies, the report has every step', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const before = sha256File(live);

  const list = ok(await riskdesk(['playbook', 'list', '--db', live, '--json'])).json();
  assert.deepEqual(list.map((p: { id: string }) => p.id), LIBRARY);
  assert.deepEqual(list[2], { id: 'member-default', name: 'Member default', version: 0, steps: 16 });

  const started = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'member-default', '--mode', 'drill', '--param', 'member=KCM', '--now', at(1), '--json'])).json();
  assert.equal(started.mode, 'drill');
  assert.equal(started.sandbox, path.join(path.resolve(live) + '.drills', `run-${started.run}.db`));
  assert.ok(fs.existsSync(started.sandbox));
  const run = started.run as number;

  // Who performs each step, and the minute they do it (step 7, the hedge, takes 40 minutes against a 30-minute target).
  const plan: [DemoUser, number, string[]][] = [
    ['supervisor', 5, ['--note', 'CRO, treasury, legal and operations on the bridge']],
    ['supervisor', 6, []],
    ['supervisor', 8, []],
    ['supervisor', 10, []],
    ['supervisor', 12, []], // declare
    ['supervisor2', 15, ['--note', 'second pair of eyes on the declaration']], // confirm
    ['supervisor', 55, ['--note', 'BTC and ETH delta hedged in the futures']],
    ['supervisor', 60, ['--note', 'no client account healthy enough to port']],
    ['supervisor', 61, ['--outcome', 'close-out', '--note', 'small book: close out at the marks']],
    ['supervisor', 62, []], // close-out
    ['supervisor', 64, []], // waterfall
  ];
  let minute = 0;
  let last: { status: string; current: { index: number; title: string; kind: string } | null } = { status: 'running', current: null };
  for (const [user, m, extra] of plan) {
    last = ok(await step(live, run, user, m, ...extra)).json();
    minute = m;
  }
  // The waterfall's outcome decides whether the assessments step comes next (a branch on the recorded outcome).
  if (last.current!.index === 13) {
    last = ok(await step(live, run, 'supervisor', (minute += 2))).json(); // assess: held for a second supervisor
    assert.deepEqual(last.current, { index: 13, title: 'Trigger the assessments', kind: 'automated' });
    last = ok(await step(live, run, 'supervisor2', (minute += 2))).json();
  }
  assert.equal(last.current!.index, 14);
  last = ok(await step(live, run, 'supervisor', (minute += 10), '--note', 'notice to members sent')).json();
  assert.equal(last.status, 'running');
  assert.equal(last.current!.index, 14, 'a four-eyes sign-off waits for the second person');
  // It waits in the second person's inbox, with the step that signs it; the first signer sees it as theirs, undecidable.
  const inbox2 = ok(await riskdeskAs('supervisor2', ['inbox', '--db', started.sandbox, '--json'])).json();
  const item = inbox2.find((i: { kind: string }) => i.kind === 'playbook');
  assert.deepEqual([item.id, item.requestedBy, item.confirm], [run, 'supervisor', { channel: 'playbooks.step', payload: { run }, needsReason: false }]);
  const inbox1 = ok(await riskdeskAs('supervisor', ['inbox', '--db', started.sandbox, '--json'])).json();
  const own = inbox1.find((i: { kind: string }) => i.kind === 'playbook');
  assert.deepEqual([own.mine, own.confirm], [true, null]);
  assert.match(own.why, /second, different person/);
  // The first signer cannot be the second: refused, and the run goes on waiting.
  const same = await step(live, run, 'supervisor', (minute += 1));
  assert.equal(same.code, 1, same.describe());
  assert.match(same.stderr, /second, different person/);
  last = ok(await step(live, run, 'supervisor2', (minute += 5), '--note', 'regulator notified')).json();
  last = ok(await step(live, run, 'supervisor', (minute += 2))).json();
  last = ok(await step(live, run, 'supervisor2', (minute += 20), '--note', 'replenishment and lessons logged'))
    .json();
  assert.deepEqual(last, { run, status: 'done', current: null });

  // The live ledger: not a byte changed, no run in it.
  assert.equal(sha256File(live), before);
  withLedger(live, (db) => assert.equal(count(db, 'playbook_runs'), 0));

  // The drill's own journal verifies, and has the declaration and its confirmation by two different supervisors.
  ok(await riskdesk(['verify', '--db', started.sandbox]));
  // Deeply too: the journal replayed into a fresh ledger gives this file, each step's command run once.
  ok(await riskdesk(['verify', '--deep', '--db', started.sandbox]));
  const entries = journalOf(started.sandbox);
  const declare = entries.find((e) => e.command === 'default.declare')!;
  const confirm = entries.find((e) => e.command === 'default.confirm')!;
  assert.equal(declare.actor, 'supervisor');
  assert.equal(confirm.actor, 'supervisor2');
  assert.ok(entries.filter((e) => e.command === 'playbooks.step').length >= 15);

  const brief = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--json'])).json();
  assert.deepEqual(Object.keys(brief), ['run', 'playbook', 'mode', 'status', 'steps', 'score']);
  for (const s of brief.steps) assert.deepEqual(Object.keys(s), ['index', 'title', 'kind', 'actor', 'startedAt', 'endedAt', 'seconds', 'targetSeconds', 'outcome']);
  const report = await fullReport(dir, live, run);
  assert.deepEqual(brief.steps.map((s: { outcome: string }) => s.outcome), report.steps.map((s: { outcome: string }) => s.outcome));
  assert.equal(report.run, run);
  assert.equal(report.playbook, 'member-default');
  assert.equal(report.mode, 'drill');
  assert.equal(report.status, 'done');
  const indexes = report.steps.map((s: { index: number }) => s.index);
  const assessed = indexes.includes(13);
  assert.deepEqual(indexes, [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, ...(assessed ? [13] : []), 14, 15, 16], 'close-out chosen: the auction is skipped');
  assert.equal(report.steps[10].outcome, assessed ? 'loss reaches assessments' : 'loss covered by prefunded resources');
  for (const s of report.steps) {
    for (const k of ['index', 'title', 'kind', 'actor', 'startedAt', 'endedAt', 'seconds', 'targetSeconds', 'outcome']) assert.ok(s[k] !== null && s[k] !== undefined, `step ${s.index} has ${k}`);
    assert.equal(s.seconds, (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000);
  }
  assert.equal(report.steps[0].startedAt, at(1));
  assert.equal(report.steps[0].seconds, 4 * 60);
  assert.equal(report.steps[5].actor, 'supervisor2');
  const hedge = report.steps[6];
  assert.deepEqual([hedge.seconds, hedge.targetSeconds, hedge.onTime], [40 * 60, 1800, false]);
  const notices = report.steps.find((s: { index: number }) => s.index === 14);
  assert.deepEqual([notices.actor, notices.secondActor], ['supervisor', 'supervisor2']);
  const onTime = report.steps.filter((s: { onTime: boolean }) => s.onTime).length;
  const { onTime: o, steps: n, ratio } = report.score;
  assert.deepEqual({ o, n, ratio }, { o: onTime, n: report.steps.length, ratio: String(Math.floor((onTime / report.steps.length) * 10_000) / 10_000) });
  assert.ok(onTime < report.steps.length);
  // Item 5: the case's losses and waterfall, the close-out chosen against the automatic path, Cover-1 and -2 at both ends.
  assert.equal(report.losses.member, 'KCM');
  assert.equal(report.losses.closeOut.method, 'liquidation');
  assert.equal(report.losses.closeOut.automaticLoss, report.losses.closeOut.loss, 'a close-out at the marks is the automatic path');
  assert.equal(report.score.lossAgainstAutomatic, '0');
  assert.ok(report.losses.waterfall.layers.length >= 6);
  assert.equal(report.score.loss, report.losses.closeOut.loss);
  for (const when of ['start', 'end']) {
    const c = report.cover[when];
    assert.match(c.cover1.amount, /^-?\d+(\.\d+)?$/, `Cover-1 at the ${when}`);
    assert.match(c.cover2.amount, /^-?\d+(\.\d+)?$/, `Cover-2 at the ${when}`);
  }
  assert.equal(report.score.cover2Held, report.cover.end.cover2.covered);
  const chosen = report.decisions.find((d: { step: number | null }) => d.step === 9);
  assert.deepEqual([chosen.actor, chosen.decision, chosen.automatic], ['supervisor', 'Choose auction or close-out: close-out', null]);
  const paused = report.decisions.find((d: { decision: string }) => d.decision.startsWith('automation.set'));
  // The alternative the switch's own journal entry recorded: the demo desk's global automation was already off.
  assert.equal(paused.automatic, 'global automation stays off: proposals wait for the desk');
  assert.deepEqual(report.actors.map((a: { name: string }) => a.name), ['supervisor', 'supervisor2']);
  assert.ok(report.timeline.some((e: { command: string; actor: string }) => e.command === 'default.confirm' && e.actor === 'supervisor2'));
  assert.equal(report.timeline[0].what, 'started member-default v1 (drill)');
  // The printable page names every step it took.
  const html = path.join(dir, 'report.html');
  ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--export', html]));
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /DRILL/);
  for (const s of report.steps) assert.ok(page.includes(s.title.replace(/&/g, '&amp;')), `the page has step ${s.index}`);
  const again2 = await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--export', html]);
  assert.equal(again2.code, 2, 'export never overwrites');
  // Printed to PDF by headless Chromium: pdftoppm renders its pages, and its text holds every step title.
  const pdf = path.join(dir, 'report.pdf');
  ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--export', pdf]));
  const png = spawnSync('pdftoppm', ['-png', '-r', '30', pdf, path.join(dir, 'page')], { encoding: 'utf8' });
  assert.equal(png.status, 0, png.stderr);
  assert.ok(fs.readdirSync(dir).some((f) => /^page-\d+\.png$/.test(f)));
  const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  for (const s of report.steps) assert.ok(text.includes(s.title), `the PDF has step ${s.index}`);

  // A second drill gets its own number and sandbox; the first is untouched.
  const again = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--now', at(200), '--json'])).json();
  assert.equal(again.run, run + 1);
  assert.notEqual(again.sandbox, started.sandbox);
  assert.equal(sha256File(live), before);
});

test('a step refused by a rule stops the run and the report shows why; the refused command changed nothing', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const { run, sandbox } = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'member-default', '--mode', 'drill', '--param', 'member=KCM', '--now', at(1), '--json'])).json();
  for (let m = 2; m <= 6; m++) ok(await step(live, run, 'supervisor', m));
  // Step 6 confirms the declaration: the supervisor who declared cannot confirm it (four eyes).
  const r = ok(await step(live, run, 'supervisor', 7));
  const refused = r.json();
  assert.equal(refused.status, 'aborted');
  assert.equal(refused.current, null);
  assert.match(r.stderr, /aborted: step 6 "Confirm the declaration \(second supervisor\)" refused: .*different supervisor/);

  const more = await step(live, run, 'supervisor2', 8);
  assert.equal(more.code, 1, more.describe());
  assert.match(more.stderr, /run \d+ is aborted/);

  const brief = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(run), '--json'])).json();
  assert.match(brief.steps.at(-1).outcome, /^refused: .*different supervisor/);
  const report = await fullReport(dir, live, run);
  assert.equal(report.status, 'aborted');
  const last = report.steps.at(-1);
  assert.equal(last.index, 6);
  assert.equal(last.status, 'refused');
  assert.equal(last.actor, 'supervisor');
  assert.match(last.why, /different supervisor/);
  // The refusal is journalled with the step; the declaration still waits for its confirmation.
  const entries = journalOf(sandbox);
  assert.equal(entries.filter((e) => e.command === 'default.confirm').length, 0);
  assert.match(JSON.stringify(entries.at(-1)), /refused/);
  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  const c = ok(await riskdesk(['default', 'list', '--db', sandbox, '--json'])).json();
  assert.equal(c[0].status, 'pending_second');
});

test('a branch follows the recorded outcome (live runs of flash-crash); a sign-off without a listed outcome is refused', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const start = async (m: number) =>
    ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'live', '--now', at(m), '--json'])).json();
  const a = await start(1);
  assert.deepEqual(a, { run: 1, mode: 'live', sandbox: null });
  ok(await step(live, 1, 'supervisor', 2)); // pause automation, in the live ledger this time
  ok(await step(live, 1, 'operator', 3)); // breakers checked
  const bad = await step(live, 1, 'supervisor', 4);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /"prices confirmed" or "prices wrong"/);
  const skip = ok(await step(live, 1, 'supervisor', 4, '--outcome', 'prices confirmed')).json();
  assert.equal(skip.current.index, 5, 'prices confirmed: the correction step is skipped');

  // A typed parameter is checked when the run starts.
  const badCase = await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'insurance-fund-depletion', '--mode', 'live', '--param', 'case=first', '--now', at(5)]);
  assert.equal(badCase.code, 2, badCase.describe());
  assert.match(badCase.stderr, /parameter "case" must be a positive whole number, not "first"/);
  const b = await start(5);
  assert.equal(b.run, 2);
  ok(await step(live, 2, 'supervisor', 6));
  ok(await step(live, 2, 'operator', 7));
  const fix = ok(await step(live, 2, 'supervisor', 8, '--outcome', 'prices wrong')).json();
  assert.equal(fix.current.index, 4, 'prices wrong: the marks are corrected first');

  const r1 = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', '1', '--json'])).json();
  assert.deepEqual(r1.steps.map((s: { index: number }) => s.index), [1, 2, 3, 5]);
  assert.equal(r1.steps[2].outcome, 'prices confirmed');
  const r2 = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', '2', '--json'])).json();
  assert.deepEqual(r2.steps.map((s: { index: number }) => s.index), [1, 2, 3, 4]);
  // Live: the automation switch the step set is in the live ledger, journalled as the supervisor who performed it.
  const entries = journalOf(live);
  assert.ok(entries.some((e) => e.command === 'automation.set' && e.actor === 'supervisor'));
  ok(await riskdesk(['verify', '--deep', '--db', live]));
});

test('an aborted run keeps its report; it takes no more steps', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const { run } = ok(await riskdeskAs('operator', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--now', at(1), '--json'])).json();
  // An operator may not pause automation: refused by the command's own rule, and the run stops there.
  const sr = ok(await step(live, run, 'operator', 2));
  assert.equal(sr.json().status, 'aborted');
  assert.match(sr.stderr, /supervisor/);

  const { run: run2 } = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--now', at(3), '--json'])).json();
  ok(await step(live, run2, 'supervisor', 4));
  // Paused for a minute: no step meanwhile, and the minute is left out of the step's time.
  ok(await riskdeskAs('operator', ['playbook', 'pause', '--db', live, '--run', String(run2), '--reason', 'the bridge call dropped', '--now', at(4)]));
  const whilePaused = await step(live, run2, 'supervisor', 4);
  assert.equal(whilePaused.code, 1, whilePaused.describe());
  assert.match(whilePaused.stderr, /paused by operator .*resume it first/);
  ok(await riskdeskAs('operator', ['playbook', 'resume', '--db', live, '--run', String(run2), '--now', at(5)]));
  const noReason = await riskdeskAs('supervisor', ['playbook', 'abort', '--db', live, '--run', String(run2), '--now', at(5)]);
  assert.equal(noReason.code, 2, noReason.describe());
  const aborted = ok(await riskdeskAs('supervisor', ['playbook', 'abort', '--db', live, '--run', String(run2), '--reason', 'drill called off: real incident', '--now', at(6), '--json'])).json();
  assert.deepEqual(aborted, { run: run2, status: 'aborted', current: null });
  const after = await step(live, run2, 'supervisor', 7);
  assert.equal(after.code, 1, after.describe());

  const report = await fullReport(dir, live, run2);
  assert.equal(report.status, 'aborted');
  assert.equal(report.why, 'aborted by supervisor: drill called off: real incident');
  assert.deepEqual(
    report.steps.map((x: { index: number; status: string; actor: string | null }) => [x.index, x.status, x.actor]),
    [
      [1, 'done', 'supervisor'],
      [2, 'aborted', null],
    ],
  );
  assert.equal(report.steps[1].seconds, 60, 'two minutes open, one of them paused');
  ok(await riskdesk(['verify', '--deep', '--db', drillOf(live, run2)]));
  assert.deepEqual([report.score.onTime, report.score.steps, report.score.ratio], [1, 2, '0.5']);
  assert.equal(report.score.loss, null, 'no default case in a flash crash');
  assert.equal(typeof report.score.cover2Held, 'boolean', 'Cover-2 at the end of an aborted run');
});

test('a bad playbook file is refused naming the step and field and stores nothing; a good one is the next version, exported as imported', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const good = JSON.parse(fs.readFileSync(path.join(ROOT, 'main/playbooks/library/member-default.json'), 'utf8'));
  const tryImport = (name: string, def: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(def));
    return riskdeskAs('supervisor', ['playbook', 'import', f, '--db', live, '--reason', 'desk review of the runbook', '--now', at(1)]);
  };
  const cases: [string, (d: any) => void, RegExp][] = [
    ['channel.json', (d) => (d.steps[4].channel = 'default.declar'), /step 5, field "channel": "default.declar" is not a command/],
    ['target.json', (d) => delete d.steps[1].targetSeconds, /step 2, field "targetSeconds"/],
    ['goto.json', (d) => (d.steps[9].branches[0].goto = 99), /step 10, field "branches\[0\]\.goto": there is no step 99/],
    ['outcome.json', (d) => (d.steps[9].branches[0].when.outcome = 'lost'), /step 10, field "branches\[0\]\.when\.outcome"/],
    ['param.json', (d) => (d.steps[5].params.case = '${cse}'), /step 6, field "params": "\$\{cse\}"/],
    ['role.json', (d) => (d.steps[0].role = 'boss'), /step 1, field "role"/],
    ['extra.json', (d) => (d.steps[2].colour = 'red'), /step 3, field "colour": unknown field "colour"/],
  ];
  for (const [name, spoil, expect] of cases) {
    const d = structuredClone(good);
    spoil(d);
    const r = await tryImport(name, d);
    assert.equal(r.code, 2, r.describe());
    assert.match(r.stderr, expect, name);
    assert.match(r.stderr, new RegExp(name.replace('.', '\\.')), `${name}: the file is named`);
  }
  const before = sha256File(live);
  withLedger(live, (db) => assert.equal(count(db, 'playbook_versions'), 0));

  const edited = structuredClone(good);
  edited.steps[0].targetSeconds = 600;
  // A new version is asked for, and stored only when a second, different supervisor confirms it.
  const asked = ok(await tryImport('edited.json', edited));
  assert.match(asked.stdout, /asked: member-default version 1 \(16 steps\) waits for a second supervisor: riskdesk approvals confirm --id (\d+)/);
  const approval = /--id (\d+)/.exec(asked.stdout)![1]!;
  withLedger(live, (db) => assert.equal(count(db, 'playbook_versions'), 0, 'nothing stored while it waits'));
  const again = await tryImport('edited.json', edited);
  assert.equal(again.code, 1, again.describe());
  assert.match(again.stderr, /confirm or decline that first/);
  const self = await riskdeskAs('supervisor', ['approvals', 'confirm', '--id', approval, '--db', live, '--now', at(2)]);
  assert.equal(self.code, 1, 'the one who asked cannot confirm');
  assert.match(self.stderr, /second, different supervisor/);
  ok(await riskdeskAs('supervisor2', ['approvals', 'confirm', '--id', approval, '--db', live, '--now', at(3)]));
  withLedger(live, (db) => assert.equal(db.prepare("SELECT added_by FROM playbook_versions WHERE playbook = 'member-default'").pluck().get(), 'supervisor'));
  assert.notEqual(sha256File(live), before);
  const asked2 = ok(await riskdeskAs('supervisor', ['playbook', 'import', path.join(dir, 'edited.json'), '--db', live, '--reason', 'again', '--now', at(4), '--json'])).json();
  assert.deepEqual([asked2.version, asked2.pending.requestedBy], [2, 'supervisor']);
  ok(await riskdeskAs('supervisor2', ['approvals', 'confirm', '--id', String(asked2.pending.approval), '--db', live, '--now', at(5)]));
  ok(await riskdesk(['verify', '--deep', '--db', live]));
  const list = ok(await riskdesk(['playbook', 'list', '--db', live, '--json'])).json();
  assert.deepEqual(list.find((p: { id: string }) => p.id === 'member-default'), { id: 'member-default', name: 'Member default', version: 2, steps: 16 });
  const out = path.join(dir, 'out.json');
  ok(await riskdesk(['playbook', 'export', '--db', live, '--playbook', 'member-default', '--to', out]));
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), { ...edited, version: 2 });
  // YAML both ways: exported, and a YAML file checked like a JSON one (a bad one names the step and field).
  const yml = path.join(dir, 'out.yaml');
  ok(await riskdesk(['playbook', 'export', '--db', live, '--playbook', 'member-default', '--to', yml]));
  assert.match(fs.readFileSync(yml, 'utf8'), /^id: member-default$/m);
  const badYaml = path.join(dir, 'bad.yaml');
  fs.writeFileSync(badYaml, fs.readFileSync(yml, 'utf8').replace('targetSeconds: 600', 'targetSeconds: soon'));
  const refused = await riskdeskAs('supervisor', ['playbook', 'import', badYaml, '--db', live, '--reason', 'yaml', '--now', at(6)]);
  assert.equal(refused.code, 2, refused.describe());
  assert.match(refused.stderr, /bad\.yaml.*step 1, field "targetSeconds"|step 1, field "targetSeconds".*bad\.yaml/s);
  const y = ok(await riskdeskAs('supervisor', ['playbook', 'import', yml, '--db', live, '--reason', 'from YAML', '--now', at(7), '--json'])).json();
  assert.deepEqual([y.id, y.version, y.steps], ['member-default', 3, 16]);
  const shown = ok(await riskdesk(['playbook', 'show', '--db', live, '--playbook', 'member-default', '--version', '1', '--json'])).json();
  assert.equal(shown.version, 1);
  assert.equal(shown.steps[0].targetSeconds, 600);
});

test('the published playbook JSON Schema is the one the zod schema writes (npm run schemas), and the library checks against it', async () => {
  const { renderSchema } = await import('../scripts/schemas.ts');
  const { playbookDefinition } = await import('../shared/contractPlaybook.ts');
  const { checkPlaybook } = await import('../main/commands/playbooks/definition.ts');
  const { libraryFiles } = await import('../main/playbooks/library.ts');
  assert.equal(fs.readFileSync(path.join(ROOT, 'docs/schemas/playbook.schema.json'), 'utf8'), renderSchema('playbook.schema.json', playbookDefinition));
  const ids = libraryFiles().map((f) => checkPlaybook(f.json, f.file).id);
  assert.deepEqual(ids, LIBRARY);
});

test('the command layer starts a drill only in a sandbox copy: a drill asked of the ledger itself (as a console door would) is refused and changes nothing', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const { openLedger } = await import('../main/ledger/db.ts');
  const { dispatch } = await import('../main/commands/dispatch.ts');
  const db = openLedger(live);
  try {
    const ctx = { db, actor: { name: 'supervisor', role: 'supervisor' as const }, now: () => new Date(at(1)) };
    assert.throws(() => dispatch(ctx, 'playbooks.start', { playbook: 'flash-crash', mode: 'drill' }), (e: Error & { code?: string }) => e.code === 'drill_needs_sandbox');
    assert.throws(() => dispatch({ ...ctx, sandbox: true }, 'playbooks.start', { playbook: 'flash-crash', mode: 'live' }), (e: Error & { code?: string }) => e.code === 'live_in_sandbox');
  } finally {
    db.close();
  }
  withLedger(live, (d) => {
    assert.equal(count(d, 'playbook_runs'), 0);
    assert.equal(count(d, 'playbook_versions'), 0);
  });
});

test('the rest of the library runs: a stablecoin depeg raises the haircut under four eyes and the calls follow; an operational outage runs end of day by hand; insurance-fund depletion needs a case with a residual', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const before = sha256File(live);
  async function drill(playbook: string, minute: number, plan: [DemoUser, string[]][], ...startExtra: string[]) {
    const { run, sandbox } = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', playbook, '--mode', 'drill', '--now', at(minute), '--json', ...startExtra])).json();
    let last = { status: 'running' };
    for (const [i, [user, extra]] of plan.entries()) last = ok(await step(live, run, user, minute + 1 + i, ...extra)).json();
    return { run, sandbox: sandbox as string, last };
  }

  const depeg = await drill('stablecoin-depeg', 10, [
    ['supervisor', ['--outcome', 'depeg confirmed', '--note', 'USDT 0.94 on three venues']],
    ['supervisor', []], // stress
    ['supervisor', ['--note', '10% haircut']],
    ['supervisor2', ['--note', 'agreed']],
    ['supervisor', []], // the haircut
    ['supervisor', []], // the cycle
    ['operator', ['--note', 'members called']],
    ['supervisor', []],
  ]);
  assert.equal(depeg.last.status, 'done');
  const entries = journalOf(depeg.sandbox);
  const haircut = entries.find((e) => e.command === 'import.csv')!;
  assert.equal(haircut.actor, 'supervisor');
  assert.match(JSON.stringify(haircut.payload), /USDT,0,0\.1/);
  const depegReport = await fullReport(dir, live, depeg.run);
  assert.ok(['calls issued', 'done'].includes(depegReport.steps[4].outcome));
  assert.deepEqual(depegReport.steps[2].secondActor, 'supervisor2');
  ok(await riskdesk(['verify', '--deep', '--db', depeg.sandbox]));

  const outage = await drill('operational-outage', 40, [
    ['supervisor', []],
    ['supervisor', []], // automation off
    ['operator', ['--note', 'prices.csv from the exchange, positions from the members']],
    ['operator', []], // the cycle
    ['operator', ['--note', 'every called member reached by phone']],
    ['supervisor', []],
    ['supervisor2', []],
    ['supervisor', []], // automation back on
  ]);
  assert.equal(outage.last.status, 'done');
  ok(await riskdesk(['verify', '--deep', '--db', outage.sandbox]));

  // No default case 1 in the demo ledger: the comparison is refused, and the run stops saying so.
  const ifd = await drill('insurance-fund-depletion', 70, [['supervisor', []], ['supervisor', []]], '--param', 'case=1');
  assert.equal(ifd.last.status, 'aborted');
  const ifdBrief = ok(await riskdesk(['playbook', 'report', '--db', live, '--run', String(ifd.run), '--json'])).json();
  assert.match(ifdBrief.steps[1].outcome, /^refused: .*case 1/);
  assert.equal(sha256File(live), before);
});

test('a drill replays its market scenario on an accelerated clock: the March 2020 crash reaches the sandbox as the steps go, by the drill clock, and the drill journal verifies deeply', T, async (t) => {
  const dir = tempDir(t);
  const live = await demoCopy(dir);
  const before = sha256File(live);
  const onLive = await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'live', '--scenario', 'march-2020', '--now', at(1)]);
  assert.equal(onLive.code, 2, onLive.describe());
  assert.match(onLive.stderr, /only in a drill/);
  const bad = await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--scenario', 'march-2021', '--now', at(1)]);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /--scenario must be one of march-2020, may-2021, luna, ftx/);
  const nobody = await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--inject', 'default:NOPE@3', '--now', at(61)]);
  assert.equal(nobody.code, 2, nobody.describe());
  assert.match(nobody.stderr, /injected event 1: no member "NOPE"/);
  assert.equal(fs.readdirSync(`${path.resolve(live)}.drills`).length, 0, 'no sandbox is left behind');

  // 1440x: a market day per drill minute. Nothing has moved at the start.
  const { run, sandbox } = ok(await riskdeskAs('supervisor', ['playbook', 'start', '--db', live, '--playbook', 'flash-crash', '--mode', 'drill', '--scenario', 'march-2020', '--speed', '1440', '--inject', 'stale@2..4,default:KCM@3', '--now', at(61), '--json'])).json();
  const ticks = () => journalOf(sandbox).filter((e) => e.command === 'prices.tick');
  assert.equal(ticks().length, 0);

  // The demo ledger's marks are at 21:00: the drill's market clock starts at 21:01, when the drill does.
  ok(await step(live, run, 'supervisor', 62)); // one market day: the 9th to the 10th of March
  const first = ticks();
  assert.ok(first.length > 0);
  assert.ok(first.every((e) => e.actor === 'system:drill-clock'));
  // Minute 3 of the drill: the injected stale feed (minutes 2 to 4) has held the market at minute 2.
  ok(await step(live, run, 'operator', 64, '--note', 'breakers checked'));
  const epoch = Date.parse(at(61));
  const latest = () => ticks().flatMap((e) => (e.payload as { marks: { time: string }[] }).marks.map((m) => Date.parse(m.time))).reduce((a, b) => Math.max(a, b), 0);
  assert.ok(latest() <= epoch + 2 * 60_000, 'no mark from the stale minutes');
  ok(await step(live, run, 'supervisor', 66, '--outcome', 'prices confirmed')); // the feed is back: it catches up
  assert.ok(latest() > epoch + 4 * 60_000);
  ok(await step(live, run, 'supervisor', 67)); // the margin cycle at the marks the crash left
  // The same cycle on a copy of the live ledger, without the crash: the crash moved the book's equity and margin.
  const calm = copyLedger(live, path.join(dir, 'calm.db'));
  const calmCycle = ok(await riskdeskAs('operator', ['cycle', '--db', calm, '--now', at(67), '--json'])).json();
  const crashCycle = journalOf(sandbox).filter((e) => e.command === 'cycle.run').at(-1)!.result as { totals: { equity: string; im: string }; prices: { newest: string } };
  assert.notEqual(crashCycle.totals.equity, calmCycle.totals.equity);
  assert.notEqual(crashCycle.totals.im, calmCycle.totals.im);
  assert.ok(crashCycle.prices.newest > at(61), 'the cycle valued the book at the scenario\'s marks');
  const report = await fullReport(dir, live, run);
  assert.deepEqual([report.scenario.id, report.scenario.acceleration], ['march-2020', 1440]);
  assert.deepEqual(report.events.map((e: { kind: string; at: string }) => [e.kind, e.at]), [['stale', at(63)], ['default', at(64)]]);
  assert.ok(report.timeline.some((e: { what: string }) => /^injected: member KCM fails to meet its obligations: a default to manage \(default case \d+ declared for KCM/.test(e.what)));
  assert.ok(report.scenario.delivered > 0 && report.scenario.delivered < report.scenario.points, `${report.scenario.delivered} of ${report.scenario.points}`);
  // The marks were stamped on the drill's clock, never after the step that delivered them.
  for (const e of ticks()) for (const m of (e.payload as { marks: { time: string }[] }).marks) assert.ok(m.time <= e.at, `${m.time} <= ${e.at}`);
  ok(await riskdesk(['verify', '--deep', '--db', sandbox]));
  assert.equal(sha256File(live), before);
});
