// Issue 21 item 7: the last console tables a desk sends on save as CSV through the one writer (shared/csv.ts), each
// file holding what its table shows: a policy's history (whose reason a person typed, so a reason that reads as a
// formula must open as text) and the policies in force, users and sessions, a margin cycle's summary, and the
// Accounts screen with its distance columns shown; the end-of-day report's calls and cover, and a stress scenario's
// members.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snapDeskSizes } from './support/screens.ts';
import { api } from './support/api.ts';
import { parseCsv, saved, savedText, shown } from './support/csv.ts';
import type { PoliciesView, PolicyEntryView } from '../shared/contractPolicy.ts';
import type { EndOfDayReport } from '../shared/contractReports.ts';
import type { StressReport } from '../shared/contractRecovery.ts';

test.use({ deskAccounts: 200, viewport: { width: 1600, height: 1000 } });

test('a policy change whose reason reads as a formula saves as text in the history CSV, beside the policies in force', async ({ page, desk }, testInfo) => {
  const key = 'fourEyesNotional';
  const list = await api<PoliciesView>(desk, 'viewer', 'policies.list', {});
  const old = list.entries.find((e) => e.key === key)!.value;
  const next = old === '2500000' ? '3000000' : '2500000';
  const reason = '=HYPERLINK("http://example.invalid","minute 14")';
  const asked = await api<PolicyEntryView>(desk, 'supervisor', 'policies.change', { key, value: next, reason });
  await api(desk, 'supervisor2', 'approvals.confirm', { id: asked.pending!.approval });

  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-tab-policies').click();
  await page.getByTestId(`policy-row-${key}`).click();
  await expect(page.getByTestId('policy-history')).toContainText('minute 14');

  const raw = await savedText(page, 'policy-history-csv');
  // Quoted (it holds commas and quotes) and opened by a ' so that a spreadsheet shows it and never runs it.
  expect(raw).toContain(`"'=HYPERLINK(""http://example.invalid"",""minute 14"")"`);
  expect(raw).not.toMatch(/(^|,)=HYPERLINK/m);
  const [head, ...rows] = parseCsv(raw);
  const table = await shown(page, 'policy-history');
  expect(head).toEqual(['version', 'from', 'to', 'reason', 'asked by', 'confirmed by', 'at (UTC)']);
  expect(head).toEqual(table.head);
  expect(rows).toHaveLength(table.rows.length);
  expect(rows.at(-1)!.slice(1, 6)).toEqual([old, next, reason, 'supervisor', 'supervisor2']);
  // Shown to the second; the file holds the time the ledger recorded, to the millisecond.
  expect(rows.map((r) => r.slice(0, 6))).toEqual(table.rows.map((r) => r.slice(0, 6)));
  rows.forEach((r, i) => expect(r[6]!.startsWith(table.rows[i]![6]!.replace(' ', 'T')) && /Z$/.test(r[6]!), `${r[6]} shown ${table.rows[i]![6]}`).toBe(true));

  const [pHead, ...pRows] = await saved(page, 'policies-csv');
  const policies = await shown(page, 'policies-table');
  expect(pHead).toEqual(['policy', 'group', 'value', 'unit', 'last change', 'waiting']);
  expect(pRows).toHaveLength(policies.rows.length);
  expect(pRows.map((r) => r[0])).toEqual(policies.rows.map((r) => r[0]));
  expect(pRows.find((r) => r[0] === key)?.[2]).toBe(next);
  await snapDeskSizes(page, testInfo, 'policies-csv');
});

test('an admin saves the users and the open sessions as CSV, as the tables show them', async ({ page, desk }, testInfo) => {
  await signIn(page, desk, 'admin', DEMO_PASSWORDS.admin);
  await page.keyboard.press('Alt+0');
  await expect(page.getByTestId('user-row-operator')).toBeVisible();

  const [head, ...rows] = await saved(page, 'users-csv');
  const users = await shown(page, 'users-table');
  expect(head).toEqual(['user', 'role', 'state', 'sessions', 'created by']);
  expect(rows).toEqual(users.rows);
  expect(rows.find((r) => r[0] === 'operator')?.slice(1, 3)).toEqual(['operator', 'active']);

  // The column of Revoke buttons has no heading and is no part of the file.
  const [sHead, ...sRows] = await saved(page, 'sessions-csv');
  const sessions = await shown(page, 'sessions-table');
  expect(sHead).toEqual(['session', 'user', 'door', 'source', 'since']);
  expect(sRows).toHaveLength(sessions.rows.length);
  expect(sRows.some((r) => r[1] === 'admin')).toBe(true);
  await snapDeskSizes(page, testInfo, 'users-csv');
});

