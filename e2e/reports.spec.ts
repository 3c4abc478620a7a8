// Issue 21 items 2 and 7 as a person sees them: a waiver made on the Margin calls screen is listed on the Reports
// screen beside what the engine would have done (the call standing, due by its deadline, escalated if unmet) with
// both outcomes; the end-of-day report lists the day's overrides and prints (Chromium's print of the page) to a PDF
// that pdftoppm renders and whose text holds the waiver; a table saved as CSV opens a typed formula as text.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snap, snapDeskSizes } from './support/screens.ts';
import { api } from './support/api.ts';
import type { MarginCall } from '../shared/contract.ts';
import type { StressReport } from '../shared/contractRecovery.ts';

test.use({ viewport: { width: 1600, height: 1000 } });

test('a waiver shows its automatic alternative; the end-of-day report lists it and downloads as a PDF that pdftoppm renders', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  // An open call under the four-eyes waiver amount (1,000,000): one supervisor waives it.
  const open = (await api<MarginCall[]>(desk, 'viewer', 'calls.list', { status: 'open' })).filter((c) => Number(c.outstanding) < 1_000_000);
  const call = open.sort((a, b) => Number(a.outstanding) - Number(b.outstanding))[0]!;
  expect(call, 'an open call to waive').toBeTruthy();

  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${call.id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open margin call #${call.id}` }).click();
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(call.id));
  const reason = '=SUM(1) treasury confirmed the wire (e2e)';
  await page.getByTestId('waive-reason').fill(reason);
  await page.getByTestId('waive-submit').click();
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'waived');
  // The call's own history: the waiver, and beside it the engine's automatic path.
  const waived = page.locator('[data-testid="call-event"][data-kind="waived"]');
  await expect(waived.getByTestId('call-event-automatic')).toHaveText(
    `Automatic path: call ${call.id} stands: ${call.outstanding} due by ${call.deadline}, escalated to liquidation if unmet`,
  );
  await snap(page, testInfo, 'call-waived-automatic-path');

  // The Reports screen: today's overrides, the waiver beside the engine's automatic path.
  await page.keyboard.press('g');
  await page.keyboard.press('r');
  const row = page.locator(`[data-testid="overrides-row"][data-subject="call:${call.id}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-kind', 'waiver');
  await expect(row.getByTestId('override-who')).toHaveText('supervisor');
  await expect(row.getByTestId('override-what')).toContainText(`waived ${call.outstanding} outstanding on call ${call.id} (account ${call.account})`);
  await expect(row.getByTestId('override-why')).toHaveText(reason);
  await expect(row.getByTestId('override-automatic')).toHaveText(`call ${call.id} stands: ${call.outstanding} due by ${call.deadline}, escalated to liquidation if unmet`);
  await expect(row.getByTestId('override-actual-outcome')).toContainText('call waived');
  await expect(row.getByTestId('override-difference')).toHaveText('0.00');
  await snap(page, testInfo, 'reports-overrides');

  // The day's report lists it too.
  const eod = page.getByTestId('eod-report');
  await expect(eod.locator(`[data-testid="eod-overrides-row"][data-subject="call:${call.id}"]`).getByTestId('override-automatic')).toContainText(`call ${call.id} stands`);
  await expect(page.getByTestId('eod-statuses')).toContainText('healthy');

  // A table saved as CSV: the typed formula opens as text.
  const download = page.waitForEvent('download');
  await page.getByTestId('overrides-csv').click();
  const csv = fs.readFileSync((await (await download).path())!, 'utf8').split('\r\n');
  expect(csv[0]).toBe('at,who,what,why,automatic alternative,actual outcome,automatic outcome,actual cost,automatic cost,difference');
  expect(csv.some((l) => l.includes(`,'${reason},`) && l.includes(`call ${call.id} stands`))).toBe(true);

  // Chromium's print of the report page, read back with poppler: rendered, and the waiver in its text.
  const pdf = testInfo.outputPath('end-of-day.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  const png = spawnSync('pdftoppm', ['-png', '-r', '40', pdf, path.join(path.dirname(pdf), 'eod-page')], { encoding: 'utf8' });
  expect(png.status, png.stderr).toBe(0);
  expect(fs.readdirSync(path.dirname(pdf)).filter((f) => /^eod-page-\d+\.png$/.test(f)).length).toBeGreaterThan(0);
  const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  expect(text.status, text.stderr).toBe(0);
  const flat = text.stdout.replace(/\s+/g, ' ');
  expect(flat.toLowerCase()).toContain('end-of-day risk report, ');
  expect(flat).toContain(`call ${call.id} stands`);
  expect(flat).toContain(reason);
});

