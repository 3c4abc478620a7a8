// The end-of-day report from the console's door (doors/invoke.ts #endOfDay): its stress run over the whole book is
// made on a thread first, so the console answers the desk meanwhile, and the report then reads that run
// (commands/recovery/stressMemo.ts). The report is compared with the one the command makes by itself on a second
// connection; a kept run is never read once the ledger has changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { rememberStress, rememberedStress, stressKey } from '../main/commands/recovery/stressMemo.ts';
import type { EndOfDayReport } from '../shared/contractReports.ts';
import type { StressReport } from '../shared/contractRecovery.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-eod-thread-', 300);
const viewer: Binding = { kind: 'window', key: 'viewer' };
const DAY = DEMO_AS_OF.slice(0, 10);
const now = () => new Date(Date.parse(DEMO_AS_OF) + 3_600_000);

function byItself(db: Ledger): EndOfDayReport {
  const other = openLedger(db.name);
  try {
    return dispatch({ db: other, actor: { name: 'viewer', role: 'viewer' }, now }, 'reports.endOfDay', { day: DAY });
  } finally {
    other.close();
  }
}

async function console_() {
  const db = demoLedger();
  dispatch({ db, actor: { name: 'operator', role: 'operator' }, now }, 'cycle.run', { at: DEMO_AS_OF });
  const d = new Door({ db, now, log: () => {} });
  assert.equal((await d.invokeAsync(viewer, 'session.login', { name: 'viewer', password: 'viewer-demo' })).result.ok, true);
  return { db, d };
}

test('the console answers the desk while the report\'s stress run is on its thread, and the report is the command\'s own', async () => {
  const { db, d } = await console_();
  const order: string[] = [];
  const report = d.invokeAsync(viewer, 'reports.endOfDay', { day: DAY }).then((o) => (order.push('report'), o.result));
  const dash = d.invokeAsync(viewer, 'dashboard.summary', {}).then((o) => (order.push('dashboard'), o.result));
  const [r, s] = await Promise.all([report, dash]);
  assert.ok(r.ok && s.ok);
  assert.deepEqual(order, ['dashboard', 'report'], 'the dashboard was answered while the stress run was on its thread');
  const value = (r as { value: EndOfDayReport }).value;
  assert.ok(value.cover !== null);
  assert.deepEqual({ ...value, asOf: '' }, { ...byItself(db), asOf: '' });
  d.close();
});

test('a kept stress run is read only while the ledger is as it was when the run began', async () => {
  const { db, d } = await console_();
  const r1 = (await d.invokeAsync(viewer, 'reports.endOfDay', { day: DAY })).result as { ok: true; value: EndOfDayReport };
  const asOf = r1.value.cover!.asOf;
  assert.ok(rememberedStress(db, asOf) !== null);
  // A kept run with figures no run would give, under the ledger's key as it is now: read while nothing changes...
  const kept = rememberedStress(db, asOf)!;
  const fake: StressReport = { ...kept, cover1: { ...kept.cover1, amount: '1' }, cover2: { ...kept.cover2, amount: '2' } };
  rememberStress(stressKey(db, asOf), fake);
  assert.equal(rememberedStress(db, asOf), fake);
  // ...and never after a journalled change: the report makes its run again.
  dispatch({ db, actor: { name: 'operator', role: 'operator' }, now }, 'import.csv', { kind: 'collateral', file: 'c.csv', text: `account,asset,quantity\n${r1.value.topExposures[0]!.account},USD,1\n` });
  assert.equal(rememberedStress(db, asOf), null);
  const r2 = (await d.invokeAsync(viewer, 'reports.endOfDay', { day: DAY })).result as { ok: true; value: EndOfDayReport };
  assert.notEqual(r2.value.cover!.cover1.amount, '1');
  assert.deepEqual({ ...r2.value, asOf: '' }, { ...byItself(db), asOf: '' });
  d.close();
});
