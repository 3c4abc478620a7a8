// Issue 21 item 7 on a drill (a worker of its own: the drill fixture forces one): the Runner's steps table saves as
// CSV through the one writer, holding what the table shows.
import { test, expect } from './fixtures.ts';
import { runnerFor } from './support/drill.ts';
import { saved, shown } from './support/csv.ts';
import { snap } from './support/screens.ts';

test.use({ deskAccounts: 200, deskDrill: 'flash-crash' });

test('the Runner saves a run\'s steps as CSV, as its table shows them', async ({ browser, desk }, testInfo) => {
  const page = await runnerFor(browser, desk, 'supervisor');
  await expect(page.getByTestId('run-steps-row').first()).toBeVisible();
  const [head, ...rows] = await saved(page, 'run-steps-csv');
  const steps = await shown(page, 'run-steps');
  expect(head).toEqual(['#', 'Step', 'Signed by', 'Second', 'Started (UTC)', 'Ended (UTC)', 'Seconds', 'Target', 'Outcome']);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows).toEqual(steps.rows);
  await snap(page, testInfo, 'run-steps-csv');
  expect(rows[0]![0]).toBe(await page.getByTestId('run-steps-row').first().getAttribute('data-index'));
});
