// Issue 21 items 4 and 5 as a person sees them, in browser mode: the Accounts detail shows each collateral haircut
// with the rule that set it (a crypto class minimum and a BTC daily volume set through four eyes), and a closed-out
// default shows the CCP and crypto-venue layouts side by side, with the figures the server computed.
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap, snapDeskSizes, ensureCycle } from './support/screens.ts';
import { api, asUser } from './support/api.ts';
import { compareLayouts } from './support/defaults.ts';
import type { AccountDetail, AccountsTable } from '../shared/contract.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { InsuranceFundView, LayoutComparison } from '../shared/contractFunds.ts';

test.use({
  viewport: { width: 1600, height: 1000 },
  deskAccounts: 600,
  deskPolicy: { insuranceFeeRate: '0.002', 'classHaircut:crypto': '0.12', 'dailyVolume:BTC': '20000000' },
});

/** A number as the console prints it (thousands separators, a minus sign). */
const shown = (text: string): number => Number(text.replace(/[,\s+]/g, '').replace('−', '-'));

/** The account with the largest BTC holding among the first accounts of the grid (through the API). */
async function btcHolder(desk: Desk): Promise<{ id: string; detail: AccountDetail }> {
  await ensureCycle(desk);
  const best = await asUser(desk, 'viewer', async (call) => {
    const t = await call<AccountsTable>('accounts.list', {});
    let found: { id: string; detail: AccountDetail; value: number } | null = null;
    for (const id of t.columns.id.slice(0, 80)) {
      const d = await call<AccountDetail>('accounts.detail', { id });
      const btc = d.collateral.find((c) => c.asset === 'BTC');
      if (btc && Number(btc.value) > (found?.value ?? 0)) found = { id, detail: d, value: Number(btc.value) };
    }
    return found;
  });
  expect(best, 'an account holds BTC').not.toBeNull();
  return best!;
}

