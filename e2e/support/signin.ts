// Signing in through the console's own sign-in screen, as the desk does.
import { expect, type Page } from '@playwright/test';
import type { Desk } from '../fixtures.ts';

/** Opens the console at the URL `riskdesk serve` printed and signs in; resolves once the shell shows the user. */
export async function signIn(page: Page, desk: Desk, name: string, password: string): Promise<void> {
  await page.goto(desk.url);
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await page.getByTestId('signin-name').fill(name);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('whoami-name')).toHaveText(name);
}

/** Signs out through the rail and waits for the sign-in screen. */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('signout').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
}
