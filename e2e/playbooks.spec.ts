// Issue 16, the console: a flash-crash drill, started on a copy of the demo ledger, worked in the Runner by two
// supervisors and an operator each signed in as themselves, while a replay of March 2020 moves the sandbox's book;
// every screen says DRILL; the run ends in its report, which prints to a PDF that pdftoppm renders and whose text
// holds the step titles. The live ledger the drill was copied from is byte-identical at the end.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { sha256, runnerFor } from './support/drill.ts';
import { api } from './support/api.ts';

test.use({ deskAccounts: 400, deskDrill: 'flash-crash' });

/** Takes the current step on `page` (with an outcome and note where given), and waits for the run to move on. */
async function take(page: Page, index: number, opts: { outcome?: string; note?: string } = {}): Promise<void> {
  const current = page.getByTestId('current-step');
  await expect(current).toHaveAttribute('data-index', String(index));
  if (opts.outcome) await page.getByTestId('run-step-outcome').selectOption(opts.outcome);
  if (opts.note) await page.getByTestId('run-step-note').fill(opts.note);
  await expect(page.getByTestId('run-step-submit')).toBeEnabled();
  await page.getByTestId('run-step-submit').click();
  await expect(page.getByTestId('run-step-error')).toHaveCount(0);
}

test('a flash-crash drill: two supervisors sign off in their own consoles while a replayed crash moves the book, to a report that prints to PDF', async ({ browser, desk }) => {
  test.setTimeout(180_000);
  const before = sha256(desk.live!);
  const sup = await runnerFor(browser, desk, 'supervisor');
  await expect(sup.getByTestId('run-mode')).toHaveText('drill');

  // Step 1, pause automation: the operator is told why not (the server's verdict); the supervisor performs it.
  const op = await runnerFor(browser, desk, 'operator');
  await expect(op.getByTestId('run-step-submit')).toBeDisabled();
  await expect(op.getByTestId('run-step-why')).toContainText('supervisor');
  await take(sup, 1);

  // A crash replayed into the sandbox: March 2020's daily closes, bridged intraday, at speed.
  const lastMark = async () => (await api<{ points: { at: string; mark: string }[] }[]>(desk, 'viewer', 'prices.history', { instruments: ['BTC-PERP'], limit: 1 }))[0]!.points.at(-1);
  const equity = async () => (await api<{ totals: { equity: string } }>(desk, 'viewer', 'dashboard.summary', {})).totals.equity;
  const markBefore = await lastMark();
  const equityBefore = await equity();
  await op.getByTestId('nav-market').click();
  await expect(op.getByTestId('drill-banner')).toBeVisible();
  await op.getByTestId('replay-from').fill('2020-03-11');
  await op.getByTestId('replay-to').fill('2020-03-13');
  await op.getByTestId('replay-steps').selectOption('24');
  await op.getByTestId('replay-speed').selectOption('3600');
  await op.getByTestId('replay-start').click();
  await expect(op.getByTestId('replay-state')).toHaveText('done', { timeout: 60_000 });
  const markAfter = await lastMark();
  expect(markAfter).not.toEqual(markBefore);

  // Step 2 is the operator's: the breakers checked.
  await op.getByTestId('nav-playbooks').click();
  await op.getByTestId(`run-${desk.drillRun}`).click();
  await take(op, 2, { note: 'BTC-PERP breaker tripped during the replay' });
  // The operator pauses the run: the supervisor's console shows it, and its step waits, saying why, until resumed.
  await op.getByTestId('run-pause-reason').fill('bridge call dropped');
  await op.getByTestId('run-pause-submit').click();
  await expect(sup.getByTestId('run-paused')).toContainText('Paused by operator: bridge call dropped');
  await expect(sup.getByTestId('run-step-submit')).toBeDisabled();
  await expect(sup.getByTestId('run-step-why')).toContainText('resume it first');
  await expect(sup.getByTestId('step-timer')).toContainText('paused');
  await op.getByTestId('run-resume-submit').click();
  await expect(sup.getByTestId('run-paused')).toHaveCount(0);
  // Step 3 chooses: prices confirmed skips the correction.
  await take(sup, 3, { outcome: 'prices confirmed', note: 'second source agrees' });
  await take(sup, 5);
  // The cycle of step 5 values the book at the replayed marks: the desk's totals moved.
  await expect.poll(equity, { timeout: 10_000 }).not.toBe(equityBefore);
  // Step 6, every proposal reviewed: four eyes. The first signer waits, told why; the second supervisor signs.
  await take(sup, 6, { note: 'proposals reviewed' });
  await expect(sup.getByTestId('current-first-signer')).toContainText('supervisor');
  await expect(sup.getByTestId('run-step-submit')).toBeDisabled();
  await expect(sup.getByTestId('run-step-why')).toContainText('second, different person');
  // The second sign-off waits in supervisor2's Inbox, and is taken there.
  const sup2 = await runnerFor(browser, desk, 'supervisor2');
  await sup2.getByTestId('nav-inbox').click();
  const waiting = sup2.locator('[data-testid="inbox-item"][data-kind="playbook"]');
  await expect(waiting.getByTestId('inbox-summary')).toContainText('step 6 "Review every liquidation proposal by hand"');
  await waiting.getByTestId('inbox-confirm').click();
  await expect(sup2.locator('[data-testid="inbox-item"][data-kind="playbook"]')).toHaveCount(0);
  await sup2.getByTestId('nav-playbooks').click();
  await sup2.getByTestId(`run-${desk.drillRun}`).click();
  await take(sup2, 7);
  await take(sup, 8, { note: 'breakers reset' });

  // The report: every step with who signed, the four-eyes step with both.
  for (const p of [sup, sup2]) await expect(p.getByTestId('run-status')).toHaveText('done', { timeout: 10_000 });
  const report = sup.getByTestId('run-report');
  await expect(report).toBeVisible();
  const rows = report.getByTestId('report-steps-row');
  await expect(rows).toHaveCount(7);
  const review = report.locator('[data-testid="report-steps-row"][data-index="6"]');
  await expect(review.getByTestId('report-steps-actor')).toHaveText('supervisor');
  await expect(review.getByTestId('report-steps-second')).toHaveText('supervisor2');
  await expect(report.locator('[data-testid="report-steps-row"][data-index="2"]').getByTestId('report-steps-actor')).toHaveText('operator');
  await expect(report.getByTestId('run-report-score')).toContainText('steps on time');
  await expect(report.getByTestId('report-decisions')).toContainText('Verify prices against a second source: prices confirmed');
  await expect(report.getByTestId('report-cover')).toContainText('end');
  // Cover-1 and Cover-2 read as money, to the cent with separators, as everywhere else on screen (not 30353338.963).
  const end = report.getByTestId('report-cover').locator('tbody tr').filter({ hasText: /^end/ });
  for (const i of [2, 3, 4]) await expect(end.locator('td').nth(i)).toHaveText(/^(\d{1,3}(,\d{3})*\.\d{2}|—)$/);
  await expect(end.locator('td').nth(2)).toHaveText(/^\d{1,3}(,\d{3})*\.\d{2}$/);
  await sup.screenshot({ path: test.info().outputPath('drill-report.png'), fullPage: true });

  // Chromium's print of the report, read back with poppler: at least one page, and every step title in its text.
  const pdf = test.info().outputPath('drill-report.pdf');
  await sup.emulateMedia({ media: 'print' });
  await sup.pdf({ path: pdf, printBackground: true });
  const png = spawnSync('pdftoppm', ['-png', '-r', '40', pdf, path.join(path.dirname(pdf), 'page')], { encoding: 'utf8' });
  expect(png.status, png.stderr).toBe(0);
  expect(fs.readdirSync(path.dirname(pdf)).filter((f) => /^page-\d+\.png$/.test(f)).length).toBeGreaterThan(0);
  const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  expect(text.status, text.stderr).toBe(0);
  const titles = await rows.locator('td:nth-child(2)').allTextContents();
  for (const title of titles) expect(text.stdout.replace(/\s+/g, ' ')).toContain(title);

  // The live ledger the drill was copied from: not a byte changed.
  expect(sha256(desk.live!)).toBe(before);
});
