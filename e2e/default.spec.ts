// Default management end to end (issue 5, design.md §2.4-2.6) in browser mode: a default declared with four eyes,
// the waterfall chart after a close-out, assessments triggered and one paid, and a stress run with its progress and
// its Cover-2 figure. The worker's ledger gets CCP tranches (the demo's are 0), so it is this file's own. A case big
// enough to reach the assessments needs a defaulter whose book loses more than every prefunded layer: one of its
// client accounts gets a USD debit (a failed settlement) through a collateral import before the default. Tests share
// the ledger in order, and each can also run first: what it needs and did not find, it builds through the API.
import { Decimal } from 'decimal.js';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';
import { snap, ensureCycle } from './support/screens.ts';
import { call, api } from './support/api.ts';
import type { AccountsTable } from '../shared/contract.ts';
import type { AssessmentView, DefaultCaseDetail, DefaultCaseSummary, MemberStanding, StressReport, StressScenarioView } from '../shared/contractRecovery.ts';

test.use({ viewport: { width: 1600, height: 1000 }, deskPolicy: { ccpFirstTranche: '5000000', ccpSecondTranche: '10000000' } });

const caseOf = (desk: Desk, id: number) => api<DefaultCaseDetail>(desk, 'viewer', 'default.get', { case: id });

/** The defaulter of the big case, and the debit one of its client accounts carries. */
const BIG = 'CLM';
const DEBIT = '-400000000';

/** Declares and confirms a default through the API (two supervisors). */
async function declared(desk: Desk, member: string): Promise<DefaultCaseDetail> {
  const c = await api<DefaultCaseDetail>(desk, 'supervisor', 'default.declare', { member, reason: 'failed settlement (e2e)' });
  return api<DefaultCaseDetail>(desk, 'supervisor2', 'default.confirm', { case: c.id });
}

/** The open case of BIG, after its client's debit: built through the API unless it exists. */
async function bigCase(desk: Desk): Promise<DefaultCaseSummary> {
  await ensureCycle(desk);
  const found = (await api<DefaultCaseSummary[]>(desk, 'viewer', 'default.list', {})).find((c) => c.member === BIG && c.status !== 'withdrawn');
  if (found) return found;
  const t = await api<AccountsTable>(desk, 'viewer', 'accounts.list', {});
  const client = t.columns.id.find((_, i) => t.columns.member[i] === BIG && t.columns.kind[i] === 'client')!;
  await api(desk, 'operator', 'import.csv', { kind: 'collateral', file: 'debit.csv', text: `account,asset,quantity\n${client},USD,${DEBIT}\n` });
  return declared(desk, BIG);
}

/** BIG's case closed out and allocated (the waterfall run), through the API for what the UI did not do yet. */
async function allocatedCase(desk: Desk): Promise<DefaultCaseDetail> {
  const c = await bigCase(desk);
  if (c.status === 'open') await api(desk, 'supervisor', 'default.closeOut', { case: c.id });
  if (c.status === 'open' || c.status === 'closed_out') await api(desk, 'supervisor', 'default.waterfall', { case: c.id });
  return caseOf(desk, c.id);
}

async function palette(page: Page, query: string, item: string): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(query);
  await page.getByTestId('palette-item').filter({ hasText: item }).click();
}

async function openCase(page: Page, id: number): Promise<void> {
  await palette(page, `#${id}`, `Open default case #${id}`);
  await expect(page.getByTestId('screen-default')).toBeVisible();
  await expect(page.getByTestId('case-detail')).toHaveAttribute('data-case', String(id));
}

