// The desk's bulk and guard tools on a real ledger file, through the dispatcher with an injected clock: bulk
// escalation (one transaction, one event per call, all or none), the audit search, sanity confirmations, case status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { journalHead, verifyJournal } from '../main/ledger/journal.ts';
import type { JournalEntry, MarginCall } from '../shared/contract.ts';
import { entryRefs, entrySummary } from '../main/commands/audit.ts';
import { csvCell } from '../shared/csv.ts';

const demoLedger = demoLedgers('riskdesk-desktools-', 300);
const operator: Actor = { name: 'operator', role: 'operator' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const run = <T>(db: Ledger, actor: Actor, at: string, channel: string, payload: unknown) =>
  dispatch({ db, actor, now: () => new Date(at) }, channel, payload) as T;

const LATE = '2026-03-12T23:00:00.000Z';

/** A ledger after a cycle at the demo close and one past every deadline: its calls are all overdue. */
function overdueLedger(): { db: Ledger; calls: MarginCall[] } {
  const db = demoLedger();
  run(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  run(db, operator, LATE, 'cycle.run', { at: LATE });
  const calls = run<MarginCall[]>(db, operator, LATE, 'calls.list', { status: 'overdue' });
  assert.ok(calls.length >= 4, `overdue calls: ${calls.length}`);
  return { db, calls };
}

test('bulk escalation: one reason, one journal entry, an escalated event on each call', () => {
  const { db, calls } = overdueLedger();
  const ids = calls.slice(0, 3).map((c) => c.id);
  const head = journalHead(db);
  const out = run<MarginCall[]>(db, operator, LATE, 'calls.escalateMany', { ids, reason: 'no funds by the deadline' });
  assert.deepEqual(out.map((c) => [c.id, c.status]), ids.map((id) => [id, 'escalated']));
  for (const id of ids) {
    const h = run<MarginCall>(db, operator, LATE, 'calls.get', { id }).history!.at(-1)!;
    assert.deepEqual([h.kind, h.actor, h.note], ['escalated', 'operator', 'no funds by the deadline']);
  }
  const entry = db.prepare('SELECT command, payload FROM journal WHERE seq = ?').get(head.seq + 1) as { command: string; payload: string };
  assert.equal(entry.command, 'calls.escalateMany');
  assert.deepEqual(JSON.parse(entry.payload), { ids, reason: 'no funds by the deadline' });
  assert.equal(journalHead(db).seq, head.seq + 1);
  assert.equal(verifyJournal(db).ok, true);
  db.close();
});

test('bulk escalation refuses the whole batch, naming the first call that cannot be escalated', () => {
  const { db, calls } = overdueLedger();
  const [a, b, c] = calls as [MarginCall, MarginCall, MarginCall];
  run(db, supervisor, LATE, 'calls.waive', { id: b.id, reason: 'fee dispute settled' });
  const head = journalHead(db);
  assert.throws(
    () => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, b.id, c.id], reason: 'no funds' }),
    (e: unknown) => e instanceof RuleError && e.code === 'call_closed' && e.message.includes(`refused at call ${b.id}`) && /nothing escalated/.test(e.message),
  );
  assert.throws(
    () => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, 99_999], reason: 'no funds' }),
    (e: unknown) => e instanceof InputError && /field ids\[1\]/.test(e.message) && /no margin call 99999/.test(e.message),
  );
  assert.throws(() => run(db, operator, LATE, 'calls.escalateMany', { ids: [a.id, a.id], reason: 'no funds' }), /field ids\[1\].*twice/);
  assert.throws(() => run(db, operator, LATE, 'calls.escalateMany', { ids: [], reason: 'no funds' }), /field ids/);
  assert.throws(() => run(db, { name: 'viewer', role: 'viewer' }, LATE, 'calls.escalateMany', { ids: [a.id], reason: 'no funds' }), /operator role/);
  // Nothing of any refused batch landed: a and c are still overdue, and the journal did not move.
  for (const x of [a, c]) assert.equal(run<MarginCall>(db, operator, LATE, 'calls.get', { id: x.id }).status, 'overdue');
  assert.deepEqual(journalHead(db), head);
  db.close();
});

