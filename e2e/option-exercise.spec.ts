// Issue 18: an option exercise at a real expiry, seen on screen. The server runs on a clock of its own (serve --now,
// the drill clock, at the wall clock's pace) started 40 s before the demo's BTC June options expire (2026-06-26 08:00
// UTC, with their future BTC-26JUN26: settled in cash at its last mark, 57527.5, so the 84505 and 93895 puts are in
// the money and the calls are not). Before the expiry the house account holds its four BTC options; once the server's
// clock has passed it, an operator settles from Market data: the puts show exercised in cash, the calls expired
// worthless, and the account shows no option left open and each option's lots and cash, as the server has them.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { asUser } from './support/api.ts';
import type { AccountLifecycleView, LifecycleOverview } from '../shared/contractLifecycle.ts';

const EXPIRY = '2026-06-26T08:00:00.000Z';
const START = '2026-06-26T07:59:20Z';
const ACCOUNT = 'VOC-H01';
const BTC_OPTIONS = ['BTC-26JUN26-103285-C', 'BTC-26JUN26-84505-P', 'BTC-26JUN26-93895-C', 'BTC-26JUN26-93895-P'];

test.use({ deskAccounts: 60, deskNow: START });

test('an operator settles past a real option expiry: exercise and assignment in cash, the account\'s options closed, on screen', async ({ page, desk }) => {
  test.setTimeout(120_000);
  // The server's clock started at START no later than now: it is at least START + (Date.now() - t0) from here on.
  const t0 = Date.now();

  // Before the expiry: the house account holds its BTC options, and nothing has expired them.
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.goto(`${desk.url}#/accounts/${ACCOUNT}`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', ACCOUNT);
  for (const id of BTC_OPTIONS) await expect(page.locator(`[data-testid="positions-row"][data-instrument="${id}"]`)).toHaveCount(1);

  // Wait until the server's clock is surely past the expiry (a second to spare), then settle from Market data.
  const wait = t0 + (Date.parse(EXPIRY) - Date.parse(START)) + 1_000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.getByTestId('nav-market').click();
  await expect(page.getByTestId('lifecycle-panel')).toBeVisible();
  await page.getByTestId('lifecycle-run-submit').click();
  await expect(page.getByTestId('lifecycle-last')).toContainText('options expired');

  // What the server recorded, to hold the screen to.
  const { overview, mine } = await asUser(desk, 'viewer', async (api) => ({
    overview: await api<LifecycleOverview>('lifecycle.overview', {}),
    mine: await api<AccountLifecycleView>('lifecycle.account', { account: ACCOUNT }),
  }));
  const expired = new Map(overview.optionExpiries.map((o) => [o.instrument, o]));
  for (const id of BTC_OPTIONS) {
    const o = expired.get(id)!;
    expect(o, `${id} expired`).toBeTruthy();
    expect([o.expiry, o.underlyingPrice, o.rule, o.settles]).toEqual([EXPIRY, '57527.5', 'underlying_settlement', 'cash']);
    expect(o.inTheMoney).toBe(id.endsWith('-P'));
    const row = page.locator(`[data-testid="option-expiry-row"][data-instrument="${id}"]`);
    await expect(row).toContainText(o.inTheMoney ? 'exercised in cash' : 'expired worthless');
    await expect(row).toContainText('57527.5');
    await expect(row.locator('td').nth(5)).toHaveText(o.exercised);
    await expect(row.locator('td').nth(6)).toHaveText(o.assigned);
  }
  // The 84505 put is held long by VOC-H01 (1) and VOC-C0002 (2), and written by nobody in the demo book: 3 exercised.
  expect([expired.get('BTC-26JUN26-84505-P')!.exercised, expired.get('BTC-26JUN26-84505-P')!.assigned]).toEqual(['3', '0']);

  // The account: no option open any more, and each option's lots and cash as the server settled them.
  await page.goto(`${desk.url}#/accounts/${ACCOUNT}`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', ACCOUNT);
  // Its BTC-26JUN26 future expired with the options and settled at the same price.
  await expect(page.locator('[data-testid="positions-row"][data-instrument="BTC-26JUN26"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="account-expiry-row"][data-instrument="BTC-26JUN26"]')).toContainText('57527.5');
  for (const id of BTC_OPTIONS) await expect(page.locator(`[data-testid="positions-row"][data-instrument="${id}"]`)).toHaveCount(0);
  for (const id of BTC_OPTIONS) {
    const o = mine.options.find((x) => x.instrument === id)!;
    const row = page.locator(`[data-testid="account-option-row"][data-instrument="${id}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.locator('td').nth(4)).toHaveText(o.lots);
    await expect(row.locator('td').nth(5)).toHaveText('cash');
  }
  // The long 84505 put received its intrinsic value: (84505 - 57527.5) x 10 lots of 0.1 = 26977.5 USD, on screen too.
  expect(mine.options.find((x) => x.instrument === 'BTC-26JUN26-84505-P')!.cash).toBe('26977.5');
  await expect(page.locator('[data-testid="account-option-row"][data-instrument="BTC-26JUN26-84505-P"] td').nth(6)).toHaveText('26,977.50');
});