test('the work lists save what they list as CSV: the accounts as filtered, the margin-call queue, the liquidation proposals, the members, a stress run', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const saved = async (testid: string): Promise<string[]> => {
    const download = page.waitForEvent('download');
    await page.getByTestId(testid).click();
    return fs.readFileSync((await (await download).path())!, 'utf8').split('\r\n').filter((l) => l !== '');
  };
  await page.getByTestId('nav-accounts').click();
  // The chips count the loaded table: wait for it (the demo book after a cycle has bankrupt accounts), so the
  // count read below is the one the file must match, not the empty table's zero.
  await expect(page.getByTestId('filter-status-bankrupt').locator('.count')).not.toHaveText('0');
  await page.getByTestId('filter-status-bankrupt').click();
  const bankrupt = Number((await page.getByTestId('filter-status-bankrupt').locator('.count').innerText()).replace(/,/g, ''));
  const accounts = await saved('accounts-csv');
  expect(accounts[0]).toBe('account,member,kind,status,equity,MM,IM,call,margin ratio,utilisation,excess');
  expect(accounts.length - 1).toBe(bankrupt);
  for (const l of accounts.slice(1)) expect(l.split(',')[3]).toBe('bankrupt');
  await snapDeskSizes(page, testInfo, 'accounts-with-csv');
  // The file holds what the screen counts (asked again while a list is still loading after a filter changes).
  const matching = async (testid: string, counter: string, attr: string): Promise<string[]> => {
    let lines: string[] = [];
    await expect
      .poll(async () => {
        lines = await saved(testid);
        return lines.length - 1 === Number(await page.getByTestId(counter).getAttribute(attr));
      })
      .toBe(true);
    return lines;
  };
  await page.getByTestId('nav-calls').click();
  await page.getByTestId('calls-filter-all').click();
  const calls = await matching('calls-csv', 'calls-count', 'data-count');
  expect(calls[0]).toBe('id,account,member,amount,deposited,outstanding,deadline,status,created');
  await page.getByTestId('nav-liquidations').click();
  const liqs = await matching('liq-csv', 'liq-count', 'data-listed');
  expect(liqs[0]).toMatch(/^id,account,member,cycle,status,notional,/);
  await page.getByTestId('nav-default').click();
  // The button saves the members the screen holds: wait until they have come.
  await expect(page.getByTestId('default-counts')).toHaveText(/^[1-9]\d* members/);
  const members = await saved('members-csv');
  expect(members[0]).toMatch(/^member,name,status,default fund,/);
  expect(members.length).toBeGreaterThan(2);
  // A stress run's results: one line per scenario and member, as the API computes them on the same ledger.
  await page.getByTestId('nav-stress').click();
  await page.getByTestId('stress-run').click();
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const report = await api<StressReport>(desk, 'viewer', 'stress.run', {});
  const stress = await saved('stress-csv');
  expect(stress[0]).toBe('scenario,name,kind,member,margin held,pnl,stress loss,uncovered,scenario cover-1,scenario cover-2');
  expect(stress.length - 1).toBe(report.scenarios.reduce((n, sc) => n + sc.members.length, 0));
  await page.getByTestId('nav-reports').click();
  await expect(page.getByTestId('eod-report')).toBeVisible();
  await snapDeskSizes(page, testInfo, 'reports');
});
