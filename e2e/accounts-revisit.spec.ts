// A re-visit of Accounts keeps the rows it holds while the ledger has not changed (the server's `accounts.version`
// says so), and fetches them again once it has: a cycle run while the desk was on another screen shows on return.
import { test, expect, DEMO_LAST_MARK, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle } from './support/screens.ts';
import { api } from './support/api.ts';
import type { AccountsTable, CycleSummary } from '../shared/contract.ts';

test('Accounts keeps its rows on a re-visit while the ledger is unchanged, and shows a cycle run meanwhile', async ({ page, desk }) => {
  await ensureCycle(desk);
  const before = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  const first = before.columns.id[0]!;
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const asked: string[] = [];
  page.on('request', (r) => {
    const m = /\/api\/invoke\/(accounts\.(?:list|version))$/.exec(new URL(r.url()).pathname);
    if (m) asked.push(m[1]!);
  });
  const row = page.locator(`[data-testid="account-row"][data-row-id="${first}"]`);
  const visit = async (): Promise<void> => {
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await expect(page.getByTestId('accounts-ready-ms')).not.toHaveAttribute('data-ms', '');
  };
  const away = async (): Promise<void> => {
    await page.keyboard.press('g');
    await page.keyboard.press('d');
    await expect(page.getByTestId('dashboard')).toBeVisible();
  };

  await visit();
  await expect(row.locator('[data-col="equity"]')).toBeVisible();
  const shownBefore = await row.locator('[data-col="equity"]').innerText();
  expect(asked.filter((c) => c === 'accounts.list')).toHaveLength(1);

  await away();
  await visit();
  await expect(row.locator('[data-col="equity"]')).toHaveText(shownBefore);
  expect(asked.filter((c) => c === 'accounts.list'), 'nothing changed: the rows held are kept').toHaveLength(1);
  expect(asked.filter((c) => c === 'accounts.version')).toHaveLength(1);

  // While the desk is on the dashboard: 1,000,000 USD more for the first account, and a cycle that counts it.
  await away();
  await api(desk, 'operator', 'import.csv', { kind: 'collateral', file: 'more.csv', text: `account,asset,quantity\n${first},USD,1000000\n` });
  const at = new Date(Math.max(Date.parse(DEMO_LAST_MARK), Date.parse(before.asOf!)) + 60_000).toISOString();
  const cycle = await api<CycleSummary>(desk, 'operator', 'cycle.run', { at });
  const after = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  expect(after.cycle).toBe(cycle.cycle);
  const i = after.columns.id.indexOf(first);
  expect(after.columns.equity[i]).not.toBe(before.columns.equity[0]);

  await visit();
  await expect.poll(() => asked.filter((c) => c === 'accounts.list').length).toBe(2);
  await expect(row.locator('[data-col="equity"]')).not.toHaveText(shownBefore);
});