test('(a) a default is declared by one supervisor, refused to the same one, and confirmed by a second', async ({ page, desk }, testInfo) => {
  const member = 'TWC';
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Alt+7');
  await expect(page.getByTestId('screen-default')).toBeVisible();
  await expect(page.getByTestId('member-row')).toHaveCount((await api<MemberStanding[]>(desk, 'viewer', 'members.list', {})).length);

  // The member's standing and actions.
  await page.getByTestId('member-row').filter({ hasText: member }).click();
  await expect(page.getByTestId('member-detail')).toHaveAttribute('data-member', member);
  await expect(page.getByTestId('member-status')).toHaveAttribute('data-status', 'active');
  // A reason is required: the command says so in place, and nothing is declared.
  await page.getByTestId('declare-submit').click();
  await expect(page.getByTestId('declare-error')).toBeVisible();
  expect((await api<DefaultCaseSummary[]>(desk, 'viewer', 'default.list', {})).filter((c) => c.member === member)).toHaveLength(0);
  await page.getByTestId('declare-reason').fill('missed the 09:00 settlement of variation margin');
  await page.getByTestId('declare-submit').click();

  // The case opens awaiting a second supervisor; the declarer cannot confirm it, and says why.
  const detail = page.getByTestId('case-detail');
  await expect(detail).toHaveAttribute('data-status', 'pending_second');
  const id = Number(await detail.getAttribute('data-case'));
  await expect(page.getByTestId('case-declared-by')).toContainText('supervisor');
  await expect(page.getByTestId('case-confirm-submit')).toBeDisabled();
  await expect(page.getByTestId('case-confirm-why')).toContainText('a second, different supervisor must confirm it');
  await expect(page.getByTestId('default-pending')).toBeVisible();
  // The command refuses it too, whatever the screen shows.
  const same = await call(desk, 'supervisor', 'default.confirm', { case: id });
  expect(same.ok).toBe(false);
  if (!same.ok) expect(same.error.code).toBe('four_eyes');
  expect((await caseOf(desk, id)).status).toBe('pending_second');
  await snap(page, testInfo, 'default-declared-same-supervisor');

  // An operator cannot confirm at all: the form names the role it needs.
  await signOut(page);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await openCase(page, id);
  await expect(page.getByTestId('case-confirm-needs')).toHaveText('needs supervisor');
  await expect(page.getByTestId('case-confirm-submit')).toBeDisabled();

  // A second supervisor confirms.
  await signOut(page);
  await signIn(page, desk, 'supervisor2', DEMO_PASSWORDS.supervisor2);
  await openCase(page, id);
  await expect(page.getByTestId('case-confirm-submit')).toBeEnabled();
  await page.getByTestId('case-confirm-note').fill('confirmed with the member’s treasury');
  await page.getByTestId('case-confirm-submit').click();
  await expect(detail).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('case-confirmed-by')).toContainText('supervisor2');
  await expect(page.getByTestId('case-event').filter({ hasText: 'supervisor2' })).toHaveAttribute('data-kind', 'confirmed');
  await expect(page.getByTestId('member-row').filter({ hasText: member }).locator('[data-col="status"]')).toHaveAttribute('data-status', 'defaulted');

  const after = await caseOf(desk, id);
  expect(after.status).toBe('open');
  expect([after.declaredBy, after.confirmedBy]).toEqual(['supervisor', 'supervisor2']);
  expect((await api<MemberStanding[]>(desk, 'viewer', 'members.list', {})).find((m) => m.id === member)!.status).toBe('defaulted');
  await snap(page, testInfo, 'default-confirmed');
});

