// The insurance fund as a layer (issue 21 item 5) on a real demo ledger: liquidations of bankrupt accounts leave
// shortfalls and pay insurance fees into the fund; a draw covers a shortfall in full while the fund holds enough and
// as far as it goes once it does not (the remainder stays open for default management), each held for a second
// supervisor; the history carries the balance after every entry; a floor raises the depletion alert; the CLI prints
// it all; and verify --deep replays every draw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, supervisor2, viewer } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { riskdesk, riskdeskAs } from './support/cli.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import type { DashboardSummary, FundEntryView, LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';
import type { InsuranceFundView } from '../shared/contractFunds.ts';
import type { ApprovalView } from '../shared/contractRecovery.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import { formatAmount, parseAmount } from '../shared/units.ts';

const { run } = minuteClock();
const usd = (s: string) => parseAmount(s, 'usd');
const fund = (db: Ledger) => run<InsuranceFundView>(db, viewer, 'funds.insurance', {});
const history = (db: Ledger) => run<FundEntryView[]>(db, viewer, 'funds.history', { fund: 'insurance' });

/** Every bankrupt account's proposal approved and filled at its estimated prices: fees in, shortfalls out. */
function liquidateBankrupt(db: Ledger): void {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const bankrupt = run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true }).filter((l) => l.before.status === 'bankrupt');
  assert.ok(bankrupt.length >= 2, `the demo book has bankrupt accounts to liquidate (${bankrupt.length})`);
  for (const l of bankrupt) {
    const d = run<LiquidationDetail>(db, supervisor, 'liquidations.approve', { id: l.id });
    const approved = d.status === 'pending_second' ? run<LiquidationDetail>(db, supervisor2, 'liquidations.approve', { id: l.id }) : d;
    for (const o of approved.orders) run(db, operator, 'liquidations.fill', { id: l.id, instrument: o.instrument, quantity: o.quantity, simulate: true });
  }
}

/** A draw as the desk makes it: one supervisor asks, a second confirms. */
function draw(db: Ledger, shortfall: number): ApprovalView {
  const asked = run<InsuranceFundView>(db, supervisor, 'funds.draw', { shortfall, reason: 'insurance fund covers the liquidation shortfall' });
  assert.ok(asked.openShortfalls.some((s) => s.id === shortfall), 'asking draws nothing yet');
  const pending = run<ApprovalView[]>(db, viewer, 'approvals.list', { status: 'pending', subject: `shortfall:${shortfall}` });
  assert.equal(pending.length, 1);
  return run<ApprovalView>(db, supervisor2, 'approvals.confirm', { id: pending[0]!.id });
}

