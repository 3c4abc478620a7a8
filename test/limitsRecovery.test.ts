// Position limits on auto-deleveraging (issue 18): ADL closes the ranked opposing positions at the ADL price, worse
// than the mark, and the equity that takes can raise an account's leverage over its limit. Such an allocation is
// refused whole, naming the limit, the value and the account, and nothing moves; a limit ADL does not breach (or a
// limit raised to what it leaves) lets it through. On the demo book's default case of test/recovery.test.ts (made by
// editing the ledger directly, so not a journal that replays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { operator, supervisor, supervisor2 } from './support/actors.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { readPositions, readCollateral } from '../main/ledger/bookRepo.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { LimitsView } from '../shared/contractLifecycle.ts';

const demoLedger = demoLedgers('riskdesk-limits-adl-', 400);
let clock = Date.parse(DEMO_AS_OF);
const run = <T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T => {
  clock += 60_000;
  return dispatch({ db, actor, now: () => new Date(clock) }, channel, payload) as T;
};
const limits = (db: Ledger, rows: string[]) => run(db, supervisor, 'import.csv', { kind: 'limits', file: 'limits.csv', text: `scope,subject,instrument,max_leverage\n${rows.join('\n')}\n` });

/** TWC defaults owing more than its margin and fund cover, and is closed out: a residual for the recovery tools. */
function caseWithResidual(db: Ledger): DefaultCaseDetail {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  db.prepare("UPDATE members SET default_fund = 1000000000000 WHERE id <> 'TWC'").run();
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  const twc = new Set(db.prepare("SELECT id FROM accounts WHERE member_id = 'TWC'").pluck().all() as string[]);
  const debtor = r.ids.find((id, i) => twc.has(id) && r.status[i]! >= 2 && id.includes('-C'))!;
  db.prepare("UPDATE collateral SET quantity = quantity - 6000000000 WHERE account_id = ? AND asset_id = 'USD'").run(debtor);
  const c = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: 'TWC', reason: 'missed settlement' });
  run(db, supervisor2, 'default.confirm', { case: c.id });
  run(db, supervisor, 'default.closeOut', { case: c.id });
  return run<DefaultCaseDetail>(db, supervisor, 'default.waterfall', { case: c.id });
}

test('ADL that would take an account over its leverage limit is refused, naming it; within the limit it goes through', () => {
  const db = demoLedger();
  const c = caseWithResidual(db);
  // Every surviving account at a leverage of at most 0.000001: all over it already, so only a rise is refused.
  const survivors = db.prepare("SELECT id FROM accounts WHERE member_id <> 'TWC' ORDER BY id").pluck().all() as string[];
  limits(db, survivors.map((a) => `account,${a},*,0.000001`));
  // The ask is tried on the ledger before it is held for a second supervisor: refused there already.
  const allocate = () => run<DefaultCaseDetail>(db, supervisor, 'default.allocate', { case: c.id, tools: ['adl', 'socialisedLoss'] });
  const state = () => JSON.stringify([readPositions(db), readCollateral(db)], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  const was = state();
  let named = '';
  let after = '';
  assert.throws(allocate, (e: Error & { code?: string }) => {
    assert.equal(e.code, 'limit_breached');
    const m = /^auto-deleveraging refused: limit breached: account (\S+)'s limit: maximum leverage 0\.000001 \(notional \/ equity\), and it would be (\d+\.\d+)$/.exec(e.message);
    assert.ok(m, e.message);
    named = m[1]!;
    after = m[2]!;
    return true;
  });
  assert.equal(state(), was, 'no position closed, no cash moved');
  assert.equal(run<DefaultCaseDetail>(db, supervisor, 'default.get', { case: c.id }).status, c.status);

  // That account's leverage now, and a limit just at it: ADL would still take it over, and is refused by name.
  const now = run<LimitsView>(db, operator, 'limits.list', {}).breaches.find((b) => b.account === named)!.message;
  const before = /and it is (\d+\.\d+)$/.exec(now)![1]!;
  assert.ok(Number(after) > Number(before), `ADL raises ${named}'s leverage from ${before} to ${after}`);
  limits(db, survivors.map((a) => `account,${a},*,${a === named ? before : ''}`));
  assert.throws(allocate, (e: Error) => {
    assert.match(e.message, new RegExp(`account ${named}'s limit: maximum leverage ${before.replace('.', '\\.')} \\(notional / equity\\), and it would be ${after.replace('.', '\\.')}$`));
    return true;
  });
  // A limit above what ADL leaves: the allocation goes through.
  limits(db, [`account,${named},*,${(Number(after) + 1).toFixed(6)}`]);
  const held = allocate().approvals.find((a) => a.status === 'pending' && a.channel === 'default.allocate')!;
  run(db, supervisor2, 'approvals.confirm', { id: held.id });
  assert.equal(run<DefaultCaseDetail>(db, supervisor, 'default.get', { case: c.id }).status, 'recovered');
  db.close();
});