test('(b) after the close-out, the waterfall chart and its layers show what the API allocated', async ({ page, desk }, testInfo) => {
  const c = await bigCase(desk);
  test.skip(c.status !== 'open', `case ${c.id} of ${BIG} is ${c.status} already`);
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await openCase(page, c.id);

  // Porting: the healthy client accounts to a member already in a margin shortfall are refused in place, and
  // nothing moves.
  await expect(page.getByTestId('port-account').first()).toHaveAttribute('data-status', /.+/);
  await page.getByTestId('port-healthy').click();
  await page.getByTestId('port-to').selectOption('KCM');
  await page.getByTestId('port-submit').click();
  await expect(page.getByTestId('port-error')).toBeVisible();
  await expect(page.getByTestId('port-error')).toHaveAttribute('data-code', /receiver_shortfall|not_healthy/);
  expect((await caseOf(desk, c.id)).ports).toHaveLength(0);
  await snap(page, testInfo, 'default-port-refused');

  // Close-out through the liquidation machinery.
  await page.getByTestId('closeout-submit').click();
  await expect(page.getByTestId('case-detail')).toHaveAttribute('data-status', 'closed_out');
  const closed = await caseOf(desk, c.id);
  await expect(page.getByTestId('closeout-loss')).toHaveAttribute('data-value', closed.closeOut!.loss);
  await expect(page.getByTestId('closeout-margin')).toHaveAttribute('data-value', closed.closeOut!.margin);

  // The waterfall.
  await page.getByTestId('waterfall-run-submit').click();
  await expect(page.getByTestId('case-detail')).toHaveAttribute('data-status', 'allocated');
  const w = (await caseOf(desk, c.id)).waterfall!;
  expect(w.layers.map((l) => l.name)).toEqual(['defaulterMargin', 'defaulterDefaultFund', 'ccpFirstTranche', 'defaultFund', 'ccpSecondTranche', 'assessments']);
  expect(w.layers.find((l) => l.name === 'ccpFirstTranche')!.available).toBe('5000000');
  expect(new Decimal(w.layers.find((l) => l.name === 'assessments')!.used).gt(0)).toBe(true);

  const chart = page.getByTestId('waterfall-chart');
  await expect(chart).toBeVisible();
  await expect(chart.getByTestId('waterfall-chart-row')).toHaveCount(w.layers.length);
  for (const l of w.layers) {
    const row = page.locator(`[data-testid="waterfall-layer"][data-layer="${l.name}"]`);
    await expect(row.locator('[data-col="available"] [data-value]')).toHaveAttribute('data-value', l.available);
    await expect(row.locator('[data-col="used"] [data-value]')).toHaveAttribute('data-value', l.used);
    await expect(row.locator('[data-col="remaining"] [data-value]')).toHaveAttribute('data-value', l.remaining);
    // The chart's bar: the used and remaining segments carry the same amounts (a zero draws nothing).
    const bar = chart.locator(`[data-testid="waterfall-chart-row"][data-row="${l.name}"]`);
    for (const [key, v] of [['used', l.used], ['remaining', l.remaining]] as const) {
      const seg = bar.locator(`[data-key="${key}"]`);
      if (new Decimal(v).gt(0)) await expect(seg).toHaveAttribute('data-value', v);
      else await expect(seg).toHaveCount(0);
    }
  }
  // The layers add up to the close-out loss; the default fund layer is split exactly over the survivors.
  expect(w.layers.reduce((s, l) => s.plus(l.used), new Decimal(w.residual)).eq(closed.closeOut!.loss)).toBe(true);
  const split = w.members.filter((m) => m.id !== BIG).reduce((s, m) => s.plus(m.defaultFundUsed), new Decimal(0));
  expect(split.eq(w.layers.find((l) => l.name === 'defaultFund')!.used)).toBe(true);
  await expect(page.getByTestId('waterfall-member')).toHaveCount(w.members.length);
  await expect(page.getByTestId('waterfall-residual')).toHaveAttribute('data-value', w.residual);
  await page.getByTestId('waterfall-chart').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'default-waterfall');
});

