// Issue 22: an account with isolated positions is as sick as its sickest margin unit, and its detail panel shows
// every unit: the cross part and each isolated position with its own equity, margin, health and status; the
// account's figures add the units up (as the Accounts grid does) and take the worst unit's health. Before, the
// panel showed the cross part alone: MM 0.00 and health "—" for an account whose isolated position was in
// liquidation. Browser mode on the worker's demo ledger (e2e/fixtures.ts).
import type { Locator, Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snap } from './support/screens.ts';
import { asUser } from './support/api.ts';
import type { AccountDetail, AccountsTable } from '../shared/contract.ts';

// A desk of their own (a book of 2,001 accounts, in a worker of its own): they read the book as of its close, and
// a spec that runs a cycle as of today on a shared desk settles the futures that expired since.
test.use({ viewport: { width: 1280, height: 800 }, deskAccounts: 2001 });

/** A figure as the screen prints it (thousands separators, a minus sign) as a number. */
async function num(cell: Locator): Promise<number> {
  return Number((await cell.innerText()).replace(/[,\s+]/g, '').replace('−', '-'));
}

async function unitRows(page: Page): Promise<{ unit: string; instrument: string; equity: number; mm: number; health: string }[]> {
  const rows = page.getByTestId('detail-units-row');
  const out = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const r = rows.nth(i);
    out.push({
      unit: (await r.getAttribute('data-unit'))!,
      instrument: (await r.getAttribute('data-instrument'))!,
      equity: await num(r.getByTestId('detail-units-equity')),
      mm: await num(r.getByTestId('detail-units-mm')),
      health: (await r.getByTestId('detail-units-health').innerText()).trim(),
    });
  }
  return out;
}

test('an account with isolated positions shows its cross part and each isolated unit, and its figures add them up', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  // An isolated-mode account in trouble whose cross part has no margin of its own: the case the panel got wrong.
  const id = await asUser(desk, 'viewer', async (api) => {
    const c = (await api<AccountsTable>('accounts.list', {})).columns;
    for (let i = 0; i < c.id.length; i++) {
      if (c.status[i] === 'healthy') continue;
      const d = await api<AccountDetail>('accounts.detail', { id: c.id[i] });
      const cross = d.figures.units.find((u) => u.unit === 'cross');
      if (d.account.mode === 'isolated' && cross && cross.mm === '0' && d.figures.units.length >= 2) return c.id[i]!;
    }
    return null;
  });
  expect(id, 'the demo book has an isolated account in trouble with no cross margin').not.toBeNull();

  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/${id}`);
  const detail = page.getByTestId('account-detail');
  await expect(detail).toHaveAttribute('data-account', id!);
  await expect(page.getByTestId('detail-units')).toBeVisible();

  const units = await unitRows(page);
  // The cross part first, then one row per isolated position, as the positions table lists them.
  expect(units[0]!.unit).toBe('cross');
  const isolatedPositions = await page.locator('[data-testid="positions-row"]').evaluateAll((rows) =>
    rows.filter((r) => (r.lastElementChild?.textContent ?? '').includes('eq')).map((r) => r.getAttribute('data-instrument')),
  );
  expect(units.slice(1).map((u) => u.instrument)).toEqual(isolatedPositions);
  expect(units.slice(1).every((u) => u.unit === 'isolated')).toBe(true);

  // The account's figures: MM and equity the units' sums (not the cross part's 0.00), health the worst unit's.
  const mm = await num(page.getByTestId('detail-figures-mm-current'));
  const equity = await num(page.getByTestId('detail-figures-equity-current'));
  expect(mm).toBeGreaterThan(0);
  expect(mm).toBeCloseTo(units.reduce((s, u) => s + u.mm, 0), 2);
  expect(equity).toBeCloseTo(units.reduce((s, u) => s + u.equity, 0), 2);
  const healths = units.map((u) => u.health).filter((h) => h !== '—');
  const worst = healths.reduce((a, b) => (Number(b) < Number(a) ? b : a));
  await expect(page.getByTestId('detail-figures-health-current')).toHaveText(worst);

  await page.getByTestId('detail-units').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'account-units-1280x800');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await snap(page, testInfo, 'account-units-1920x1080');
});

test('an account with only a cross part shows no units table: its figures are that part', async ({ page, desk }) => {
  await ensureCycle(desk);
  const id = await asUser(desk, 'viewer', async (api) => {
    const c = (await api<AccountsTable>('accounts.list', {})).columns;
    for (let i = 0; i < c.id.length; i++) {
      const d = await api<AccountDetail>('accounts.detail', { id: c.id[i] });
      if (d.account.mode === 'cross' && d.positions.length > 0 && d.positions.every((p) => p.isolated === null)) return c.id[i]!;
    }
    return null;
  });
  expect(id).not.toBeNull();
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/${id}`);
  await expect(page.getByTestId('detail-figures')).toBeVisible();
  await expect(page.getByTestId('detail-units')).toHaveCount(0);
  await expect(page.getByTestId('detail-figures-health-current')).not.toHaveText('—');
});
