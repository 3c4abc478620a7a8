// Issue 17: the demo book's options desk (main/demo/optionsDesk.ts) as the desk sees it before any cycle: an account
// with options shows its greeks and its combined commodity's risk-array chart. A desk of its own (150 accounts), read
// as of the book's close: a cycle as of the real now would find the demo's options long expired.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { asUser } from './support/api.ts';
import type { AccountCommodities } from '../shared/contractPortfolio.ts';
import type { AccountDetail, WhatIfResult } from '../shared/contract.ts';

test.use({ deskAccounts: 150, viewport: { width: 1280, height: 900 } });

test('the demo book\'s options desk: an account with options shows its greeks and its risk-array chart', async ({ page, desk }) => {
  const want = await asUser(desk, 'viewer', (api) => api<AccountCommodities>('accounts.commodities', { id: 'VOC-H01' }));
  expect(want.commodities.map((c) => c.underlying)).toEqual(['BTC']);
  expect(want.positions.length).toBe(4);

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/VOC-H01`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', 'VOC-H01');
  const box = page.getByTestId('detail-commodities').locator('[data-testid="commodity"][data-underlying="BTC"]');
  await expect(box.getByTestId('commodity-chart')).toHaveAttribute('data-points', '16');
  await expect(box.locator('canvas').first()).toBeVisible();
  await expect(box).toHaveAttribute('data-worst', String(want.commodities[0]!.worst.scenario));
  // One greeks row per option, and the account's delta as the server sums it.
  await expect(page.getByTestId('detail-greeks-row')).toHaveCount(4);
  const shown = (await page.getByTestId('detail-greeks-delta').innerText()).replace(/[,\s+]/g, '').replace('\u2212', '-');
  expect(Number(shown)).toBeCloseTo(Number(want.greeks!.delta), 6);
});

test('an options-desk account shows its portfolio positions\' scanned liquidation prices, on the underlying future', async ({ page, desk }) => {
  const want = await asUser(desk, 'viewer', (api) => api<AccountDetail>('accounts.detail', { id: 'VOC-H01' }));
  const option = want.positions.find((p) => p.instrument.startsWith('BTC-26JUN26-') && p.liquidation.state === 'price')!;
  expect(option.liquidation.text).toMatch(/^If BTC-26JUN26 (falls|rises) past/);

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/VOC-H01`);
  const row = page.locator(`[data-testid="positions-row"][data-instrument="${option.instrument}"]`);
  const liq = row.getByTestId('positions-liq');
  await expect(liq).toHaveAttribute('data-state', 'price');
  await expect(liq).toHaveAttribute('title', option.liquidation.text);
  // Its trace opens on the search: the account at the ticks on both sides of the price.
  await row.getByTestId('positions-liq-explain').click();
  await expect(page.getByText('the first tick there')).toBeVisible();
});

test('a what-if shock on an options-desk account shows its portfolio positions scanned again from the shocked prices', async ({ page, desk }) => {
  const want = await asUser(desk, 'viewer', (api) => api<WhatIfResult>('accounts.whatif', { id: 'VOC-H01', shocks: { BTC: '-0.04' } }));
  const option = want.positions.find((p) => p.instrument.startsWith('BTC-26JUN26-') && p.liquidation.state === 'price')!;
  expect(option.liquidation.text).toMatch(/^Under the shock, if BTC-26JUN26 (falls|rises) past/);

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/VOC-H01`);
  await page.getByTestId('whatif-shock-BTC').fill('-4');
  await page.getByTestId('whatif-run').click();
  const liq = page.locator(`[data-testid="whatif-positions-row"][data-instrument="${option.instrument}"]`).getByTestId('whatif-positions-liq');
  await expect(liq).toHaveAttribute('data-state', 'price');
  await expect(liq).toHaveAttribute('title', option.liquidation.text);
});