test('the audit log finds a waiver by its account and by its call, newest first, with a summary and links', () => {
  const db = demoLedger();
  run(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  const [a, b] = run<MarginCall[]>(db, operator, DEMO_AS_OF, 'calls.list', { status: 'open' }) as [MarginCall, MarginCall];
  const T1 = '2026-03-12T21:10:00.000Z';
  const T2 = '2026-03-12T21:20:00.000Z';
  run(db, operator, T1, 'calls.deposit', { id: a.id, amount: '1' });
  run(db, supervisor, T2, 'calls.waive', { id: a.id, reason: '=HYPERLINK("x") fee dispute settled' });
  run(db, supervisor, T2, 'calls.waive', { id: b.id, reason: 'relationship' });
  const list = (payload: Record<string, unknown>) => run<JournalEntry[]>(db, operator, T2, 'journal.list', { limit: 50, ...payload });

  // By the account id (text), by the call ("call N", "#N"): the call's two entries, newest first.
  for (const search of [a.account, `call ${a.id}`, `call:${a.id}`, `#${a.id}`]) {
    const found = list({ search }).filter((e) => e.command.startsWith('calls.'));
    assert.deepEqual(found.map((e) => e.command), ['calls.waive', 'calls.deposit'], search);
  }
  const waiver = list({ search: `call ${a.id}` })[0]!;
  assert.equal(waiver.summary, `Waived call #${a.id} (account ${a.account}): =HYPERLINK("x") fee dispute settled`);
  assert.deepEqual(
    waiver.refs.filter((r) => r.kind === 'call' || r.kind === 'account'),
    [{ kind: 'call', id: String(a.id) }, { kind: 'account', id: a.account }],
  );
  assert.ok(!list({ search: `call ${a.id}` }).some((e) => e.refs.some((r) => r.kind === 'call' && r.id === String(b.id))));
  // Newest first by default; oldest first when asked; command and date filters.
  const all = list({});
  assert.deepEqual(all.map((e) => e.seq), [...all.map((e) => e.seq)].sort((x, y) => y - x));
  assert.equal(list({ order: 'oldest' })[0]!.command, 'ledger.init');
  assert.deepEqual(list({ command: 'calls.waive' }).map((e) => e.refs[0]!.id), [String(b.id), String(a.id)]);
  assert.deepEqual(list({ command: 'calls.' }).map((e) => e.command), ['calls.waive', 'calls.waive', 'calls.deposit']);
  assert.deepEqual(list({ search: 'cycle.run' }).map((e) => e.command), ['cycle.run'], 'a command by name, not every entry that mentions it');
  assert.deepEqual(list({ from: T1, to: T2 }).map((e) => e.command), ['calls.deposit']);
  assert.throws(() => list({ from: T2, to: T1 }), /field to/);
  assert.throws(() => list({ from: 'yesterday' }), /field from/);
  // Paging newest first.
  const [first, second] = [list({ limit: 1 })[0]!, list({ limit: 1, beforeSeq: all[0]!.seq })[0]!];
  assert.deepEqual([first.seq, second.seq], [all[0]!.seq, all[1]!.seq]);

  // CSV: the same selection, a typed formula opened as text.
  const csv = run<{ csv: string; rows: number }>(db, operator, T2, 'journal.exportCsv', { search: a.account, command: 'calls.' });
  assert.equal(csv.rows, 2);
  const lines = csv.csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'seq,at,actor,command,summary,objects,payload,hash');
  assert.match(lines[1]!, /,calls\.waive,"Waived call #\d+ \(account [^)]+\): =HYPERLINK\(""x""\) fee dispute settled",/);
  assert.equal(csvCell('=1+2'), "'=1+2");
  assert.equal(csvCell('-5'), "'-5");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('a,"b"'), '"a,""b"""');
  assert.equal(csvCell('=a,b'), `"'=a,b"`);
  db.close();
});

test('a deposit far above the call asks for confirmation with the figures; confirm: true records it', () => {
  const db = demoLedger();
  run(db, operator, DEMO_AS_OF, 'cycle.run', { at: DEMO_AS_OF });
  const c = run<MarginCall[]>(db, operator, DEMO_AS_OF, 'calls.list', { status: 'open' })[0]!;
  const head = journalHead(db);
  const big = '99999999';
  assert.throws(
    () => run(db, operator, DEMO_AS_OF, 'calls.deposit', { id: c.id, amount: big }),
    (e: unknown) =>
      e instanceof RuleError &&
      e.code === 'confirm_required' &&
      e.message.includes('a deposit of 99,999,999.00') &&
      e.message.includes(`outstanding on margin call ${c.id}`) &&
      /more than 10 times/.test(e.message),
  );
  assert.deepEqual(journalHead(db), head, 'asked, not recorded');
  assert.equal(run<MarginCall>(db, operator, DEMO_AS_OF, 'calls.get', { id: c.id }).deposited, '0');
  // Up to ten times the call is not asked about; more with confirm: true is recorded, and the journal says so.
  const done = run<MarginCall>(db, operator, DEMO_AS_OF, 'calls.deposit', { id: c.id, amount: big, confirm: true });
  assert.equal(done.status, 'met');
  const entry = db.prepare('SELECT payload FROM journal WHERE seq = ?').get(head.seq + 1) as { payload: string };
  assert.equal(JSON.parse(entry.payload).confirm, true);
  const d = run<MarginCall[]>(db, operator, DEMO_AS_OF, 'calls.list', { status: 'open' })[0]!;
  const tenTimes = (BigInt(d.outstanding.split('.')[0]!) * 10n).toString();
  assert.equal(run<MarginCall>(db, operator, DEMO_AS_OF, 'calls.deposit', { id: d.id, amount: tenTimes }).status, 'met');
  db.close();
});

test('a held command\'s entry names the case it acts on and the approval it waits in', () => {
  const refs = entryRefs('default.assess', { case: 3, due: '2026-03-20T00:00:00.000Z' }, { approval: 12, status: 'pending', summary: 's', wouldDo: null });
  assert.deepEqual(refs, [{ kind: 'case', id: '3' }, { kind: 'approval', id: '12' }]);
  assert.equal(entrySummary('default.assess', { case: 3 }, { approval: 12, status: 'pending' }, refs), 'Asked a second supervisor: Triggered the assessments of case #3 (approval #12)');
});
