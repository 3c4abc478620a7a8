// Settings > Policies in browser mode (issue 14 item 4): a supervisor asks to change the four-eyes threshold with a
// reason; the value does not move until a second, different supervisor confirms it from the Inbox; then the new value
// shows with the policy's version one higher, the change in the key's history, and the next cycle's summary names
// that version. A bad value is refused in place.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import type { Page } from '@playwright/test';
import { signIn, signOut } from './support/signin.ts';
import { money } from './support/shown.ts';

test.use({ deskAccounts: 200 });

async function openPolicies(page: Page): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('screen-settings')).toBeVisible();
  await page.getByTestId('settings-tab-policies').click();
  await expect(page.getByTestId('policies-table')).toBeVisible();
}

const versionOf = async (page: Page): Promise<number> => Number((await page.getByTestId('policies-version').locator('b').textContent()) ?? 'NaN');

test('a supervisor changes the four-eyes threshold, a second supervisor confirms it in the Inbox, and the new value shows with version +1', async ({ page, desk }) => {
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await openPolicies(page);
  await expect(page.getByTestId('policies-version')).toContainText(/Policy version \d+/);
  const before = await versionOf(page);
  const value = page.getByTestId('policy-value-fourEyesNotional');
  // Shown as money (to the cent, with separators); the value as held is what the change form and the inbox use.
  const oldShown = (await value.textContent())!.trim();
  const old = (await value.getAttribute('data-value')) ?? oldShown;
  expect(oldShown).toBe(money(old));
  const next = old === '2500000' ? '3000000' : '2500000';

  await page.getByTestId('policy-row-fourEyesNotional').click();
  await expect(page.getByTestId('policy-selected')).toHaveText('fourEyesNotional');
  await expect(page.getByTestId('policy-accepts')).toContainText(`In force: ${oldShown} USD`);

  // A bad value: the server's refusal, naming the key, in place; nothing is asked.
  await page.getByTestId('policy-change-value').fill('a lot');
  await page.getByTestId('policy-change-reason').fill('risk committee minute 14');
  await page.getByTestId('policy-change-submit').click();
  await expect(page.getByTestId('policy-change-error')).toContainText('policy fourEyesNotional: "a lot" is not an amount in USD');
  await expect(page.getByTestId('policy-pending-fourEyesNotional')).toHaveText('');

  await page.getByTestId('policy-change-value').fill(next);
  await page.getByTestId('policy-change-submit').click();
  await expect(page.getByTestId('policy-change-ok')).toContainText('waits for a second supervisor');
  await expect(page.getByTestId('policy-pending-fourEyesNotional')).toContainText(`${next} (asked by supervisor)`);
  await expect(value).toHaveText(oldShown);
  await expect(page.getByTestId('policies-version')).toContainText(`Policy version ${before}`);
  // Its asker cannot confirm it: the server says why.
  await page.getByTestId('policy-confirm-submit').click();
  await expect(page.getByTestId('policy-confirm-error')).toContainText('a second, different supervisor must confirm it');
  await expect(value).toHaveText(oldShown);
  await signOut(page);

  await signIn(page, desk, 'supervisor2', DEMO_PASSWORDS.supervisor2);
  await page.getByTestId('nav-inbox').click();
  const held = page.getByTestId('inbox-for-me').getByTestId('inbox-item').filter({ hasText: 'change policy fourEyesNotional' });
  await expect(held.getByTestId('inbox-summary')).toContainText(`from ${old} to ${next} (USD): risk committee minute 14`);
  await held.getByTestId('inbox-confirm').click();
  await expect(held).toHaveCount(0);

  await openPolicies(page);
  await expect(page.getByTestId('policy-value-fourEyesNotional')).toHaveText(money(next));
  await expect(page.getByTestId('policies-version')).toContainText(`Policy version ${before + 1}`);
  await expect(page.getByTestId('policy-pending-fourEyesNotional')).toHaveText('');
  await expect(page.getByTestId('policy-last-fourEyesNotional')).toContainText(`v${before + 1}`);
  await page.getByTestId('policy-row-fourEyesNotional').click();
  const row = page.getByTestId(`policy-history-${before + 1}`);
  await expect(row).toContainText(old);
  await expect(row).toContainText(next);
  await expect(row).toContainText('risk committee minute 14');
  await expect(row).toContainText('supervisor2');

  // A cycle run now runs under the new version, and its summary says so.
  await page.getByTestId('nav-market').click();
  await page.getByTestId('cycle-run').click();
  await expect(page.getByTestId('cycle-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('cycle-policy-version')).toHaveText(`policy version ${before + 1}`);
});

test('an operator sees the policies and their history but the change form says it needs a supervisor', async ({ page, desk }) => {
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await openPolicies(page);
  await expect(page.getByTestId('policy-value-ledgerMode')).toHaveText('demo');
  await page.getByTestId('policy-row-cureMinutes').click();
  await expect(page.getByTestId('policy-change-submit')).toBeDisabled();
  await expect(page.getByTestId('policy-change-needs')).toHaveText('needs supervisor');
  // The ledger's own key is shown, with no change form.
  await page.getByTestId('policy-row-ledgerMode').click();
  await expect(page.getByTestId('policy-selected')).toHaveText('ledgerMode');
  await expect(page.getByTestId('policy-change')).toHaveCount(0);
});