test('draws cover shortfalls in full, then as far as the fund goes; the history, the floor alert and the CLI show it; verify --deep replays it', async () => {
  const db = demoLedgers('riskdesk-fund-', 400)();
  const file = db.name;
  setPolicy(run, db, 'insuranceFeeRate', '0.002');
  liquidateBankrupt(db);
  const start = fund(db);
  const shortfalls = [...start.openShortfalls].sort((a, b) => (usd(a.amount) < usd(b.amount) ? -1 : 1));
  assert.ok(shortfalls.length >= 2 && usd(start.balance) > 0n, `shortfalls ${shortfalls.length}, fund ${start.balance}`);
  assert.equal(start.openTotal, formatAmount(shortfalls.reduce((s, x) => s + usd(x.amount), 0n)));

  // The way around four eyes: the supervisor who asked confirms alone. Refused, nothing drawn.
  run(db, supervisor, 'funds.draw', { shortfall: shortfalls[0]!.id, reason: 'cover it' });
  const held = run<ApprovalView[]>(db, viewer, 'approvals.list', { status: 'pending', subject: `shortfall:${shortfalls[0]!.id}` })[0]!;
  assert.throws(() => run(db, supervisor, 'approvals.confirm', { id: held.id }), RuleError);
  assert.throws(() => run(db, operator, 'funds.draw', { shortfall: shortfalls[0]!.id, reason: 'cover it' }), RuleError);
  assert.equal(fund(db).balance, start.balance);
  run(db, supervisor, 'approvals.decline', { id: held.id, reason: 'asked twice' });

  // Worked example, to the unit: a shortfall the fund can cover is drawn in full.
  let balance = usd(start.balance);
  const first = shortfalls[0]!;
  assert.ok(usd(first.amount) <= balance, 'the smallest shortfall fits in the fund (raise insuranceFeeRate otherwise)');
  draw(db, first.id);
  balance -= usd(first.amount);
  let now = fund(db);
  assert.equal(now.balance, formatAmount(balance));
  assert.ok(!now.openShortfalls.some((s) => s.id === first.id), 'covered in full: no longer open');
  const entry = history(db)[0]!;
  assert.deepEqual([entry.kind, entry.amount, entry.balance], ['loss_cover', formatAmount(-usd(first.amount)), formatAmount(balance)]);

  // Drawn again: the shortfall is no longer open.
  assert.throws(() => run(db, supervisor, 'funds.draw', { shortfall: first.id, reason: 'cover it again' }), (e: unknown) => e instanceof RuleError && /is allocated/.test(e.message));
  assert.throws(() => run(db, supervisor, 'funds.draw', { shortfall: 999_999, reason: 'no such' }), (e: unknown) => e instanceof InputError && /no shortfall 999999/.test(e.message));

  // Draw the rest, largest first, until the fund runs short: that draw takes exactly what is left and leaves the
  // remainder open as a new shortfall of the same account and liquidation.
  const rest = shortfalls.slice(1).reverse();
  let partial = false;
  for (const s of rest) {
    if (balance <= 0n) break;
    draw(db, s.id);
    const drawn = usd(s.amount) < balance ? usd(s.amount) : balance;
    balance -= drawn;
    now = fund(db);
    assert.equal(now.balance, formatAmount(balance));
    if (drawn < usd(s.amount)) {
      partial = true;
      const remainder = now.openShortfalls.find((x) => x.account === s.account && x.liquidation === s.liquidation && x.id > s.id)!;
      assert.equal(remainder.amount, formatAmount(usd(s.amount) - drawn));
      assert.equal(now.drawable, '0');
    }
  }
  assert.ok(partial, 'the fund ran short on one draw');
  assert.throws(() => run(db, supervisor, 'funds.draw', { shortfall: now.openShortfalls[0]!.id, reason: 'empty fund' }), (e: unknown) => e instanceof RuleError && /nothing to draw/.test(e.message));

  // Every entry's balance is the running sum of the amounts.
  const entries = history(db).reverse();
  let sum = 0n;
  for (const e of entries) {
    sum += usd(e.amount);
    assert.equal(e.balance, formatAmount(sum), `entry ${e.id}`);
  }

  // Depletion: a floor above the balance raises a critical alert on the dashboard.
  const quiet = run<DashboardSummary>(db, viewer, 'dashboard.summary', {}).alerts;
  assert.ok(!quiet.some((a) => /insurance fund depleted/.test(a.text)));
  assert.ok(quiet.some((a) => a.level === 'warning' && /exceed what the insurance fund can cover \(0\)/.test(a.text)));
  setPolicy(run, db, 'insuranceFundFloor', '1000000');
  assert.equal(fund(db).belowFloor, true);
  const alerts = run<DashboardSummary>(db, viewer, 'dashboard.summary', {}).alerts;
  assert.ok(alerts.some((a) => a.level === 'critical' && a.text === `insurance fund depleted: it holds ${formatAmount(balance)}, below its floor of 1000000 (policy insuranceFundFloor)`));
  db.close();

  // The CLI: the history as JSON is the command's; as text it states the balance; status names the floor.
  const json = await riskdesk(['fund', 'history', '--db', file, '--json']);
  assert.equal(json.code, 0, json.describe());
  assert.deepEqual(json.json<FundEntryView[]>().map((e) => e.balance), entries.reverse().map((e) => e.balance));
  const text = await riskdesk(['fund', 'history', '--db', file, '--limit', '3']);
  assert.match(text.stdout, new RegExp(`insurance fund: balance ${formatAmount(balance)}`));
  const status = await riskdesk(['fund', 'status', '--db', file]);
  assert.match(status.stdout, /DEPLETED \(below its floor\)/);
  const bad = await riskdesk(['fund', 'history', '--db', file, '--fund', 'pension']);
  assert.equal(bad.code, 2, bad.describe());
  const asked = await riskdeskAs('supervisor', ['fund', 'draw', '--db', file, '--shortfall', String(now.openShortfalls[0]!.id), '--reason', 'cli draw']);
  assert.equal(asked.code, 1, asked.describe());
  assert.match(asked.stderr, /nothing to draw/);
  const verified = await riskdesk(['verify', '--db', file, '--deep', '--json']);
  assert.equal(verified.code, 0, verified.describe());
});
