// The server decides what is allowed (issue 14 item 5): an operator opens a proposal above the four-eyes threshold and
// a margin call, and sees the actions they may not take disabled with the server's reason written beside the button
// (not only in a tooltip), word for word what the command says when it is sent anyway.
import type { Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap } from './support/screens.ts';
import { call, api } from './support/api.ts';
import type { LiquidationDetail, LiquidationSummary, MarginCall } from '../shared/contract.ts';

test.use({ viewport: { width: 1600, height: 900 } });

const DEMO_LAST_MARK = '2026-03-12T21:00:00.000Z';

/** Proposals and calls to look at: a cycle after the latest one when nothing is live. */
async function ensureCycle(desk: Desk): Promise<void> {
  if ((await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { live: true })).some((l) => l.status === 'proposed')) return;
  const s = await api<{ asOf: string | null }>(desk, 'viewer', 'dashboard.summary', { historyCycles: 1 });
  const base = Math.max(Date.parse(DEMO_LAST_MARK), s.asOf ? Date.parse(s.asOf) : 0);
  await api(desk, 'operator', 'cycle.run', { at: new Date(base + 30 * 60_000).toISOString() });
}

async function openLiquidation(page: Page, id: number): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open liquidation #${id}` }).click();
  await expect(page.getByTestId('liq-detail')).toHaveAttribute('data-liquidation', String(id));
}

test('an operator sees approving above the four-eyes threshold disabled, with the reason the server refuses it for', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const proposals = await api<LiquidationSummary[]>(desk, 'operator', 'liquidations.list', { live: true });
  const big = proposals.find((l) => l.status === 'proposed' && l.fourEyes);
  // The seeded demo book's cycle always proposes some (ensureCycle made one): their absence is a failure, not a skip.
  expect(big, 'a live proposal above the four-eyes threshold after the cycle').toBeTruthy();
  // The proposal as the server judges it for the operator: the approval not allowed, and why.
  const judged = await api<LiquidationDetail>(desk, 'operator', 'liquidations.get', { id: big!.id });
  expect(judged.actions!.approve).toMatchObject({ offered: true, allowed: false, needs: 'supervisor' });
  const why = judged.actions!.approve.why!;
  expect(why).toContain('above the four-eyes threshold');

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.keyboard.press('Alt+6');
  await expect(page.getByTestId('screen-liquidations')).toBeVisible();
  await openLiquidation(page, big!.id);
  await expect(page.getByTestId('liq-approve-submit')).toBeDisabled();
  // The reason is on the screen, beside the button, as the server wrote it; and the role it needs.
  await expect(page.getByTestId('liq-approve-why')).toBeVisible();
  await expect(page.getByTestId('liq-approve-why')).toHaveText(why);
  await expect(page.getByTestId('liq-approve-needs')).toHaveText('needs supervisor');
  // What the operator may do on it stays available: a hold (an operator's decision).
  await expect(page.getByTestId('liq-hold-submit')).toBeEnabled();
  await snap(page, testInfo, 'operator-approve-disabled-four-eyes');

  // The way around the screen: the same command sent anyway is refused with the same words, and nothing changes.
  const sent = await call(desk, 'operator', 'liquidations.approve', { id: big!.id });
  expect(sent).toMatchObject({ ok: false, error: { code: 'forbidden', message: why } });
  expect((await api<LiquidationDetail>(desk, 'viewer', 'liquidations.get', { id: big!.id })).status).toBe('proposed');
});

test("an operator sees a supervisor's call actions disabled with the server's reason, and escalation refused until the call is overdue", async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const open = await api<MarginCall[]>(desk, 'operator', 'calls.list', { status: 'open' });
  expect(open.length, 'open calls after the cycle').toBeGreaterThan(0);
  const c = await api<MarginCall>(desk, 'operator', 'calls.get', { id: open[0]!.id });
  const a = c.actions!;
  expect(a.waive).toMatchObject({ allowed: false, needs: 'supervisor' });

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-calls').click();
  await page.getByTestId('calls-filter-open').click();
  const row = page.locator(`[data-testid="call-row"][data-row-id="${c.id}"]`);
  await row.scrollIntoViewIfNeeded();
  await row.click();
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(c.id));

  await expect(page.getByTestId('waive-submit')).toBeDisabled();
  await expect(page.getByTestId('waive-why')).toHaveText(a.waive.why!);
  await expect(page.getByTestId('waive-needs')).toHaveText('needs supervisor');
  await expect(page.getByTestId('extend-why')).toHaveText(a.extend.why!);
  // Escalation is the operator's, but the server says this call is not overdue (its clock, not the browser's).
  if (!a.escalate.allowed) {
    await expect(page.getByTestId('escalate-submit')).toBeDisabled();
    await expect(page.getByTestId('escalate-why')).toHaveText(a.escalate.why!);
    expect(await call(desk, 'operator', 'calls.escalate', { id: c.id, reason: 'sent anyway' })).toMatchObject({ ok: false, error: { message: a.escalate.why } });
  }
  await expect(page.getByTestId('deposit-submit')).toBeEnabled();
  await snap(page, testInfo, 'operator-call-actions');

  expect(await call(desk, 'operator', 'calls.waive', { id: c.id, reason: 'sent anyway' })).toMatchObject({ ok: false, error: { code: 'forbidden', message: a.waive.why } });
});