test('(c) a supervisor asks for the assessments, a second confirms them in the inbox; an operator pays one, and it shows paid', async ({ page, desk }, testInfo) => {
  const c = await allocatedCase(desk);
  test.skip(c.assessments.length > 0, `case ${c.id}'s assessments were triggered already`);
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await openCase(page, c.id);
  const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
  await page.getByTestId('assess-due').fill(due);
  await page.getByTestId('assess-submit').click();
  // Irreversible at scale: the assessments wait for a second supervisor, and nothing is assessed yet.
  await expect(page.getByTestId('assess-ok')).toContainText('waits for a second supervisor');
  await expect(page.getByTestId('case-held-item')).toHaveAttribute('data-channel', 'default.assess');
  expect((await caseOf(desk, c.id)).assessments).toEqual([]);
  // Its requester's inbox shows it waiting for someone else, with no confirm.
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  const mine = page.getByTestId('inbox-item').filter({ hasText: `default case ${c.id}` });
  await expect(mine).toHaveAttribute('data-mine', 'true');
  await expect(mine.getByTestId('inbox-confirm')).toHaveCount(0);
  await expect(mine.getByTestId('inbox-why')).toContainText('a second, different supervisor');
  await snap(page, testInfo, 'inbox-requester');
  await signOut(page);
  await signIn(page, desk, 'supervisor2', DEMO_PASSWORDS.supervisor2);
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  const held = page.getByTestId('inbox-for-me').getByTestId('inbox-item').filter({ hasText: `default case ${c.id}` });
  await expect(held.getByTestId('inbox-summary')).toContainText('trigger the assessments');
  await snap(page, testInfo, 'inbox-second-supervisor');
  await held.getByTestId('inbox-confirm').click();
  await expect(held).toHaveCount(0);
  await openCase(page, c.id);
  const assessed = (await caseOf(desk, c.id)).assessments;
  expect(assessed.length).toBeGreaterThan(0);
  expect(assessed.some((a) => a.member === BIG)).toBe(false);
  await expect(page.getByTestId('case-assessment')).toHaveCount(assessed.length);
  await expect(page.getByTestId('assess-submit')).toBeDisabled();

  // The operator's desk: Assessments (g e), the list with its due dates, one opened and paid in full.
  await signOut(page);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.keyboard.press('g');
  await page.keyboard.press('e');
  await expect(page.getByTestId('screen-assessments')).toBeVisible();
  const all = await api<AssessmentView[]>(desk, 'viewer', 'assessments.list', {});
  await expect(page.getByTestId('assessment-row')).toHaveCount(all.length);
  const one = assessed[0]!;
  const row = page.locator(`[data-testid="assessment-row"][data-row-id="${one.id}"]`);
  await expect(row.locator('[data-col="due"]')).toHaveText(`${due.slice(0, 10)} ${due.slice(11, 16)}:00`);
  await row.click();
  await expect(page.getByTestId('assessment-detail')).toHaveAttribute('data-assessment', String(one.id));
  await expect(page.getByTestId('pay-amount')).toHaveValue(one.outstanding);
  await page.getByTestId('pay-note').fill('wire ref E2E-1');
  await page.getByTestId('pay-submit').click();
  await expect(page.getByTestId('assessment-status')).toHaveAttribute('data-status', 'paid');
  await expect(page.getByTestId('assessment-paid')).toHaveAttribute('data-value', one.amount);
  await expect(page.getByTestId('assessment-outstanding')).toHaveAttribute('data-value', '0');
  await expect(row.locator('[data-col="status"]')).toHaveAttribute('data-status', 'paid');
  await expect(page.getByTestId('assessment-payment')).toHaveCount(1);

  const paid = (await api<AssessmentView[]>(desk, 'viewer', 'assessments.list', { case: c.id })).find((a) => a.id === one.id)!;
  expect(paid.status).toBe('paid');
  expect(new Decimal(paid.paid).eq(paid.amount)).toBe(true);
  expect(paid.payments.map((p) => [p.actor, p.note])).toEqual([['operator', 'wire ref E2E-1']]);

  // The review: nothing is past due yet, and it says so.
  await page.getByTestId('review-submit').click();
  await expect(page.getByTestId('review-result')).toHaveAttribute('data-overdue', '0');
  await expect(page.getByTestId('review-result')).toContainText('no member moved to watch');
  await snap(page, testInfo, 'assessments-paid');
});

