// The desk's bulk and guard tools as a person sees them (issue 22): escalating several overdue calls with one
// reason, the audit log answering "who did what to account X", a big deposit asking for confirmation with the
// figures, and the keyboard landing in the list after a screen change. Browser mode on the real `riskdesk serve`.
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap } from './support/screens.ts';
import { api } from './support/api.ts';
import type { MarginCall } from '../shared/contract.ts';

// Calls due the moment they are issued: a second cycle finds them overdue, with no waiting for a cure period.
test.use({ viewport: { width: 1600, height: 900 }, deskPolicy: { cureMinutes: '0' } });

/** The worker's ledger with overdue calls (two cycles a moment apart); the overdue calls, lowest id first. */
async function overdueCalls(desk: Desk): Promise<MarginCall[]> {
  let calls = await api<MarginCall[]>(desk, 'viewer', 'calls.list', { status: 'overdue' });
  if (calls.length < 6) {
    await api(desk, 'operator', 'cycle.run', {});
    await new Promise((r) => setTimeout(r, 50));
    await api(desk, 'operator', 'cycle.run', {});
    calls = await api<MarginCall[]>(desk, 'viewer', 'calls.list', { status: 'overdue' });
  }
  expect(calls.length).toBeGreaterThanOrEqual(6);
  return [...calls].sort((a, b) => a.id - b.id);
}

async function goCalls(page: Page): Promise<void> {
  await page.keyboard.press('g');
  await page.keyboard.press('c');
  await expect(page.getByTestId('screen-calls')).toBeVisible();
}

test('focus lands in the list after g c: ArrowDown moves the selection, Enter opens the call', async ({ page, desk }) => {
  await overdueCalls(desk);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  // Every call of this ledger is overdue: the queue shows those, then the desk goes away and back with g c.
  await goCalls(page);
  await page.getByTestId('calls-filter-overdue').click();
  await page.keyboard.press('g');
  await page.keyboard.press('d');
  await expect(page.getByTestId('screen-dashboard')).toBeVisible();
  await goCalls(page);
  const grid = page.getByTestId('calls-grid');
  await expect(grid).toBeFocused();
  const cursor = grid.locator('[data-testid="call-row"][aria-selected="true"]');
  await expect(cursor).toHaveAttribute('data-pos', '0');
  await page.keyboard.press('ArrowDown');
  await expect(cursor).toHaveAttribute('data-pos', '1');
  const id = await cursor.getAttribute('data-row-id');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', id!);
  // Every screen puts the keyboard somewhere in it, never on the page body.
  for (const key of ['d', 'a', 'm', 'l', 'q', 'f', 'e', 't', 'i']) {
    await page.keyboard.press('g');
    await page.keyboard.press(key);
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('main.screen'))).toBe(true);
  }
});

test('bulk escalation: three overdue calls ticked, one reason, each call\'s history shows it', async ({ page, desk }, testInfo) => {
  const calls = (await overdueCalls(desk)).slice(0, 3);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await goCalls(page);
  await page.getByTestId('calls-filter-overdue').click();
  const grid = page.getByTestId('calls-grid');
  await page.getByTestId('calls-sort-id').click();
  for (const c of calls) {
    await grid.locator(`[data-testid="call-row"][data-row-id="${c.id}"] [data-testid="call-pick"]`).check();
  }
  await expect(page.getByTestId('bulk-count')).toHaveAttribute('data-count', '3');
  // Ticking does not open a call.
  await expect(page.getByTestId('call-detail')).toHaveCount(0);
  await page.getByTestId('bulk-escalate-reason').fill('no funds received by the deadline');
  await snap(page, testInfo, 'calls-bulk-escalate');
  await page.getByTestId('bulk-escalate-submit').click();
  await expect(page.getByTestId('bulk-escalate-ok')).toContainText(`3 calls escalated: #${calls.map((c) => c.id).join(', #')}`);
  // They leave the overdue queue, and each one's history has its own escalation with the reason.
  for (const c of calls) await expect(grid.locator(`[data-row-id="${c.id}"]`)).toHaveCount(0);
  await page.getByTestId('calls-filter-all').click();
  for (const c of calls) {
    await grid.locator(`[data-testid="call-row"][data-row-id="${c.id}"]`).click();
    const detail = page.getByTestId('call-detail');
    await expect(detail).toHaveAttribute('data-call', String(c.id));
    await expect(detail).toHaveAttribute('data-status', 'escalated');
    const last = detail.getByTestId('call-event').last();
    await expect(last).toHaveAttribute('data-kind', 'escalated');
    await expect(last).toContainText('operator');
    await expect(last).toContainText('no funds received by the deadline');
  }
  await snap(page, testInfo, 'calls-escalated-history');
});

