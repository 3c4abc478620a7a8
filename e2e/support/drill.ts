// What the drill specs share: the live ledger's fingerprint (a drill must leave it byte-identical) and a person's
// Runner on the worker's drill, in a browser context of their own.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { expect, DEMO_PASSWORDS, NODE, ROOT, type Desk } from '../fixtures.ts';
import { signIn } from './signin.ts';

export const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * The ledger as a database sees it (its committed WAL pages included), hashed, by the project's Node (better-sqlite3
 * is built for it), read-only: "not a byte changed" for a ledger a running console holds open. Its files alone are
 * not that: the console's checkpoint thread copies committed WAL frames into the main file at any moment.
 */
export function ledgerImageSha(file: string): string {
  const script = [
    "const Database = require('better-sqlite3');",
    "const { createHash } = require('node:crypto');",
    'const db = new Database(process.argv[1], { readonly: true, fileMustExist: true });',
    "process.stdout.write(createHash('sha256').update(db.serialize()).digest('hex'));",
  ].join('\n');
  const r = spawnSync(NODE, ['-e', script, file], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** `user` signed in on a console of their own, on the drill's run in the Runner. */
export async function runnerFor(browser: Browser, desk: Desk, user: keyof typeof DEMO_PASSWORDS): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, desk, user, DEMO_PASSWORDS[user]);
  await expect(page.getByTestId('drill-banner')).toBeVisible();
  await page.getByTestId('nav-playbooks').click();
  await page.getByTestId(`run-${desk.drillRun}`).click();
  return page;
}
