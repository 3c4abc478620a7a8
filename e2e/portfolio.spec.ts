// Issue 17: an account margined by portfolio (SPAN-style) shows, in its Accounts detail, each combined commodity's
// risk array as a chart with the worst scenario marked, and the spread credits taken. Browser mode on a ledger of
// its own (a demo book of 200 accounts), with futures, options and a spread imported by CSV through the API as a
// supervisor, then a cycle.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap } from './support/screens.ts';
import { asUser } from './support/api.ts';
import type { AccountCommodities } from '../shared/contractPortfolio.ts';
import type { WhatIfResult } from '../shared/contract.ts';

test.use({ deskAccounts: 200, viewport: { width: 1280, height: 900 } });

const AT = '2026-03-12T20:00:00Z';
const EXPIRY = '2027-12-17T14:30:00Z';

test('an account with futures and options shows each commodity\'s risk array, its worst scenario and its credits', async ({ page, desk }, testInfo) => {
  await asUser(desk, 'supervisor', async (api) => {
    const imp = (kind: string, text: string) => api('import.csv', { kind, file: `${kind}.csv`, text });
    await imp(
      'instruments',
      'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument,short_option_minimum,scan_range,vol_shift\n' +
        `ES-Z27,future,ES,50,1,0.25,portfolio,${EXPIRY},,,,,1000,\n` +
        `ES-Z27-5000-C,option,ES,50,1,0.05,portfolio,${EXPIRY},call,5000,ES-Z27,250,,0.04\n` +
        `NQ-Z27,future,NQ,20,1,0.25,portfolio,${EXPIRY},,,,,400,\n`,
    );
    await imp('prices', `instrument,at,mark,implied_vol\nES-Z27,${AT},5000,0.2\nES-Z27-5000-C,${AT},400,\nNQ-Z27,${AT},18000,\n`);
    await imp('spreads', 'spread,underlying,ratio,rate,priority\nES-NQ,ES,1,0.5,1\nES-NQ,NQ,2,0.5,1\n');
    await imp('accounts', 'id,member,kind,mode\nPM-E2E,NGC,client,cross\n');
    await imp('collateral', 'account,asset,quantity\nPM-E2E,USD,250000\n');
    // A covered write (long ES, short calls) against short NQ.
    await imp('positions', 'account,instrument,quantity,entry_price\nPM-E2E,ES-Z27,10,5000\nPM-E2E,ES-Z27-5000-C,-4,400\nPM-E2E,NQ-Z27,-20,18000\n');
    await api('cycle.run', {});
  });
  const want = await asUser(desk, 'viewer', (api) => api<AccountCommodities>('accounts.commodities', { id: 'PM-E2E' }));
  expect(want.commodities.map((c) => c.underlying)).toEqual(['ES', 'NQ']);

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/PM-E2E`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', 'PM-E2E');
  const section = page.getByTestId('detail-commodities');
  await expect(section).toBeVisible();
  const charts = section.getByTestId('commodity');
  await expect(charts).toHaveCount(2);
  for (const c of want.commodities) {
    const box = section.locator(`[data-testid="commodity"][data-underlying="${c.underlying}"]`);
    // The chart draws the 16 scenarios, the worst as the server names it.
    await expect(box.getByTestId('commodity-chart')).toHaveAttribute('data-points', '16');
    await expect(box.locator('canvas').first()).toBeVisible();
    await expect(box).toHaveAttribute('data-worst', String(c.worst.scenario));
    await expect(box.getByTestId('commodity-worst')).toContainText(`#${c.worst.scenario} ${c.worst.label}`);
    // The spread credits both legs: listed by spread, and the commodity's total.
    await expect(box.getByTestId('commodity-spread')).toHaveAttribute('data-spread', 'ES-NQ');
    expect(Number(c.credits)).toBeGreaterThan(0);
    await expect(box.getByTestId('commodity-credits')).not.toHaveText('0.00');
  }
  // NQ: 20 short at a $400 scan range is $8,000 of scan risk, all of it spread against ES at 50%.
  const nq = section.locator('[data-testid="commodity"][data-underlying="NQ"]');
  await expect(nq.getByTestId('commodity-scan-risk')).toHaveText('8,000.00');
  await expect(nq.getByTestId('commodity-credits')).toHaveText('4,000.00');
  await expect(nq.getByTestId('commodity-mm')).toHaveText('4,000.00');

  // Greeks per position and for the account, as the server computes them.
  await expect(page.getByTestId('detail-greeks-row')).toHaveCount(3);
  expect(want.greeks).not.toBeNull();
  // 10 ES long (delta 500) against 20 NQ short (-400) and 4 short calls: the screen shows the server's sum.
  const shown = (await page.getByTestId('detail-greeks-delta').innerText()).replace(/[,\s+]/g, '').replace('\u2212', '-');
  expect(Number(shown)).toBeCloseTo(Number(want.greeks!.delta), 6);

  await section.scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'portfolio-commodities-1280x900');

  // A what-if on the covered write: ES down 5%, the commodities scanned again there, the spread still credited.
  const shocked = await asUser(desk, 'viewer', (api) => api<WhatIfResult>('accounts.whatif', { id: 'PM-E2E', shocks: { ES: '-0.05' } }));
  await page.getByTestId('whatif-shock-ES').fill('-5');
  await page.getByTestId('whatif-run').click();
  const rows = page.getByTestId('whatif-commodity');
  await expect(rows).toHaveCount(2);
  for (const c of shocked.commodities) {
    const row = page.locator(`[data-testid="whatif-commodity"][data-underlying="${c.underlying}"]`);
    expect(Number(c.credits)).toBeGreaterThan(0);
    await expect(row.getByTestId('whatif-commodity-credits')).toHaveAttribute('data-value', c.credits);
    await expect(row.getByTestId('whatif-commodity-scan-risk')).toHaveAttribute('data-value', c.scanRisk);
    await expect(row.getByTestId('whatif-commodity-mm')).toHaveAttribute('data-value', c.mm);
  }
  // The shock moves the ES scan away from the detail's.
  expect(shocked.commodities.find((c) => c.underlying === 'ES')!.scanRisk).not.toBe(want.commodities.find((c) => c.underlying === 'ES')!.scanRisk);
});