test('the audit log finds an account\'s waiver by the account id and by the call id, newest first, and exports CSV', async ({ page, desk }, testInfo) => {
  const call = (await overdueCalls(desk))[3]!;
  await api(desk, 'operator', 'calls.deposit', { id: call.id, amount: '1.00' });
  await api(desk, 'supervisor', 'calls.waive', { id: call.id, reason: '=fee dispute settled' });
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.keyboard.press('g');
  await page.keyboard.press('l');
  await expect(page.getByTestId('screen-audit')).toBeVisible();

  const entries = page.getByTestId('journal-entry');
  for (const search of [call.account, `call ${call.id}`]) {
    await page.getByTestId('journal-search').fill(search);
    await expect(page.getByTestId('journal-page')).toContainText(`matching “${search}”`);
    // Newest first: the waiver, then the deposit, each saying what it did.
    await expect(entries.first()).toHaveAttribute('data-command', 'calls.waive');
    await expect(entries.first().getByTestId('journal-summary')).toHaveText(`Waived call #${call.id} (account ${call.account}): =fee dispute settled`);
    await expect(entries.first()).toContainText('supervisor');
    await expect(entries.nth(1)).toHaveAttribute('data-command', 'calls.deposit');
    const seqs = (await entries.evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq))));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  }
  await snap(page, testInfo, 'audit-search-call');

  // The CSV of what is shown: the waiver's row, a typed formula opened as text.
  const download = page.waitForEvent('download');
  await page.getByTestId('journal-export').click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file, 'utf8').split('\r\n');
  expect(csv[0]).toBe('seq,at,actor,command,summary,objects,payload,hash');
  expect(csv[1]).toContain(`,supervisor,calls.waive,Waived call #${call.id} (account ${call.account}): =fee dispute settled,`);
  await expect(page.getByTestId('journal-exported')).toContainText('entries saved to riskdesk-audit-');

  // The entry links to the call it touched.
  await entries.first().locator(`[data-testid="journal-ref"][data-kind="call"]`).click();
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(call.id));
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-status', 'waived');
});

test('a deposit far above the call asks for confirmation, showing the figures; Confirm records it', async ({ page, desk }, testInfo) => {
  const call = (await overdueCalls(desk))[4]!;
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await goCalls(page);
  await page.getByTestId('calls-filter-overdue').click();
  await page.getByTestId('calls-grid').locator(`[data-testid="call-row"][data-row-id="${call.id}"]`).click();
  const detail = page.getByTestId('call-detail');
  await expect(detail).toHaveAttribute('data-call', String(call.id));
  await page.getByTestId('deposit-amount').fill('99,999,999');
  await page.getByTestId('deposit-submit').click();
  const ask = page.getByTestId('deposit-ask-message');
  await expect(ask).toContainText('a deposit of 99,999,999.00 is');
  await expect(ask).toContainText(`outstanding on margin call ${call.id} (account ${call.account}): more than 10 times`);
  await snap(page, testInfo, 'deposit-confirm');
  // Asked, not recorded: no deposit in the call's history yet.
  await expect(detail.locator('[data-testid="call-event"][data-kind="deposit"]')).toHaveCount(0);
  await page.getByTestId('deposit-confirm').click();
  await expect(detail).toHaveAttribute('data-status', 'met');
  await expect(detail.locator('[data-testid="call-event"][data-kind="deposit"]')).toHaveCount(1);
});
