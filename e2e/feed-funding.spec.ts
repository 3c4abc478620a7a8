// Issue 18: a perpetual's funding rate from the live feed, in the console. `riskdesk serve --feed FILE` follows a file
// of NDJSON lines; a funding-rate mark appended to it rates the coming funding time (Market data's next 30 days show
// it, without a reload), a mark outside the feed's bound is refused and the feed bar names it, and once the funding
// time has passed an operator pays it from Market data at the feed's latest rate.
import fs from 'node:fs';
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';

test.use({ deskAccounts: 100, deskFeed: true });

test('a funding rate from the feed rates the coming funding time, a wild one is refused, and the time is paid at the latest rate', async ({ page, desk }) => {
  test.setTimeout(90_000);
  // The funding time a few seconds ahead of the server's clock (the wall clock here), on a whole second.
  const fundingTime = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
  const mark = (fundingRate: string) => `${JSON.stringify({ instrument: 'BTC-PERP', fundingRate, fundingTime, time: new Date(Date.now() - 200).toISOString() })}\n`;

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-market').click();
  await expect(page.getByTestId('lifecycle-panel')).toBeVisible();

  fs.appendFileSync(desk.feed!, mark('0.0002'));
  const ladderRow = page.getByTestId('lifecycle-ladder-row').filter({ hasText: 'BTC-PERP' });
  // The ladder is read when Market data opens: open it again to read the feed's rate.
  await expect(async () => {
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('nav-market').click();
    await expect(ladderRow).toContainText('0.0002', { timeout: 1_000 });
  }).toPass({ timeout: 10_000 });

  // A wild rate (50% an interval) is refused and named; a later sane one replaces the first.
  fs.appendFileSync(desk.feed!, mark('0.5'));
  fs.appendFileSync(desk.feed!, mark('-0.000125'));
  await page.getByTestId('feed-toggle').click();
  await expect(page.getByTestId('feed-detail')).toContainText(/rate 0\.5 lies outside -0\.03 to 0\.03 per interval/);
  await page.getByTestId('feed-toggle').click();

  // Past the funding time, the operator settles and pays: BTC-PERP's funding at the feed's latest rate, once.
  const wait = Date.parse(fundingTime) + 1_000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.getByTestId('lifecycle-run-submit').click();
  await expect(page.getByTestId('lifecycle-last')).toContainText('funding times paid');
  const paid = page.getByTestId('funding-history-row').filter({ hasText: 'BTC-PERP' });
  await expect(paid).toHaveCount(1);
  await expect(paid).toContainText('-0.000125');
});
