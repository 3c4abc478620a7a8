// Issue 14 item 4: the policy is versioned and changed only through four eyes. On real ledger files through the
// command layer: each test is a way around the control, which the control stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { operator, supervisor, supervisor2, viewer, minuteClock } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { journalHead, listJournal } from '../main/ledger/journal.ts';
import { readPolicy, fillBandOf } from '../main/ledger/bookRepo.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { backupLedger } from '../main/ledger/backup.ts';
import type { CycleSummary, InboxItem } from '../shared/contract.ts';
import type { PoliciesView, PolicyChangeView, PolicyEntryView } from '../shared/contractPolicy.ts';
import type { ApprovalView } from '../shared/contractRecovery.ts';
import { POLICY_KEYS, checkPolicyValue } from '../main/commands/policies/registry.ts';
import { policyInForce, policyInteger } from '../main/commands/policies/policies.ts';
import { DEFAULT_POLICY } from '../main/engine/model.ts';
import { RECOVERY_POLICY_KEYS } from '../main/ledger/recoveryPolicyRepo.ts';
import { SIGN_IN_POLICY } from '../main/commands/auth.ts';

const demoLedger = demoLedgers('riskdesk-policies-', 200);
const { run } = minuteClock();
const refusedWith = (code: string, f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof RuleError && e.code === code, code);
const list = (db: Ledger) => run<PoliciesView>(db, viewer, 'policies.list', {});
const entry = (db: Ledger, key: string) => list(db).entries.find((e) => e.key === key)!;
const stored = (db: Ledger, key: string) => db.prepare('SELECT value FROM policy WHERE key = ?').pluck().get(key) as string | undefined;
const count = (db: Ledger, table: string) => Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());

test('a change waits for a second supervisor: nothing changes when asked; the asker cannot confirm it, nor an operator; a second supervisor makes it version 1', () => {
  const db = demoLedger();
  assert.equal(list(db).version, 0);
  assert.equal(entry(db, 'fourEyesNotional').value, '1000000');
  const asked = run<PolicyEntryView>(db, supervisor, 'policies.change', { key: 'fourEyesNotional', value: '2500000', reason: 'committee minute 14' });
  assert.equal(asked.value, '1000000', 'not changed by asking');
  assert.deepEqual([asked.pending?.value, asked.pending?.requestedBy], ['2500000', 'supervisor']);
  assert.equal(readPolicy(db).fourEyesNotional, 1_000_000_000_000n);
  assert.equal(list(db).version, 0);
  assert.equal(listJournal(db, { limit: 1, newestFirst: true })[0]!.command, 'policies.change');

  // The pending change is in the inbox: the second supervisor may confirm it, its asker sees it waiting.
  const inboxOf = (who: typeof supervisor) => run<InboxItem[]>(db, who, 'inbox.list', {}).find((i) => i.subject === 'policy:fourEyesNotional')!;
  assert.match(inboxOf(supervisor2).summary, /change policy fourEyesNotional from 1000000 to 2500000 \(USD\): committee minute 14/);
  assert.deepEqual(inboxOf(supervisor2).confirm, { channel: 'approvals.confirm', payload: { id: asked.pending!.approval }, needsReason: false });
  assert.equal(inboxOf(supervisor).confirm, null);
  assert.equal(inboxOf(operator).confirm, null);

  // The ways around: the asker confirms, an operator confirms, an operator asks, the same change asked again.
  const head = journalHead(db);
  refusedWith('four_eyes', () => run(db, supervisor, 'approvals.confirm', { id: asked.pending!.approval }));
  refusedWith('forbidden', () => run(db, operator, 'approvals.confirm', { id: asked.pending!.approval }));
  refusedWith('forbidden', () => run(db, operator, 'policies.change', { key: 'fourEyesNotional', value: '1', reason: 'mine' }));
  refusedWith('approval_pending', () => run(db, supervisor2, 'policies.change', { key: 'fourEyesNotional', value: '3000000', reason: 'another' }));
  assert.deepEqual(journalHead(db), head);
  assert.equal(stored(db, 'fourEyesNotional'), '1000000');

  const done = run<ApprovalView>(db, supervisor2, 'approvals.confirm', { id: asked.pending!.approval });
  assert.deepEqual([done.status, done.decidedBy], ['confirmed', 'supervisor2']);
  assert.equal(readPolicy(db).fourEyesNotional, 2_500_000_000_000n);
  const after = list(db);
  assert.equal(after.version, 1);
  const e = after.entries.find((x) => x.key === 'fourEyesNotional')!;
  assert.deepEqual([e.value, e.isDefault, e.pending], ['2500000', false, null]);
  assert.deepEqual(
    { ...e.lastChange, requestedAt: undefined, at: undefined },
    { version: 1, key: 'fourEyesNotional', oldValue: '1000000', newValue: '2500000', reason: 'committee minute 14', requestedBy: 'supervisor', confirmedBy: 'supervisor2', approval: asked.pending!.approval, requestedAt: undefined, at: undefined },
  );
  const confirmEntry = listJournal(db, { limit: 1, newestFirst: true })[0]!;
  assert.deepEqual([confirmEntry.command, confirmEntry.actor], ['approvals.confirm', 'supervisor2']);
  assert.match(confirmEntry.result, /"version":1/);
  db.close();
});

