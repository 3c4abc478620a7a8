// Issue 16, the console: a drill started from the Runner of a console on the live ledger. The server copies the
// ledger beside it (online backup), starts the run in the copy and moves the supervisor's console onto it: every
// screen says DRILL and reads the sandbox (the run is there, the live ledger has none; March 2020 moves the sandbox's
// marks, not the ledger's). A viewer is told why they may not start one; a second supervisor opens the same drill from
// their own console. Back on the live ledger, its database image (file and write-ahead log read as one) is byte-identical to
// before the start.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { ledgerImageSha } from './support/drill.ts';
import { signIn } from './support/signin.ts';
import { asUser } from './support/api.ts';

test.use({ deskAccounts: 250 });

/** The live ledger as the running server has it: every committed page, in the file or its write-ahead log. */
const onDisk = (file: string) => ledgerImageSha(file);

async function consoleOf(page: Page, user: keyof typeof DEMO_PASSWORDS, desk: Parameters<typeof signIn>[1]): Promise<void> {
  await signIn(page, desk, user, DEMO_PASSWORDS[user]);
  await page.getByTestId('nav-playbooks').click();
}

test('a drill started from the Runner: the console moves onto its sandbox, every screen says DRILL, a second person opens it; the live file is untouched', async ({ browser, desk }) => {
  test.setTimeout(150_000);
  const sup = await (await browser.newContext()).newPage();
  await consoleOf(sup, 'supervisor', desk);
  const viewer = await (await browser.newContext()).newPage();
  await consoleOf(viewer, 'viewer', desk);
  const sup2 = await (await browser.newContext()).newPage();
  await consoleOf(sup2, 'supervisor2', desk);

  // On the live ledger: no banner, no run; a viewer sees the drill button disabled with the server's reason.
  await expect(sup.getByTestId('drill-banner')).toHaveCount(0);
  await expect(sup.getByTestId('runs-empty')).toBeVisible();
  await expect(viewer.getByTestId('playbook-flash-crash-start-drill')).toBeDisabled();
  await expect(viewer.getByTestId('playbook-flash-crash-start-drill-why')).toContainText('operator');
  const before = onDisk(desk.db);

  // Drill events the desk cannot read are refused, saying how to write them; nothing is copied.
  await sup.getByTestId('playbook-inject').fill('storm@5');
  await sup.getByTestId('playbook-flash-crash-start-drill').click();
  await expect(sup.getByTestId('playbook-start-error')).toContainText('must look like stale@M..N');
  expect(fs.existsSync(`${desk.db}.drills`)).toBe(false);

  // The supervisor starts a flash-crash drill replaying March 2020, the feed going stale from its first minute.
  await sup.getByTestId('playbook-inject').fill('stale@0..30');
  await sup.getByTestId('playbook-scenario').selectOption('march-2020');
  await sup.getByTestId('playbook-flash-crash-start-drill').click();
  const banner = sup.getByTestId('drill-banner');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  const run = Number(/DRILL run (\d+)/.exec((await banner.textContent()) ?? '')?.[1]);
  expect(run).toBeGreaterThan(0);
  const sandbox = `${desk.db}.drills/run-${run}.db`;
  expect(fs.existsSync(sandbox)).toBe(true);
  // The Runner opens the drill's run in the sandbox; the supervisor takes its first step there.
  await expect(sup.getByTestId('run-panel')).toHaveAttribute('data-run', String(run));
  await expect(sup.getByTestId('run-mode')).toHaveText('drill');
  await expect(sup.getByTestId('current-step')).toHaveAttribute('data-index', '1');
  // The drill's clock beats in the sandbox: minute 0's stale feed happens with nobody taking a step.
  await expect(sup.getByTestId('run-event').first()).toHaveAttribute('data-kind', 'stale');
  await sup.getByTestId('run-step-submit').click();
  await expect(sup.getByTestId('current-step')).toHaveAttribute('data-index', '2');
  // Every screen says DRILL.
  for (const screen of ['dashboard', 'accounts', 'market', 'calls', 'playbooks']) {
    await sup.getByTestId(`nav-${screen}`).click();
    await expect(banner).toBeVisible();
  }

  // The other consoles are still on the ledger: no banner, no run. The second supervisor opens the drill.
  await viewer.reload();
  await expect(viewer.getByTestId('runs-empty')).toBeVisible();
  await expect(viewer.getByTestId('drill-banner')).toHaveCount(0);
  await expect(viewer.getByTestId(`run-${run}`)).toHaveCount(0);
  await sup2.reload();
  await sup2.getByTestId(`drill-enter-${run}`).click();
  await expect(sup2.getByTestId('drill-banner')).toContainText(`DRILL run ${run}`);
  await sup2.getByTestId(`run-${run}`).click();
  await expect(sup2.getByTestId('current-step')).toHaveAttribute('data-index', '2');

  // Both go back to the live ledger: the banner goes, the drill's run is not there.
  for (const page of [sup, sup2]) {
    await page.getByTestId('drill-leave').click();
    await expect(page.getByTestId('drill-banner')).toHaveCount(0);
    await page.getByTestId('nav-playbooks').click();
    await expect(page.getByTestId('runs-empty')).toBeVisible();
  }
  // Nothing the drill did reached the live file.
  expect(onDisk(desk.db)).toEqual(before);

  // The replayed crash moved the sandbox's marks, not the ledger's: read through a console on each.
  const mark = (points: { points: { at: string; mark: string }[] }[]) => points[0]!.points.at(-1);
  const history = { instruments: ['BTC-PERP'], limit: 1 };
  await asUser(desk, 'viewer', async (api) => {
    const live = mark(await api('prices.history', history));
    await api('playbooks.enter', { run });
    await expect.poll(async () => mark(await api('prices.history', history)), { timeout: 30_000 }).not.toEqual(live);
    await api('playbooks.leave', {});
    expect(mark(await api('prices.history', history))).toEqual(live);
  });
});
