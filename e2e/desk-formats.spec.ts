// Issue 21 item 6: the desk works in UTC, and the console says so. Days are typed as ISO text marked UTC (a date
// input would show the machine's locale, 03/12/2026 or 12.03.2026, and not say UTC); a time standing alone says
// UTC; and the server's refusals write a time as the console does, not as raw ISO. The server runs on a clock of its
// own at the demo book's close, so the calls of a cycle as of the close are not yet due and Escalate is refused;
// the console counts the time left on that clock too.
import { test, expect, DEMO_LAST_MARK, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snap } from './support/screens.ts';
import { api } from './support/api.ts';
import type { LiquidationSummary, MarginCall } from '../shared/contract.ts';

test.use({ deskAccounts: 200, deskNow: DEMO_LAST_MARK });

/** "2026-03-13T01:00:00.000Z" as the desk reads it, written here from the rule, not by the console's formatter. */
const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

test('Escalate before the deadline is refused with the deadline written as the console writes times, in UTC', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const [open] = await api<MarginCall[]>(desk, 'operator', 'calls.list', { status: 'open' });
  expect(open, 'an open call after the cycle').toBeTruthy();
  const c = await api<MarginCall>(desk, 'operator', 'calls.get', { id: open!.id });
  expect(c.actions!.escalate.allowed, 'the server clock is at the close, before the deadline').toBe(false);

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.goto(`${desk.url}#/calls/${c.id}`);
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(c.id));
  await expect(page.getByTestId('call-deadline')).toHaveText(utc(c.deadline).replace(' UTC', ''));
  const why = page.getByTestId('escalate-why');
  await expect(why).toHaveText(`margin call ${c.id} is not overdue: its deadline is ${utc(c.deadline)}`);
  await expect(why).not.toHaveText(/\dT\d/);
  // The time left counts to the deadline on the server's clock, as the server judges overdue: not "late" by the
  // browser's clock (months after the demo book's close).
  await expect(page.getByTestId('call-detail').getByTestId('countdown')).toHaveText(/^(\d+h )?\d+m \d{2}s$/);
  await snap(page, testInfo, 'escalate-refused-utc');
});

test('report and replay days are typed as ISO text marked UTC; a day in another shape is refused by the server, named', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.getByTestId('nav-reports').click();
  const day = page.getByTestId('reports-day');
  await expect(page.getByText('Day (UTC)', { exact: true })).toBeVisible();
  await expect(day).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  await day.fill(DEMO_LAST_MARK.slice(0, 10));
  await page.getByTestId('reports-to-day').fill(DEMO_LAST_MARK.slice(0, 10));
  await page.getByTestId('reports-to-day').press('Enter');
  await expect(page.getByTestId('eod-report').locator('h2').first()).toHaveText(`End-of-day risk report, ${DEMO_LAST_MARK.slice(0, 10)} (UTC)`);
  await expect(page.getByTestId('eod-cycle')).toContainText(`as of ${utc(DEMO_LAST_MARK)}`);
  await snap(page, testInfo, 'reports-day-utc');

  // A day in a locale's shape is not guessed at: the server refuses it and says what a day is.
  await day.fill('03/12/2026');
  await day.press('Enter');
  await expect(page.getByTestId('reports-error')).toContainText('a day is YYYY-MM-DD (UTC)');

  await page.getByTestId('nav-market').click();
  await expect(page.getByText('From (UTC)', { exact: true })).toBeVisible();
  await expect(page.getByTestId('replay-from')).toHaveValue('2020-03-09');
  await expect(page.getByTestId('replay-to')).toHaveValue('2020-03-13');
});

test('alert times on the dashboard say UTC', async ({ page, desk }) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const first = page.getByTestId('alert').first();
  await expect(first).toBeVisible();
  await expect(first.locator('.at')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/);
});

test("the server's reasons write money as the console does: to the cent, with separators", async ({ page, desk }) => {
  await ensureCycle(desk);
  const live = await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { live: true });
  const big = live.find((l) => l.automation.why.includes('four-eyes'));
  expect(big, 'a live proposal above the four-eyes threshold').toBeTruthy();
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.getByTestId('nav-liquidations').click();
  const cell = page.locator(`[data-testid="liq-row"][data-row-id="${big!.id}"] [data-col="automation"]`);
  await cell.scrollIntoViewIfNeeded();
  await expect(cell).toHaveText(big!.automation.why);
  // "notional 4,892,148.28 is above the four-eyes threshold 1,000,000.00", not the raw 4892148.2802.
  await expect(cell).toContainText(/notional \d{1,3}(,\d{3})*\.\d{2} is above the four-eyes threshold \d{1,3}(,\d{3})*\.\d{2}/);
});
