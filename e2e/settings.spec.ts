// Settings in browser mode (issue 14 items 3 and 4): an admin creates a user, who must choose their own password at
// the first sign-in before the console opens.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';

test.use({ deskAccounts: 200 });

test('an admin creates a user, who must change the password at first sign-in', async ({ page, desk }) => {
  await signIn(page, desk, 'admin', DEMO_PASSWORDS.admin);
  await page.keyboard.press('Alt+0');
  await expect(page.getByTestId('screen-settings')).toBeVisible();
  await expect(page.getByTestId('user-row-operator')).toBeVisible();

  await page.getByTestId('user-create-name').fill('dana');
  await page.getByTestId('user-create-role').selectOption('operator');
  await page.getByTestId('user-create-password').fill('temporary pass 1');
  await page.getByTestId('user-create-submit').click();
  await expect(page.getByTestId('user-create-ok')).toBeVisible();
  await expect(page.getByTestId('user-state-dana')).toHaveText('must change password');
  await signOut(page);

  await page.getByTestId('signin-name').fill('dana');
  await page.getByTestId('signin-password').fill('temporary pass 1');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('change-password-form')).toBeVisible();
  // The server judges the new password; its refusal shows as it words it.
  await page.getByTestId('cp-current').fill('temporary pass 1');
  await page.getByTestId('cp-next').fill('short');
  await page.getByTestId('cp-again').fill('short');
  await page.getByTestId('cp-submit').click();
  await expect(page.getByTestId('cp-error')).toContainText('at least 12 characters');
  await page.getByTestId('cp-next').fill('my own choice 2026');
  await page.getByTestId('cp-again').fill('my own choice 2026');
  await page.getByTestId('cp-submit').click();
  await expect(page.getByTestId('whoami-name')).toHaveText('dana');

  await signOut(page);
  await signIn(page, desk, 'dana', 'my own choice 2026');
  await expect(page.getByTestId('change-password-form')).toHaveCount(0);
});