test('the Accounts detail shows each haircut and the rule that set it', async ({ page, desk }, testInfo) => {
  const { id, detail } = await btcHolder(desk);
  const btc = detail.collateral.find((c) => c.asset === 'BTC')!;
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/${id}`);
  const panel = page.getByTestId('account-detail');
  await expect(panel).toHaveAttribute('data-account', id);
  const row = panel.getByTestId('collateral-row').filter({ hasText: 'BTC' });
  await expect(row).toBeVisible();
  // Haircut and value as the server gave them, to the cent.
  expect(shown(await row.locator('td').nth(3).innerText())).toBeCloseTo(Number(btc.haircut), 2);
  expect(shown(await row.locator('td').nth(4).innerText())).toBeCloseTo(Number(btc.value), 2);
  // The rule under the row names the class minimum, the daily volume and the policy version.
  const rules = panel.getByTestId('collateral-rule');
  await expect(rules.filter({ hasText: 'BTC schedule row' })).toContainText('classHaircut:crypto');
  await expect(rules.filter({ hasText: 'BTC schedule row' })).toContainText(btc.haircutRule!);
  await expect(rules.filter({ hasText: 'BTC schedule row' })).toContainText(/policy v\d+$/);
  await row.scrollIntoViewIfNeeded();
  await snapDeskSizes(page, testInfo, 'account-collateral-rules');
});

test('a closed-out default shows the CCP and crypto venue layouts side by side', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  // A loss past the defaulter's margin and the insurance fund: one of TWC's client accounts owes 400M USD (a failed
  // settlement, imported as a USD debit) before the default.
  const t = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  const client = t.columns.id.find((_, i) => t.columns.member[i] === 'TWC' && t.columns.kind[i] === 'client')!;
  await api(desk, 'operator', 'import.csv', { kind: 'collateral', file: 'debit.csv', text: `account,asset,quantity\n${client},USD,-400000000\n` });
  const asked = await api<DefaultCaseDetail>(desk, 'supervisor', 'default.declare', { member: 'TWC', reason: 'failed settlement (e2e layouts)' });
  await api(desk, 'supervisor2', 'default.confirm', { case: asked.id });
  await api(desk, 'supervisor', 'default.closeOut', { case: asked.id });
  const expected = await api<LayoutComparison>(desk, 'viewer', 'default.layouts', { case: asked.id, crypto: ['adl', 'socialisedLoss'], ccp: ['socialisedLoss'] });
  const fund = await api<InsuranceFundView>(desk, 'viewer', 'funds.insurance', {});

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const panel = await compareLayouts(page, asked.id);

  // The close-out loss, and every layer of both layouts with what it used; a layer one layout lacks shows a dash.
  expect(shown(await panel.getByTestId('layouts-loss').innerText())).toBeCloseTo(Number(expected.closeOutLoss), 2);
  const layer = (layout: 'ccp' | 'crypto', name: string) => panel.locator(`[data-testid="layouts-layer"][data-layout="${layout}"][data-layer="${name}"]`);
  // Each layout's layers in its own order: the crypto venue's are margin, insurance fund, ADL, socialised loss.
  await expect(panel.locator('[data-testid="layouts-layer"][data-layout="crypto"] td:first-child')).toHaveText([
    "Defaulter's margin",
    'Insurance fund',
    'Auto-deleveraging',
    'Socialised loss',
    'Uncovered',
  ]);
  await expect(panel.locator('[data-testid="layouts-layer"][data-layout="ccp"] td:first-child')).toHaveText([
    "Defaulter's margin",
    "Defaulter's default fund",
    'CCP first tranche',
    'Default fund (survivors)',
    'CCP second tranche',
    'Assessments',
    'Socialised loss',
    'Uncovered',
  ]);
  // The crypto layout's insurance fund is the fund's balance.
  expect(expected.layouts[1].layers[1]!.available).toBe(fund.balance);
  expect(Number(fund.balance)).toBeGreaterThan(0);
  expect(shown(await layer('crypto', 'insuranceFund').locator('[data-col="available"]').innerText())).toBeCloseTo(Number(fund.balance), 2);
  for (const [i, col] of [[0, 'ccp'], [1, 'crypto']] as const) {
    for (const l of expected.layouts[i].layers) {
      expect(shown(await layer(col, l.name).locator('[data-col="used"]').innerText()), `${col} ${l.name}`).toBeCloseTo(Number(l.used), 2);
      expect(shown(await layer(col, l.name).locator('[data-col="available"]').innerText()), `${col} ${l.name}`).toBeCloseTo(Number(l.available), 2);
    }
    expect(shown(await layer(col, 'uncovered').locator('[data-col="used"]').innerText())).toBeCloseTo(Number(expected.layouts[i].uncovered), 2);
  }
  // Per member: what each layout puts on it, and the difference.
  const members = panel.getByTestId('layouts-member');
  await expect(members).toHaveCount(expected.members.length);
  const twc = members.and(page.locator('[data-member="TWC"]'));
  await expect(twc.locator('td').first()).toHaveText('TWC (defaulter)');
  for (const m of expected.members.slice(0, 5)) {
    const cells = members.and(page.locator(`[data-member="${m.member}"]`)).locator('td');
    expect(shown(await cells.nth(1).innerText())).toBeCloseTo(Number(m.ccp), 2);
    expect(shown(await cells.nth(2).innerText())).toBeCloseTo(Number(m.crypto), 2);
    expect(shown(await cells.nth(3).innerText())).toBeCloseTo(Number(m.difference), 2);
  }
  await page.setViewportSize({ width: 1600, height: 1000 });
  await panel.getByTestId('layouts-layers').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'default-layouts-side-by-side-1600x1000');
  await page.setViewportSize({ width: 1280, height: 800 });
  await panel.getByTestId('layouts-layers').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'default-layouts-side-by-side-1280x800');
});
