// What the drill specs share: the live file's fingerprint (a drill must leave it byte-identical) and a person's
// Runner on the worker's drill, in a browser context of their own.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { expect, DEMO_PASSWORDS, type Desk } from '../fixtures.ts';
import { signIn } from './signin.ts';

export const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** `user` signed in on a console of their own, on the drill's run in the Runner. */
export async function runnerFor(browser: Browser, desk: Desk, user: keyof typeof DEMO_PASSWORDS): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, desk, user, DEMO_PASSWORDS[user]);
  await expect(page.getByTestId('drill-banner')).toBeVisible();
  await page.getByTestId('nav-playbooks').click();
  await page.getByTestId(`run-${desk.drillRun}`).click();
  return page;
}