test('a margin cycle\'s summary saves as CSV: every count shown, the totals exact', async ({ page, desk }, testInfo) => {
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-market').click();
  await page.getByTestId('cycle-run').click();
  await expect(page.getByTestId('cycle-summary')).toBeVisible({ timeout: 60_000 });

  const [head, ...rows] = await saved(page, 'cycle-summary-csv');
  expect(head).toEqual(['table', 'item', 'value']);
  expect(rows).toHaveLength(await page.getByTestId('cycle-summary').locator('tbody tr').count());
  const value = (table: string, item: string) => rows.find((r) => r[0] === table && r[1] === item)?.[2];
  for (const s of ['healthy', 'warning', 'call', 'liquidation', 'bankrupt']) {
    expect(value('Status', s)).toBe((await page.getByTestId(`cycle-status-${s}`).innerText()).replace(/,/g, ''));
  }
  expect(value('Margin calls', 'issued')).toBe((await page.getByTestId('cycle-calls-issued').innerText()).replace(/,/g, ''));
  // Shown to the cent; the file holds the exact figure the screen keeps for hover.
  const equity = page.getByTestId('cycle-total-equity').locator('[data-value]');
  expect(value('Totals (USD)', 'Equity')).toBe(await equity.getAttribute('data-value'));
  await snapDeskSizes(page, testInfo, 'cycle-summary-csv');
});

test('with the distances shown, the Accounts CSV holds the distance columns of the rows shown', async ({ page, desk }) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  await expect(page.getByTestId('account-row').first()).toBeVisible();
  await page.getByTestId('columns-distances').click();
  await expect(page.locator('[data-testid="account-row"] [data-col="toLiquidation"]').first()).not.toContainText('…');
  await page.getByTestId('sort-toLiquidation').click();

  const [head, ...rows] = await saved(page, 'accounts-csv');
  expect(head).toEqual([
    'account', 'member', 'status', 'health', 'margin ratio', 'utilisation', 'excess',
    'to call underlying', 'to call %', 'to liquidation underlying', 'to liquidation %', 'to bankruptcy underlying', 'to bankruptcy %',
  ]);
  expect(rows).toHaveLength(Number(await page.getByTestId('accounts-shown').getAttribute('data-count')));
  const first = page.getByTestId('account-row').first();
  const liq = first.locator('[data-col="toLiquidation"]');
  expect(rows[0]![0]).toBe((await first.locator('[data-col="id"]').innerText()).trim());
  expect(rows[0]!.slice(9, 11)).toEqual([await liq.getAttribute('data-underlying'), await liq.getAttribute('data-percent')]);

  // Back to the figures, the file is the figures again.
  await page.getByTestId('columns-figures').click();
  const [fHead] = await saved(page, 'accounts-csv');
  expect(fHead).toEqual(['account', 'member', 'kind', 'status', 'equity', 'MM', 'IM', 'call', 'margin ratio', 'utilisation', 'excess']);
});

test('the end-of-day report\'s calls and cover, and a stress scenario\'s members, save as CSV with the figures the API gives', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.getByTestId('nav-reports').click();
  const eod = page.getByTestId('eod-report');
  await expect(eod).toBeVisible();
  const report = await api<EndOfDayReport>(desk, 'viewer', 'reports.endOfDay', { day: (await eod.getAttribute('data-day'))! });
  const c = report.calls;
  const [head, ...rows] = await saved(page, 'eod-calls-csv');
  expect(head).toEqual(['Calls', 'Count', 'USD']);
  // Counts shown with separators, saved as numbers; amounts shown to the cent, saved exact.
  expect(rows).toEqual([
    ['Issued', String(c.issued), c.issuedAmount],
    ['Met', String(c.met), c.metAmount],
    ['Waived', String(c.waived), ''],
    ['Escalated', String(c.escalated), ''],
    ['Open at the close', String(c.open), c.openAmount],
  ]);
  const cover = report.cover!;
  expect(cover, 'the day has a cycle, so a stress run').not.toBeNull();
  const [cHead, ...cRows] = await saved(page, 'eod-cover-csv');
  expect(cHead).toEqual(['Resources and cover', 'USD']);
  expect(cRows).toEqual([
    ['Prefunded', cover.prefunded],
    [`Cover-1 (${cover.cover1.members.join(', ') || '—'})`, cover.cover1.amount],
    [`Cover-2 (${cover.cover2.members.join(', ') || '—'})`, cover.cover2.amount],
    ['Cover-2 held', cover.cover2.covered ? 'yes' : 'NO'],
  ]);
  const [sHead, ...sRows] = await saved(page, 'eod-statuses-csv');
  expect(sHead).toEqual(['status', 'accounts']);
  expect(sRows).toEqual(report.statuses.map((s) => [s.status, String(s.accounts)]));

  // A stress run: the per-member table of the scenario shown, as the API computes it on the same ledger.
  await page.getByTestId('nav-stress').click();
  await page.getByTestId('stress-run').click();
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const stress = await api<StressReport>(desk, 'viewer', 'stress.run', {});
  const scenario = stress.scenarios[1]!;
  await page.locator(`[data-testid="stress-scenario"][data-scenario="${scenario.id}"]`).click();
  await expect(page.getByTestId('stress-shown')).toHaveAttribute('data-scenario', scenario.id);
  const [mHead, ...mRows] = await saved(page, 'stress-members-csv');
  expect(mHead).toEqual(['Member', 'Margin held', 'Stress loss', 'Uncovered']);
  expect(mRows).toEqual(scenario.members.map((m) => [m.member, m.marginHeld, m.stressLoss, m.uncovered]));
  await snapDeskSizes(page, testInfo, 'stress-members-csv');
});