test('a declined change changes nothing and takes no version; the history lists confirmed changes of one key, oldest first', () => {
  const db = demoLedger();
  const asked = run<PolicyEntryView>(db, supervisor, 'policies.change', { key: 'cureMinutes', value: '30', reason: 'shorter cure' });
  run(db, supervisor2, 'approvals.decline', { id: asked.pending!.approval, reason: 'not agreed' });
  assert.deepEqual([list(db).version, stored(db, 'cureMinutes')], [0, '60']);
  setPolicy(run, db, 'cureMinutes', '45');
  setPolicy(run, db, 'targetHealth', '1.2');
  setPolicy(run, db, 'cureMinutes', '90');
  const h = run<PolicyChangeView[]>(db, viewer, 'policies.history', { key: 'cureMinutes' });
  assert.deepEqual(
    h.map((c) => [c.version, c.oldValue, c.newValue]),
    [
      [1, '60', '45'],
      [3, '45', '90'],
    ],
  );
  assert.deepEqual(run<PolicyChangeView[]>(db, viewer, 'policies.history', { key: 'fillBand' }), []);
  assert.throws(() => run(db, viewer, 'policies.history', { key: 'noSuchKey' }), /no policy "noSuchKey"/);
  assert.equal(list(db).version, 3);
  db.close();
});

