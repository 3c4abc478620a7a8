// The Accounts figures of a cycle are formatted once per connection, ahead of the desk in slices or on the first
// request, and kept across price ticks and other commands (commands/console/accountFigures.ts). Every table is
// compared with the one a fresh connection makes from the ledger, which keeps nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../main/commands/dispatch.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { prepareLatestFigures, figuresMade } from '../main/commands/console/accountFigures.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import type { AccountsTable, CycleSummary } from '../shared/contract.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-account-figures-', 9000);
const OPERATOR = { name: 'operator', role: 'operator' as const };
const VIEWER = { name: 'viewer', role: 'viewer' as const };
const at = (m: number) => new Date(Date.parse(DEMO_AS_OF) + m * 60_000);
const list = (db: Ledger): AccountsTable => dispatch({ db, actor: VIEWER, now: () => at(5) }, 'accounts.list', {});
/** accounts.list from a connection opened now: made from the ledger alone. */
function fresh(db: Ledger): AccountsTable {
  const other = openLedger(db.name);
  try {
    return list(other);
  } finally {
    other.close();
  }
}

const db = demoLedger();
const first = dispatch({ db, actor: OPERATOR, now: () => at(0) }, 'cycle.run', { at: DEMO_AS_OF }) as CycleSummary;

test('made ahead a slice at a time, they are what a fresh connection makes', () => {
  const step = prepareLatestFigures(db);
  let steps = 1;
  while (step()) steps++;
  assert.ok(steps >= 2, `9,000 accounts take more than one slice (${steps})`);
  assert.equal(figuresMade(db, first.cycle), true);
  const t = list(db);
  assert.deepEqual(t, fresh(db));
});

test('a journalled change moves the version but not the figures; a new cycle makes new ones', () => {
  const t1 = list(db);
  const id = t1.columns.id[0]!;
  dispatch({ db, actor: OPERATOR, now: () => at(1) }, 'import.csv', { kind: 'collateral', file: 'c.csv', text: `account,asset,quantity\n${id},USD,12345\n` });
  const t2 = list(db);
  assert.notEqual(t2.version, t1.version);
  assert.equal(t2.columns.equity, t1.columns.equity, 'the cycle\'s formatted figures are kept, not made again');
  assert.deepEqual(t2, fresh(db));
  const second = dispatch({ db, actor: OPERATOR, now: () => at(2) }, 'cycle.run', { at: at(2).toISOString() }) as CycleSummary;
  assert.equal(figuresMade(db, second.cycle), false);
  const t3 = list(db);
  assert.equal(t3.cycle, second.cycle);
  assert.notEqual(t3.columns.equity[0], t1.columns.equity[0], 'the new cycle counts the deposit');
  assert.deepEqual(t3, fresh(db));
});

test('a request that comes while they are made ahead finishes them itself', () => {
  const c = dispatch({ db, actor: OPERATOR, now: () => at(3) }, 'cycle.run', { at: at(3).toISOString() }) as CycleSummary;
  const step = prepareLatestFigures(db);
  assert.equal(step(), true);
  assert.equal(figuresMade(db, c.cycle), false);
  assert.deepEqual(list(db), fresh(db));
  assert.equal(figuresMade(db, c.cycle), true);
  assert.equal(step(), false, 'the request took them over');
});

test('the console makes them ahead after its cycle, between other work', async () => {
  const ledger = demoLedger(400);
  const d = new Door({ db: ledger, now: () => at(60), log: () => {}, sliceMs: 0 });
  const op: Binding = { kind: 'window', key: 'op' };
  assert.equal((await d.invokeAsync(op, 'session.login', { name: 'operator', password: 'operator-demo' })).result.ok, true);
  const r = (await d.invokeAsync(op, 'cycle.run', {})).result;
  assert.ok(r.ok);
  const cycle = (r as { value: CycleSummary }).value.cycle;
  for (let turn = 0; turn < 100 && !figuresMade(ledger, cycle); turn++) await new Promise((res) => setImmediate(res));
  assert.equal(figuresMade(ledger, cycle), true);
  d.close();
});
