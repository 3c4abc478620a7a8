// Issue 21 item 3, the metrics desks read, as a person sees them in Accounts: the distances columns (margin ratio,
// utilisation, excess, the price move to call, liquidation and bankruptcy) sorted by the move to liquidation, and
// the account detail's moves per underlying, each the server's figure. Screenshots at 1600x1000 and 1280x800.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snapDeskSizes } from './support/screens.ts';
import { api } from './support/api.ts';
import { decimal } from './support/shown.ts';
import type { AccountDetail, AccountsTable } from '../shared/contract.ts';
import type { AccountsMoves } from '../shared/contractMetrics.ts';

test.use({ viewport: { width: 1600, height: 1000 } });

const snapBoth = snapDeskSizes;

const size = (p: string) => Math.abs(Number(p));

test('Accounts sorted by distance to liquidation: nearest first, each row the server\'s move, ratios beside', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const moves = await api<AccountsMoves>(desk, 'viewer', 'accounts.moves', {});
  const table = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  await expect(page.getByTestId('account-row').first()).toBeVisible();
  // The figures to the cent, right-aligned, before the distances.
  await expect(page.locator('[data-testid="account-row"] [data-col="equity"]').first()).toHaveText(/^-?[\d,]+\.\d\d$/);
  await snapBoth(page, testInfo, 'accounts-figures');
  await page.getByTestId('columns-distances').click();
  await expect(page.getByTestId('columns-distances')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('[data-testid="account-row"] [data-col="toLiquidation"]').first()).not.toContainText('…');

  await page.getByTestId('sort-toLiquidation').click();
  const rows = page.getByTestId('account-row');
  await expect(rows.first()).toBeVisible();
  const shown = await rows.evaluateAll((els) =>
    els.slice(0, 20).map((r) => {
      const c = (k: string) => r.querySelector<HTMLElement>(`[data-col="${k}"]`)!;
      return { id: c('id').innerText.trim(), percent: c('toLiquidation').dataset.percent!, underlying: c('toLiquidation').dataset.underlying!, ratio: c('marginRatio').innerText.trim() };
    }),
  );
  expect(shown.length).toBeGreaterThan(10);
  // Nearest first, and the nearest of the whole book: no account has a smaller move than the first row.
  const all = moves.columns.toLiquidation.filter((m) => m !== null).map((m) => size(m!.percent));
  expect(size(shown[0]!.percent)).toBe(Math.min(...all));
  for (let k = 1; k < shown.length; k++) expect(size(shown[k]!.percent)).toBeGreaterThanOrEqual(size(shown[k - 1]!.percent));
  for (const r of shown) {
    const i = moves.columns.id.indexOf(r.id);
    expect(moves.columns.toLiquidation[i]).toMatchObject({ underlying: r.underlying, percent: r.percent });
    const exact = table.columns.marginRatio[i] ?? null;
    expect(r.ratio).toBe(exact === null ? '—' : exact.slice(0, exact.indexOf('.') + 4));
  }
  await snapBoth(page, testInfo, 'accounts-distances');

  // Filtered to accounts within 10% of liquidation: every row shown is, and as many as the server's moves say.
  await page.getByTestId('filter-liq-within').fill('10');
  const within = moves.columns.toLiquidation.filter((m) => m !== null && size(m.percent) <= 10).length;
  await expect(page.getByTestId('accounts-shown')).toHaveAttribute('data-count', String(within));
  const pct = await page.locator('[data-testid="account-row"] [data-col="toLiquidation"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.percent!));
  for (const p of pct) expect(size(p)).toBeLessThanOrEqual(10);
  await page.getByTestId('filter-clear').click();

  // The detail: the moves per underlying are the server's.
  // The grid says "now" where the account is there already.
  const already = shown.find((r) => moves.columns.toLiquidation[moves.columns.id.indexOf(r.id)]!.already);
  if (already) await expect(page.locator('[data-testid="account-row"]').filter({ hasText: already.id }).locator('[data-col="toLiquidation"]')).toHaveText('now');
  const far = shown.find((r) => r.percent !== '0.00') ?? shown[0]!;
  await page.locator('[data-testid="account-row"]').filter({ hasText: far.id }).first().click();
  await page.keyboard.press('Enter');
  const detail = await api<AccountDetail>(desk, 'viewer', 'accounts.detail', { id: far.id });
  const panel = page.getByTestId('detail-metrics');
  await expect(panel).toBeVisible();
  for (const m of detail.metrics.moves) {
    const row = panel.locator(`[data-testid="detail-metrics-move"][data-underlying="${m.underlying}"]`);
    const cells = await row.locator('td').allInnerTexts();
    const asShown = (which: 'call' | 'liquidation' | 'bankruptcy', v: string | null) =>
      detail.metrics.nearest[which]?.already ? 'now' : v === null ? 'none' : `${Number(v) > 0 ? '+' : ''}${v}%`;
    expect(cells.map((c) => c.replace(/\s/g, ''))).toEqual([m.underlying, asShown('call', m.call), asShown('liquidation', m.liquidation), asShown('bankruptcy', m.bankruptcy)]);
  }
  await expect(page.getByTestId('detail-metrics-excess')).toBeVisible();
  // Per position, the call price is the server's, every digit, as the table writes it.
  for (const x of detail.metrics.positions) {
    if (x.call === null || x.call.already) continue;
    const cell = panel.locator(`[data-testid="detail-metrics-price"][data-instrument="${x.instrument}"] [data-col="call"]`);
    await expect(cell).toHaveText(decimal(x.call.price, 0));
  }
  await snapBoth(page, testInfo, 'account-detail-distances');
});
