// The desk's bulk escalation and its sanity confirmations from the `riskdesk` command line: the real CLI as a child
// process on real ledger files, checked by its exit code, its output and what it left in the ledger.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { MarginCall } from '../shared/contract.ts';
import { copyLedger, journalOf, riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 90_000 };
const CLOSE = '2026-03-12T21:00:00Z';
const LATE = '2026-03-12T23:00:00Z';
/** A 300-account demo book after a cycle at the close and one past every deadline: its calls are overdue. */
let OVERDUE: string;

function ok(r: CliResult, code = 0): CliResult {
  assert.equal(r.code, code, r.describe());
  return r;
}

const callsOf = async (db: string, ...extra: string[]) => ok(await riskdesk(['calls', '--db', db, '--json', ...extra])).json<MarginCall[]>();
const callOf = async (db: string, id: number) => ok(await riskdesk(['call', '--db', db, '--id', String(id), '--json'])).json<MarginCall>();

before(async () => {
  const dir = tempDir(undefined, 'riskdesk-deskcli-');
  OVERDUE = path.join(dir, 'overdue.db');
  ok(await riskdesk(['init', '--db', OVERDUE, '--demo', '--accounts', '300', '--seed', '7', '--now', '2026-03-12T20:00:00Z']));
  ok(await riskdeskAs('operator', ['cycle', '--db', OVERDUE, '--at', CLOSE, '--now', CLOSE]));
  ok(await riskdeskAs('operator', ['cycle', '--db', OVERDUE, '--at', LATE, '--now', LATE]));
}, T);

test('escalate --ids: several overdue calls with one reason, all or none', T, async (t) => {
  const db = copyLedger(OVERDUE, path.join(tempDir(t), 'l.db'));
  const [a, b, c] = await callsOf(db, '--status', 'overdue') as [MarginCall, MarginCall, MarginCall];
  const entries = journalOf(db).length;

  // A call that is not there refuses the batch, named, with exit 2 (bad input), and nothing changes.
  const bad = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--ids', `${a.id},999999`, '--reason', 'no funds received']), 2);
  assert.match(bad.stderr, /ids\[1\]/);
  assert.match(bad.stderr, /refused at call 999999/);
  ok(await riskdeskAs('operator', ['escalate', '--db', db, '--ids', `${a.id},x`, '--reason', 'no funds received']), 2);
  assert.equal(journalOf(db).length, entries);
  assert.equal((await callOf(db, a.id)).status, 'overdue');

  const r = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--ids', `${a.id},${b.id},${c.id}`, '--reason', 'no funds received', '--json']));
  assert.deepEqual(r.json<MarginCall[]>().map((x) => x.status), ['escalated', 'escalated', 'escalated']);
  for (const x of [a, b, c]) {
    const last = (await callOf(db, x.id)).history!.at(-1)!;
    assert.deepEqual([last.kind, last.actor, last.note], ['escalated', 'operator', 'no funds received']);
  }
  const journal = journalOf(db);
  assert.equal(journal.length, entries + 1);
  assert.equal(journal.at(-1)!.command, 'calls.escalateMany');

  // Escalated already: a second batch with one of them is refused (a rule, exit 1) naming it.
  const again = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--ids', String(b.id), '--reason', 'no funds received']), 1);
  assert.match(again.stderr, new RegExp(`refused at call ${b.id}.*escalated`));
  const human = ok(await riskdeskAs('operator', ['escalate', '--db', db, '--ids', String((await callsOf(db, '--status', 'overdue'))[0]!.id), '--reason', 'no funds received']));
  assert.match(human.stdout, /1 call escalated/);
});

test('deposit --confirm: a deposit far above the call is refused with the figures until confirmed', T, async (t) => {
  const db = copyLedger(OVERDUE, path.join(tempDir(t), 'l.db'));
  const c = (await callsOf(db, '--status', 'overdue'))[0]!;
  const entries = journalOf(db).length;
  const asked = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c.id), '--amount', '99999999']), 1);
  assert.match(asked.stderr, /a deposit of 99,999,999\.00 is [\d,.]+ times the [\d,.]+ outstanding on margin call \d+/);
  assert.match(asked.stderr, /--confirm/);
  assert.equal(journalOf(db).length, entries);
  assert.equal((await callOf(db, c.id)).deposited, '0');
  const done = ok(await riskdeskAs('operator', ['deposit', '--db', db, '--id', String(c.id), '--amount', '99999999', '--confirm', '--json'])).json<MarginCall>();
  assert.equal(done.status, 'met');
  const last = journalOf(db).at(-1)!;
  assert.deepEqual([last.command, last.payload.confirm], ['calls.deposit', true]);
});