test('a bad value is refused when asked, naming the key and why, and nothing is held, journalled or changed', () => {
  const db = demoLedger();
  const head = journalHead(db);
  const rows = db.prepare('SELECT key, value FROM policy ORDER BY key').all();
  const bad = (key: string, value: string, message: RegExp, kind: typeof InputError | typeof RuleError = InputError) =>
    assert.throws(
      () => run(db, supervisor, 'policies.change', { key, value, reason: 'try it' }),
      (e: unknown) => e instanceof kind && message.test((e as Error).message),
      `${key}=${value}`,
    );
  bad('fourEyesNotional', 'lots', /policy fourEyesNotional: "lots" is not an amount in USD/);
  bad('fourEyesNotional', '-5', /policy fourEyesNotional: "-5" is not an amount/);
  bad('fourEyesNotional', '1.0000001', /policy fourEyesNotional: "1.0000001" is not an amount/);
  bad('liquidationFeeRate', '0.5', /policy liquidationFeeRate: 0.5 is out of range: it must be from 0 to 0.1/);
  bad('targetHealth', '0.9', /policy targetHealth: 0.9 is out of range: it must be from 1 to 10/);
  bad('cureMinutes', '10081', /policy cureMinutes: 10081 is out of range: it must be from 0 to 10080 \(minutes\)/);
  bad('bandWindowMinutes', '0', /policy bandWindowMinutes: 0 is out of range: it must be from 1 to 1440 \(minutes\)/);
  bad('cureMinutes', '1.5', /policy cureMinutes: "1.5" is not a whole number of minutes/);
  bad('callTrigger', 'always', /policy callTrigger: "always" is not one of "maintenance", "initial"/);
  bad('noSuchKey', '1', /no policy "noSuchKey"/);
  bad('fillBand:NOPE-PERP', '0.1', /policy fillBand:NOPE-PERP: no instrument NOPE-PERP/);
  bad('ledgerMode', 'live', /policy ledgerMode is the ledger's own/, RuleError);
  bad('cureMinutes', '60', /policy cureMinutes is already 60/, RuleError);
  // The schema's own refusals name the field.
  assert.throws(() => run(db, supervisor, 'policies.change', { key: 'cureMinutes', value: '30', reason: '' }), /field reason/);
  assert.throws(() => run(db, supervisor, 'policies.change', { key: 'cure minutes', value: '30', reason: 'why not' }), /field key/);
  assert.deepEqual(journalHead(db), head);
  assert.deepEqual(db.prepare('SELECT key, value FROM policy ORDER BY key').all(), rows);
  assert.equal(count(db, 'approvals'), 0);
  assert.equal(count(db, 'policy_history'), 0);
  db.close();
});

test('a value is stored in one spelling, and an instrument\'s own fill band is a key of its own that the fill check reads', () => {
  const db = demoLedger();
  setPolicy(run, db, 'insuranceFeeRate', '0.0010');
  assert.equal(stored(db, 'insuranceFeeRate'), '0.001');
  assert.equal(readPolicy(db).insuranceFeeRate, 1_000n);
  const inst = db.prepare('SELECT id FROM instruments ORDER BY id LIMIT 1').pluck().get() as string;
  const key = `fillBand:${inst}`;
  assert.equal(list(db).entries.some((e) => e.key === key), false);
  setPolicy(run, db, key, '0.2');
  assert.equal(fillBandOf(db, inst, readPolicy(db)), 200_000n);
  const e = entry(db, key);
  assert.deepEqual([e.value, e.isDefault, e.unit, e.lastChange?.version], ['0.2', false, 'fraction of the mark', 2]);
  // Without a value of its own, an instrument takes the policy's fillBand in force, which its entry names as its default.
  setPolicy(run, db, 'fillBand', '0.08');
  assert.equal(entry(db, key).default, '0.08');
  assert.ok(list(db).perInstrument[0]!.instruments.includes(inst));
  // A read-only key is listed, not changeable.
  const mode = entry(db, 'ledgerMode');
  assert.deepEqual([mode.value, mode.changeable], ['demo', false]);
  db.close();
});

test('every cycle, call and liquidation plan records the policy version it used, and the cycle summary shows it', () => {
  const db = demoLedger();
  const first = run<CycleSummary>(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  assert.equal(first.policyVersion, 0);
  const version = (table: string, where = '') => db.prepare(`SELECT DISTINCT policy_version FROM ${table} ${where}`).pluck().all().map(Number);
  assert.deepEqual(version('margin_cycles'), [0]);
  assert.ok(count(db, 'margin_calls') > 0 && count(db, 'liquidations') > 0, 'the demo book has calls and plans');
  assert.deepEqual(version('margin_calls'), [0]);
  assert.deepEqual(version('liquidations'), [0]);

  setPolicy(run, db, 'targetHealth', '1.5');
  const second = run<CycleSummary>(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  assert.equal(second.policyVersion, 1);
  assert.equal(db.prepare('SELECT policy_version FROM margin_cycles WHERE id = ?').pluck().get(second.cycle), 1n);
  assert.equal(JSON.parse(db.prepare('SELECT summary FROM margin_cycles WHERE id = ?').pluck().get(second.cycle) as string).policyVersion, 1);
  // Live plans were planned again under version 1; calls issued by the first cycle keep the version they were issued under.
  assert.deepEqual(version('liquidations', "WHERE status IN ('proposed', 'held')"), [1]);
  assert.deepEqual(version('margin_calls', 'WHERE cycle_id = 1'), [0]);
  db.close();
});

test('verify --deep replays policy changes (asked, declined, confirmed) and catches a history or a value edited in the file', async (t) => {
  const db = demoLedger();
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  setPolicy(run, db, 'fourEyesNotional', '250000');
  const asked = run<PolicyEntryView>(db, supervisor, 'policies.change', { key: 'cureMinutes', value: '30', reason: 'shorter' });
  run(db, supervisor, 'approvals.decline', { id: asked.pending!.approval, reason: 'withdrawn' });
  setPolicy(run, db, 'ccpFirstTranche', '5000000');
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const ok = deepVerify(db);
  assert.equal(ok.outcome, 'verified', ok.message);
  assert.equal(ok.ok, true);

  const dir = path.dirname(db.name);
  const tampered = async (name: string, sql: string) => {
    const file = path.join(dir, `${path.basename(db.name, '.db')}-${name}.db`);
    await backupLedger(db, file);
    const raw = new Database(file);
    raw.exec(sql);
    raw.close();
    const { openLedger } = await import('../main/ledger/db.ts');
    const copy = openLedger(file);
    t.after(() => copy.close());
    return deepVerify(copy);
  };
  // The guard dropped for the edit and put back as it was, so that only the row differs.
  const guard = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'policy_history_no_update'").pluck().get() as string;
  const history = await tampered('history', `DROP TRIGGER policy_history_no_update; UPDATE policy_history SET confirmed_by = 'supervisor3' WHERE version = 1; ${guard};`);
  assert.equal(history.outcome, 'differs');
  assert.equal(history.difference?.table, 'policy_history');
  assert.deepEqual([history.difference?.column, history.difference?.file, history.difference?.replay], ['confirmed_by', 'supervisor3', 'supervisor2']);
  const value = await tampered('value', "UPDATE policy SET value = '99999999' WHERE key = 'fourEyesNotional'");
  assert.deepEqual([value.outcome, value.difference?.table, value.difference?.file, value.difference?.replay], ['differs', 'policy', '99999999', '250000']);
  const stamp = await tampered('stamp', 'UPDATE margin_cycles SET policy_version = 0 WHERE id = 2');
  assert.deepEqual([stamp.difference?.table, stamp.difference?.column], ['margin_cycles', 'policy_version']);
  db.close();
});

test('the policy history is append-only and numbered without gaps, and one person cannot be both asker and confirmer', () => {
  const db = demoLedger();
  setPolicy(run, db, 'cureMinutes', '45');
  assert.throws(() => db.prepare("UPDATE policy_history SET new_value = '1'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM policy_history').run(), /append-only/);
  const row = db.prepare('SELECT * FROM policy_history WHERE version = 1').get() as Record<string, unknown>;
  const insert = (o: Record<string, unknown>) => {
    const r = { ...row, ...o };
    db.prepare(`INSERT INTO policy_history (${Object.keys(r).join(', ')}) VALUES (${Object.keys(r).map(() => '?').join(', ')})`).run(...Object.values(r));
  };
  assert.throws(() => insert({ version: 3 }), /versions are consecutive/);
  assert.throws(() => insert({ version: 2, confirmed_by: row.requested_by }), /CHECK constraint failed/);
  db.close();
});

test('the registry names every key the product reads, each default passes its own check, and a row nobody reads is shown read-only', () => {
  const registered = new Set(POLICY_KEYS.map((d) => d.key));
  for (const k of [...Object.keys(DEFAULT_POLICY), ...RECOVERY_POLICY_KEYS, ...Object.keys(SIGN_IN_POLICY), 'ledgerMode']) {
    assert.ok(registered.has(k), `policy key ${k} is read by the product but missing from the registry`);
  }
  for (const d of POLICY_KEYS) assert.equal(checkPolicyValue(d, d.default), d.default, `${d.key}'s default as stored`);
  const db = demoLedger();
  db.prepare("INSERT INTO policy (key, value) VALUES ('legacyKnob', 'on')").run();
  const e = entry(db, 'legacyKnob');
  assert.deepEqual([e.value, e.kind, e.changeable], ['on', 'unknown', false]);
  assert.throws(() => run(db, supervisor, 'policies.change', { key: 'legacyKnob', value: 'off', reason: 'try it' }), /no policy "legacyKnob"/);
  db.close();
});

test('a registered key\'s value in force: its default until a change, then the change', () => {
  const db = demoLedger();
  assert.equal(policyInteger(db, 'fourEyesWindowMinutes'), 1_440);
  assert.equal(policyInForce(db, 'fillBand'), '0.05');
  setPolicy(run, db, 'fourEyesWindowMinutes', '90');
  assert.equal(policyInteger(db, 'fourEyesWindowMinutes'), 90);
  assert.throws(() => policyInteger(db, 'fillBand'), /policy fillBand is a rate, not an integer/);
  db.close();
});

test('the live console\'s keys are policies like the rest: set under four eyes, read by the scheduler and feed, "off" turns the end-of-day cycle off', async () => {
  const { readLivePolicy } = await import('../main/ledger/bookRepo.ts');
  const db = demoLedger();
  assert.deepEqual(readLivePolicy(db), { cycleEverySeconds: 0, eodCycleAt: null, feedStaleSeconds: 30 });
  setPolicy(run, db, 'cycleEverySeconds', '60');
  setPolicy(run, db, 'eodCycleAt', '17:30');
  setPolicy(run, db, 'feedStaleSeconds', '5');
  assert.deepEqual(readLivePolicy(db), { cycleEverySeconds: 60, eodCycleAt: '17:30', feedStaleSeconds: 5 });
  assert.throws(() => run(db, supervisor, 'policies.change', { key: 'eodCycleAt', value: '25:00', reason: 'later' }), /policy eodCycleAt: "25:00" is not a UTC time of day/);
  assert.throws(() => run(db, supervisor, 'policies.change', { key: 'feedStaleSeconds', value: '0', reason: 'never stale' }), /policy feedStaleSeconds: 0 is out of range/);
  setPolicy(run, db, 'eodCycleAt', 'off');
  assert.equal(stored(db, 'eodCycleAt'), 'off');
  assert.equal(readLivePolicy(db).eodCycleAt, null);
  assert.equal(entry(db, 'eodCycleAt').lastChange?.version, list(db).version);
  db.close();
});