test('(d) a supervisor adds a scenario; a stress run shows its progress and a Cover-2 equal to the API and to the two largest uncovered losses', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const id = 'e2e-crypto-crash';
  await call(desk, 'supervisor', 'stress.deleteScenario', { id });
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Alt+9');
  await expect(page.getByTestId('screen-stress')).toBeVisible();
  const library = await api<StressScenarioView[]>(desk, 'viewer', 'stress.scenarios', {});
  await expect(page.getByTestId('scenario-row')).toHaveCount(library.length);

  // A new scenario: two shocks, typed as exact fractions; a bad one is refused in place, naming the field.
  await page.getByTestId('scenario-new').click();
  await page.getByTestId('scenario-id').fill(id);
  await page.getByTestId('scenario-name').fill('E2E crypto crash');
  await page.getByTestId('scenario-shock-key').last().fill('BTC');
  await page.getByTestId('scenario-shock-value').last().fill('-1.2');
  await page.getByTestId('scenario-save-submit').click();
  await expect(page.getByTestId('scenario-save-error')).toContainText('above -1');
  await page.getByTestId('scenario-shock-value').last().fill('-0.45');
  await page.getByTestId('scenario-add-shock').click();
  await page.getByTestId('scenario-shock-key').last().fill('ETH');
  await page.getByTestId('scenario-shock-value').last().fill('-0.5');
  await page.getByTestId('scenario-save-submit').click();
  await expect(page.getByTestId('scenario-save-ok')).toBeVisible();
  await expect(page.getByTestId('scenario-row')).toHaveCount(library.length + 1);
  const saved = (await api<StressScenarioView[]>(desk, 'viewer', 'stress.scenarios', {})).find((s) => s.id === id)!;
  expect(saved.shocks).toEqual({ BTC: '-0.45', ETH: '-0.5' });
  expect(saved.updatedBy).toBe('supervisor');
  await page.getByTestId('scenario-editor-close').click();

  // The run: held at the door for a moment, the bar is indeterminate and the run can be cancelled; then the steps
  // the server reports, one per scenario after the base valuation.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/api/invoke/stress.run', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByTestId('stress-run').click();
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-running', 'true');
  await expect(page.getByTestId('stress-progress').getByRole('progressbar')).toHaveClass(/indeterminate/);
  await expect(page.getByTestId('stress-cancel')).toBeEnabled();
  await snap(page, testInfo, 'stress-running');
  release();
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  await page.unroute('**/api/invoke/stress.run');
  const total = library.length + 2;
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-done', String(total));
  await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-total', String(total));
  await page.getByTestId('stress-steps').locator('..').locator('summary').click();
  await expect(page.getByTestId('stress-step')).toHaveCount(total);
  await expect(page.getByTestId('stress-step').last()).toHaveAttribute('data-label', /.+/);

  // Cover-2 as the API computes it on the same ledger.
  const report = await api<StressReport>(desk, 'viewer', 'stress.run', {});
  await expect(page.getByTestId('stress-cover2-value')).toHaveAttribute('data-value', report.cover2.amount);
  await expect(page.getByTestId('stress-cover1-value')).toHaveAttribute('data-value', report.cover1.amount);
  await expect(page.getByTestId('stress-prefunded-value')).toHaveAttribute('data-value', report.prefunded.total);
  await expect(page.getByTestId('stress-cover2-covered')).toHaveAttribute('data-covered', String(report.cover2.covered));
  await expect(page.getByTestId('stress-scenario')).toHaveCount(report.scenarios.length);
  // The scenario shown is Cover-2's; its two largest uncovered losses, as the table shows them, add up to it.
  await expect(page.getByTestId('stress-shown')).toHaveAttribute('data-scenario', report.cover2.scenario!);
  const shown = report.scenarios.find((s) => s.id === report.cover2.scenario)!;
  await expect(page.getByTestId('stress-member')).toHaveCount(shown.members.length);
  const uncovered = await page.getByTestId('stress-uncovered').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')!));
  const top2 = uncovered
    .map((v) => new Decimal(v))
    .sort((a, b) => b.cmp(a))
    .slice(0, 2);
  expect(top2[0]!.plus(top2[1]!).eq(report.cover2.amount)).toBe(true);
  await expect(page.getByTestId('stress-chart')).toBeVisible();
  await expect(page.getByTestId('stress-chart').locator(`[data-row="${report.cover2.members[0]}"] [data-key="uncovered"]`)).toHaveAttribute('data-value', shown.members[0]!.uncovered);
  await page.getByTestId('stress-shown').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'stress-results');
});
