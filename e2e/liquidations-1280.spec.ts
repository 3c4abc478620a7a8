// Issue 22: at 1280 px the liquidation detail was cut off (the queue and the panel each asked for 600 px). Now the
// queue gives way, the panel fits the window, and the orders table scrolls sideways inside the panel. Issue 21: the
// desk reads every column of the orders, the last ones (fees, bankruptcy price) included.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snap } from './support/screens.ts';
import { api } from './support/api.ts';
import type { Locator } from '@playwright/test';
import type { LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';

test.use({ viewport: { width: 1280, height: 800 } });

test('at 1280 x 800 the liquidation detail fits the window, and its orders scroll inside it', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const [l] = await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { live: true });
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Alt+6');
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${l!.id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open liquidation #${l!.id}` }).click();
  const detail = page.getByTestId('liq-detail');
  await expect(detail).toBeVisible();
  const box = await detail.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
  const orders = page.getByTestId('liq-orders').locator('..');
  const o = await orders.boundingBox();
  expect(o!.x + o!.width).toBeLessThanOrEqual(box!.x + box!.width);
  // The decision sits below the figures and orders; the panel scrolls to it (a proposal above the four-eyes threshold
  // says so above the button), and once there the button is in the window, not cut off beside it.
  await page.getByTestId('liq-approve-submit').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('liq-approve-submit')).toBeInViewport();
  const approve = await page.getByTestId('liq-approve-submit').boundingBox();
  expect(approve!.x + approve!.width).toBeLessThanOrEqual(box!.x + box!.width);
  // Every column of the orders can be read inside the panel: a plan of one order (the demo's newest proposal) shows
  // them all as it opens, the last ones (fees, the bankruptcy price) included; a wider plan scrolls sideways inside
  // the panel to them, never cut off at the panel's edge.
  const full = await api<LiquidationDetail>(desk, 'viewer', 'liquidations.get', { id: l!.id });
  await page.getByTestId('liq-orders').scrollIntoViewIfNeeded();
  const right = box!.x + box!.width;
  const inPanel = async (cell: Locator, what: string) => {
    if (full.orders.length > 1) await cell.scrollIntoViewIfNeeded();
    const b = await cell.boundingBox();
    expect(b!.x + b!.width, `${what} inside the panel`).toBeLessThanOrEqual(right);
    await expect(cell).toBeInViewport({ ratio: 0.99 });
  };
  for (const heading of ['Order', 'Engine qty', 'Desk qty', 'Est. price', 'Notional', 'Fees', 'Bankruptcy']) {
    await inPanel(page.getByTestId('liq-orders').locator('th').filter({ hasText: heading }), `the ${heading} heading`);
  }
  const bankruptcy = page.getByTestId('liq-order').first().locator('td').last();
  await expect(bankruptcy).toHaveText(/^(-?[\d,]+(\.\d{1,2})?|—)$/);
  await inPanel(bankruptcy, 'the first order\'s bankruptcy price');
  await snap(page, testInfo, 'liquidation-detail-1280');
});
