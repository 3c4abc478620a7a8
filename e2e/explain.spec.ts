// Issue 21 item 1, "Explain any figure", as a person at the desk uses it: a figure on screen opens (click, or Enter
// on it) into its trace, and the trace shows the formula, the inputs with their sources and every step, with the
// figure itself the same number the screen showed. Screenshots at 1600x1000 and 1280x800.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snapDeskSizes } from './support/screens.ts';
import { api, asUser } from './support/api.ts';
import type { AccountDetail, AccountsTable, LiquidationDetail, LiquidationSummary, MarginCall } from '../shared/contract.ts';
import type { FigureTrace } from '../shared/contractExplain.ts';

test.use({ viewport: { width: 1600, height: 1000 } });

const snapBoth = snapDeskSizes;

/** "1,234.5" as the screen shows it -> "1234.5". */
const plain = (s: string) => s.replace(/,/g, '').replace(/\s*USD$/, '').trim();
/** The same number whatever trailing zeros it is written with (a trace keeps all 8 places, a table trims them). */
const num = (s: string) => plain(s).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

test('a margin call\'s amount opens into its trace: the tier row and the mark with its time, and the same amount', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const call = (await api<MarginCall[]>(desk, 'viewer', 'calls.list', { status: 'open' })).find((c) => c.deposited === '0');
  expect(call, 'the demo cycle issues open calls').toBeTruthy();
  const expected = await api<FigureTrace>(desk, 'viewer', 'explain.figure', { account: call!.account, figure: 'call' });
  const detail = await api<AccountDetail>(desk, 'viewer', 'accounts.detail', { id: call!.account });

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/calls/${call!.id}`);
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(call!.id));
  const shownAmount = plain(await page.getByTestId('call-amount').innerText());
  await page.getByTestId('call-amount-explain').click();

  const trace = page.getByTestId('trace');
  await expect(trace).toBeVisible();
  await expect(page.getByTestId('trace-title')).toHaveText(`Margin call of ${call!.account}`);
  // The figure in the trace is the amount the screen showed, to the cent and beyond.
  const value = plain(await page.getByTestId('trace-value').innerText());
  expect(Number(value)).toBe(Number(shownAmount));
  expect(await page.getByTestId('trace-value').getAttribute('data-value')).toBe(expected.value);
  await expect(page.getByTestId('trace-section')).toContainText('§6');

  // The tier row it rests on, named by its ledger row, and the mark with its time and source.
  const tierRow = trace.getByTestId('trace-input').filter({ hasText: 'instrument_tiers row' }).first();
  await expect(tierRow).toBeVisible();
  await expect(tierRow).toContainText(/mmr \d/);
  const p = detail.positions[0]!;
  const markRow = trace.locator(`[data-testid="trace-input"][data-name="${p.instrument} mark"]`);
  await expect(markRow).toContainText(/prices row: .* at \d{4}-\d\d-\d\dT.*\(source /);
  expect(plain(await markRow.locator('td').nth(1).innerText())).toBe(p.mark);
  // The last step is the call amount.
  const last = trace.getByTestId('trace-step').last();
  await expect(last).toHaveAttribute('data-label', 'Call amount');
  await snapBoth(page, testInfo, 'trace-call');

  await page.keyboard.press('Escape');
  await expect(trace).toBeHidden();
  await expect(page.getByTestId('call-detail')).toBeVisible();
});

test('an account\'s figures open into their traces, by click and by keyboard, each equal to the figure shown', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const id = await asUser(desk, 'viewer', async (call) => {
    const t = await call<AccountsTable>('accounts.list', {});
    const i = t.columns.status.findIndex((s) => s === 'call');
    return t.columns.id[i]!;
  });
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/${id}`);
  const detail = page.getByTestId('account-detail');
  await expect(detail).toHaveAttribute('data-account', id);

  // MM by click: the trace's figure is the figure in the panel, and its last step sums the positions.
  // The panel shows money to the cent; the exact figure it holds is the trace's.
  const mmShown = (await page.getByTestId('detail-figures-mm-current').locator('[data-value]').getAttribute('data-value'))!;
  await page.getByTestId('detail-figures-mm-explain').click();
  await expect(page.getByTestId('trace-title')).toHaveText(`Maintenance margin of ${id}`);
  expect(plain(await page.getByTestId('trace-value').innerText())).toBe(mmShown.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
  await expect(page.getByTestId('trace-formula')).toContainText('notional × mmr_n − cum_n');
  await expect(page.getByTestId('trace-step').last()).toHaveAttribute('data-label', 'MM of the account');
  await snapBoth(page, testInfo, 'trace-mm');
  await page.keyboard.press('Escape');

  // Health by keyboard: focus the figure, press Enter.
  const healthShown = (await page.getByTestId('detail-figures-health-current').innerText()).trim();
  await page.getByTestId('detail-figures-health-explain').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('trace-title')).toHaveText(`Health of ${id}`);
  expect((await page.getByTestId('trace-value').innerText()).trim()).toBe(healthShown);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('trace')).toBeHidden();

  // A position's bankruptcy price: the trace's BP step is the price in the table.
  const row = page.getByTestId('positions-row').first();
  const bpShown = plain(await row.getByTestId('positions-bp').innerText());
  await row.getByTestId('positions-bp-explain').click();
  await expect(page.getByTestId('trace-title')).toContainText('Bankruptcy price of');
  const bpStep = page.locator('[data-testid="trace-step"][data-label="BP"] td').last();
  expect(num(await bpStep.innerText())).toBe(num(bpShown));
  await expect(page.getByTestId('trace-inputs')).toContainText('TNC');
  await page.keyboard.press('Escape');
});

test('a liquidation order\'s engine quantity opens into the plan\'s trace: shortfall, estimated price, and one lot fewer misses the target', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const d = await asUser(desk, 'viewer', async (call) => {
    for (const s of await call<LiquidationSummary[]>('liquidations.list', {})) {
      const x = await call<LiquidationDetail>('liquidations.get', { id: s.id });
      if (x.orders.some((o) => !o.isolated && o.proposedQuantity !== '0')) return x;
    }
    return null;
  });
  expect(d, 'a proposal with a cross order').not.toBeNull();
  const order = d!.orders.find((o) => !o.isolated)!;
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${d!.id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open liquidation #${d!.id}` }).click();
  const o = page.locator(`[data-testid="liq-order"][data-instrument="${order.instrument}"]`);
  await o.getByTestId('liq-order-explain').click();
  await expect(page.getByTestId('trace-title')).toHaveText(`Liquidation plan quantity of ${order.instrument} in ${d!.account}`);
  expect(plain(await page.getByTestId('trace-value').innerText())).toBe(order.proposedQuantity);
  await expect(page.locator('[data-testid="trace-step"][data-label="S (shortfall)"]')).toBeVisible();
  await expect(page.locator('[data-testid="trace-step"][data-label="P (estimated price)"]')).toBeVisible();
  await expect(page.getByTestId('trace-steps')).toContainText('target');
  await snapBoth(page, testInfo, 'trace-plan');
  await page.keyboard.press('Escape');
});
