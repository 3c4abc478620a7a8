// Funding and expiry as the desk sees them (issue 18), in browser mode: a viewer sees the lifecycle action refused by
// the server, with the reason; an operator imports a funding-rates file in Market data and settles and pays from the
// Funding and expiry panel; the funding time shows once in the history with what was debited and credited, a second
// run pays nothing, and an account holding the perpetual shows its payment, to the cent, in its detail panel. On
// today's clock the demo's expired futures settle in the same run, and none of them is left in the account. A
// supervisor sets a position limit from the import form: its breach is listed, and an import over it refused in place.
import { Decimal } from 'decimal.js';
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';
import { asUser } from './support/api.ts';
import { ensureCycle } from './support/screens.ts';
import { money } from './support/shown.ts';
import type { AccountDetail, AccountsTable } from '../shared/contract.ts';
import type { LifecycleOverview } from '../shared/contractLifecycle.ts';

test.use({ deskAccounts: 200 });

const FUNDING_AT = '2026-03-12T16:00:00Z';
const RATE = '0.0001';

test('an operator pays a funding time from Market data; the history and the account show it once, to the cent', async ({ page, desk }) => {
  await ensureCycle(desk);
  // An account holding BTC-PERP, and its quantity, from the commands.
  const held = await asUser(desk, 'viewer', async (api) => {
    const ids = (await api<AccountsTable>('accounts.list', {})).columns.id;
    for (const id of ids) {
      const d = await api<AccountDetail>('accounts.detail', { id });
      const p = d.positions.find((x) => x.instrument === 'BTC-PERP');
      if (p) return { id, quantity: p.quantity };
    }
    return null;
  });
  expect(held, 'the demo book holds BTC-PERP somewhere').not.toBeNull();

  // A viewer sees the action, refused by the server with its reason.
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.getByTestId('nav-market').click();
  await expect(page.getByTestId('lifecycle-panel')).toBeVisible();
  await expect(page.getByTestId('lifecycle-run-submit')).toBeDisabled();
  await expect(page.getByTestId('lifecycle-run-why')).toContainText('operator');
  await signOut(page);

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-market').click();
  const csv = `instrument,at,rate,source\nBTC-PERP,${FUNDING_AT},${RATE},e2e\n`;
  await page.getByTestId('import-file').setInputFiles({ name: 'funding-rates.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-kind')).toHaveValue('funding-rates');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-ok')).toBeVisible();

  // On today's clock the demo book's own next funding time of ETH-PERP and NDX-PERP (the day after its close) falls
  // due in the same run.
  await page.getByTestId('lifecycle-run-submit').click();
  await expect(page.getByTestId('lifecycle-last')).toContainText('3 funding times paid');
  const row = page.getByTestId('funding-history-row').filter({ hasText: 'BTC-PERP' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(RATE);

  // Run again: nothing is paid twice.
  await page.getByTestId('lifecycle-run-submit').click();
  await expect(page.getByTestId('lifecycle-last')).toContainText('0 futures settled, 0 funding times paid');
  await expect(page.getByTestId('funding-history-row').filter({ hasText: 'BTC-PERP' })).toHaveCount(1);

  // The account's payment: its value at the funding mark times the rate, demanded up and paid out down to the cent.
  const overview = await asUser(desk, 'viewer', (api) => api<LifecycleOverview>('lifecycle.overview', { instrument: 'BTC-PERP' }));
  const paid = overview.funding[0]!;
  const owed = new Decimal(held!.quantity).times(paid.mark).times(RATE);
  const want = owed.gt(0) ? owed.times(100).ceil().div(100).neg() : owed.neg().times(100).floor().div(100);
  expect(new Decimal(paid.debited).minus(paid.credited).toString()).toBe(paid.house);

  await page.goto(`${desk.url}#/accounts/${held!.id}`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', held!.id);
  const mine = page.getByTestId('account-funding-row').filter({ hasText: 'BTC-PERP' });
  await expect(mine).toHaveCount(1);
  // As the panel writes a change: to the cent, with a + for money received.
  await expect(mine.getByTestId('account-funding-amount')).toHaveText(`${want.gt(0) ? '+' : ''}${money(want.toString())}`);

  // On today's clock the demo's expired futures settled in the same run: the panel lists them, and the account holds
  // none of them any more.
  await page.getByTestId('nav-market').click();
  await expect(page.getByTestId('settlement-history-row').first()).toBeVisible();
  const settled = await page.getByTestId('settlement-history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instrument')));
  expect(settled.length).toBeGreaterThan(0);
  const detail = await asUser(desk, 'viewer', (api) => api<AccountDetail>('accounts.detail', { id: held!.id }));
  expect(detail.positions.filter((p) => settled.includes(p.instrument))).toEqual([]);
});

test('a supervisor sets a position limit in Market data; the breach is listed, and an import over it is refused naming it', async ({ page, desk }) => {
  await ensureCycle(desk);
  const held = await asUser(desk, 'viewer', async (api) => {
    for (const id of (await api<AccountsTable>('accounts.list', {})).columns.id) {
      const p = (await api<AccountDetail>('accounts.detail', { id })).positions.find((x) => x.instrument === 'BTC-PERP');
      if (p) return { id, quantity: p.quantity };
    }
    return null;
  });
  expect(held).not.toBeNull();
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.getByTestId('nav-market').click();
  const limits = `scope,subject,instrument,max_notional\naccount,${held!.id},*,1\n`;
  await page.getByTestId('import-file').setInputFiles({ name: 'limits.csv', mimeType: 'text/csv', buffer: Buffer.from(limits) });
  await expect(page.getByTestId('import-kind')).toHaveValue('limits');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-ok')).toBeVisible();
  await page.reload();
  // Beside the demo book's own member limits, which the book as made does not breach.
  await expect(page.getByTestId('limits-row').filter({ hasText: held!.id })).toHaveCount(1);
  await expect(page.getByTestId('limit-breach')).toHaveCount(1);
  await expect(page.getByTestId('limit-breach').filter({ hasText: held!.id })).toContainText(`account ${held!.id}'s limit: maximum notional 1 USD, and it is`);

  // Doubling the position is refused in place, naming the limit, the value and the account; a viewer's view of the
  // account is unchanged.
  const doubled = new Decimal(held!.quantity).times(2).toString();
  const csv = `account,instrument,quantity,entry_price\n${held!.id},BTC-PERP,${doubled},60000\n`;
  await page.getByTestId('import-file').setInputFiles({ name: 'positions.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error-message')).toContainText(`limit breached: account ${held!.id}'s limit: maximum notional 1 USD, and it would be`);
  await expect(page.getByTestId('import-error-row')).toHaveText('1');
  const after = await asUser(desk, 'viewer', (api) => api<AccountDetail>('accounts.detail', { id: held!.id }));
  expect(after.positions.find((x) => x.instrument === 'BTC-PERP')!.quantity).toBe(held!.quantity);
});
