// Default management end to end (issue 5, design.md §2.4-2.6) in browser mode: a default declared with four eyes,
// the waterfall chart after a close-out, assessments triggered and one paid, and a stress run with its progress and
// its Cover-2 figure. The worker's ledger gets CCP tranches (the demo's are 0), so it is this file's own. A case big
// enough to reach the assessments needs a defaulter whose book loses more than every prefunded layer: one of its
// client accounts gets a USD debit (a failed settlement) through a collateral import before the default. Each test
// defaults a member of its own and builds what it needs through the API, so that it runs alone or after the others
// and never finds its case in another test's state. Figures are asserted as the screen writes them (support/shown.ts).
import { Decimal } from 'decimal.js';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';
import { snap, ensureCycle } from './support/screens.ts';
import { call, api } from './support/api.ts';
import { defaultAfterDebit, openCase } from './support/defaults.ts';
import { compact, decimal, money } from './support/shown.ts';
import type { AssessmentView, DefaultCaseDetail, DefaultCaseSummary, MemberStanding, StressReport, StressScenarioView } from '../shared/contractRecovery.ts';

test.use({ viewport: { width: 1600, height: 1000 }, deskPolicy: { ccpFirstTranche: '5000000', ccpSecondTranche: '10000000' } });

const caseOf = (desk: Desk, id: number) => api<DefaultCaseDetail>(desk, 'viewer', 'default.get', { case: id });

/** The stress chart's name for a member's uncovered loss (its segment's hover says it with the amount). */
const UNCOVERED_LABEL = 'uncovered (beyond the margin held)';

/** The debit a defaulter's client account carries: a loss past every prefunded layer, into the assessments. */
const DEBIT = '-400000000';

/** `member`'s case closed out and allocated (the waterfall run) through the API. */
async function allocatedCase(desk: Desk, member: string): Promise<DefaultCaseDetail> {
  const c = await defaultAfterDebit(desk, member, DEBIT);
  await api(desk, 'supervisor', 'default.closeOut', { case: c.id });
  await api(desk, 'supervisor', 'default.waterfall', { case: c.id });
  return caseOf(desk, c.id);
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
  await expect(page.getByTestId('member-status')).toHaveText('active');
  // A reason is required: the command says so in place, and nothing is declared.
  await page.getByTestId('declare-submit').click();
  await expect(page.getByTestId('declare-error')).toBeVisible();
  expect((await api<DefaultCaseSummary[]>(desk, 'viewer', 'default.list', {})).filter((c) => c.member === member)).toHaveLength(0);
  await page.getByTestId('declare-reason').fill('missed the 09:00 settlement of variation margin');
  await page.getByTestId('declare-submit').click();

  // The case opens awaiting a second supervisor; the declarer cannot confirm it, and says why.
  const detail = page.getByTestId('case-detail');
  await expect(page.getByTestId('case-status')).toHaveText('awaiting 2nd');
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
  await expect(page.getByTestId('case-status')).toHaveText('open');
  await expect(page.getByTestId('case-confirmed-by')).toContainText('supervisor2');
  await expect(page.getByTestId('case-event').filter({ hasText: 'supervisor2' })).toContainText('confirmed');
  await expect(page.getByTestId('member-row').filter({ hasText: member }).locator('[data-col="status"]')).toHaveText('defaulted');

  const after = await caseOf(desk, id);
  expect(after.status).toBe('open');
  expect([after.declaredBy, after.confirmedBy]).toEqual(['supervisor', 'supervisor2']);
  expect((await api<MemberStanding[]>(desk, 'viewer', 'members.list', {})).find((m) => m.id === member)!.status).toBe('defaulted');
  await snap(page, testInfo, 'default-confirmed');
});

test('(b) after the close-out, the waterfall chart and its layers show what the API allocated', async ({ page, desk }, testInfo) => {
  const member = 'CLM';
  const c = await defaultAfterDebit(desk, member, DEBIT);
  expect(c.status).toBe('open');
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
  await expect(page.getByTestId('case-status')).toHaveText('closed out');
  const closed = await caseOf(desk, c.id);
  await expect(page.getByTestId('closeout-loss')).toHaveText(money(closed.closeOut!.loss));
  await expect(page.getByTestId('closeout-margin')).toHaveText(money(closed.closeOut!.margin));

  // The waterfall.
  await page.getByTestId('waterfall-run-submit').click();
  await expect(page.getByTestId('case-status')).toHaveText('allocated');
  const w = (await caseOf(desk, c.id)).waterfall!;
  expect(w.layers.map((l) => l.name)).toEqual(['defaulterMargin', 'defaulterDefaultFund', 'ccpFirstTranche', 'defaultFund', 'ccpSecondTranche', 'assessments']);
  expect(w.layers.find((l) => l.name === 'ccpFirstTranche')!.available).toBe('5000000');
  expect(new Decimal(w.layers.find((l) => l.name === 'assessments')!.used).gt(0)).toBe(true);

  const chart = page.getByTestId('waterfall-chart');
  await expect(chart).toBeVisible();
  await expect(chart.getByTestId('waterfall-chart-row')).toHaveCount(w.layers.length);
  for (const l of w.layers) {
    const row = page.locator(`[data-testid="waterfall-layer"][data-layer="${l.name}"]`);
    await expect(row.locator('[data-col="available"]')).toHaveText(money(l.available));
    await expect(row.locator('[data-col="used"]')).toHaveText(money(l.used));
    await expect(row.locator('[data-col="remaining"]')).toHaveText(money(l.remaining));
    // The chart's bar: the used and remaining segments say the same amounts on hover (a zero draws nothing).
    const bar = chart.locator(`[data-testid="waterfall-chart-row"][data-row="${l.name}"]`);
    for (const [key, v] of [['used', l.used], ['remaining', l.remaining]] as const) {
      const seg = bar.locator(`[data-key="${key}"]`);
      if (new Decimal(v).gt(0)) await expect(seg).toHaveAttribute('title', `${key}: ${decimal(v)}`);
      else await expect(seg).toHaveCount(0);
    }
  }
  // The layers add up to the close-out loss; the default fund layer is split exactly over the survivors.
  expect(w.layers.reduce((s, l) => s.plus(l.used), new Decimal(w.residual)).eq(closed.closeOut!.loss)).toBe(true);
  const split = w.members.filter((m) => m.id !== member).reduce((s, m) => s.plus(m.defaultFundUsed), new Decimal(0));
  expect(split.eq(w.layers.find((l) => l.name === 'defaultFund')!.used)).toBe(true);
  await expect(page.getByTestId('waterfall-member')).toHaveCount(w.members.length);
  for (const m of w.members) {
    await expect(page.locator(`[data-testid="waterfall-member"][data-member="${m.id}"] [data-col="used"]`)).toHaveText(money(m.defaultFundUsed));
  }
  await expect(page.getByTestId('waterfall-residual')).toHaveText(money(w.residual));
  await page.getByTestId('waterfall-chart').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'default-waterfall');
});

test('(c) a supervisor asks for the assessments, a second confirms them in the inbox; an operator pays one, and it shows paid', async ({ page, desk }, testInfo) => {
  // Its case is its own, built through the API first (a cycle when none ran, the debit, two supervisors, the
  // close-out and the waterfall), before three sign-ins: more than the default minute on a busy 2-core host.
  test.setTimeout(150_000);
  const member = 'RFI';
  const c = await allocatedCase(desk, member);
  expect(c.assessments).toEqual([]);
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
  expect(assessed.some((a) => a.member === member)).toBe(false);
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
  await expect(page.getByTestId('assessment-status')).toHaveText('paid');
  await expect(page.getByTestId('assessment-paid')).toHaveText(money(one.amount));
  await expect(page.getByTestId('assessment-outstanding')).toHaveText('0.00');
  await expect(row.locator('[data-col="status"]')).toHaveText('paid');
  await expect(page.getByTestId('assessment-payment')).toHaveCount(1);

  const paid = (await api<AssessmentView[]>(desk, 'viewer', 'assessments.list', { case: c.id })).find((a) => a.id === one.id)!;
  expect(paid.status).toBe('paid');
  expect(new Decimal(paid.paid).eq(paid.amount)).toBe(true);
  expect(paid.payments.map((p) => [p.actor, p.note])).toEqual([['operator', 'wire ref E2E-1']]);

  // The review: nothing is past due yet, and it says so.
  await page.getByTestId('review-submit').click();
  await expect(page.getByTestId('review-result')).toContainText('0 assessments newly overdue');
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
  await expect(page.getByTestId('stress-progress')).toContainText(`step ${total} of ${total}`);
  await page.getByTestId('stress-steps').locator('..').locator('summary').click();
  await expect(page.getByTestId('stress-step')).toHaveCount(total);
  await expect(page.getByTestId('stress-step').last()).toHaveAttribute('data-label', /.+/);

  // Cover-2 as the API computes it on the same ledger.
  const report = await api<StressReport>(desk, 'viewer', 'stress.run', {});
  // Each headline tile in millions or billions, the exact figure on hover.
  for (const [tile, amount] of [['stress-cover2', report.cover2.amount], ['stress-cover1', report.cover1.amount], ['stress-prefunded', report.prefunded.total]] as const) {
    await expect(page.getByTestId(`${tile}-value`)).toHaveText(compact(amount));
    await expect(page.getByTestId(`${tile}-value`)).toHaveAttribute('title', `exact: ${decimal(amount)}`);
  }
  await expect(page.getByTestId('stress-cover2-covered')).toContainText(report.cover2.covered ? /^\s*covered, surplus/ : /NOT covered, surplus/);
  await expect(page.getByTestId('stress-scenario')).toHaveCount(report.scenarios.length);
  // The scenario shown is Cover-2's; its two largest uncovered losses, as the table shows them, add up to it.
  const shown = report.scenarios.find((s) => s.id === report.cover2.scenario)!;
  await expect(page.getByTestId('stress-shown')).toContainText(`${shown.name} per member, largest uncovered first`);
  await expect(page.getByTestId('stress-member')).toHaveCount(shown.members.length);
  // The table shows each member's uncovered loss as the API has it, and the two largest add up to Cover-2.
  await expect(page.getByTestId('stress-uncovered')).toHaveText(shown.members.map((m) => money(m.uncovered)));
  const top2 = shown.members
    .map((m) => new Decimal(m.uncovered))
    .sort((a, b) => b.cmp(a))
    .slice(0, 2);
  expect(top2[0]!.plus(top2[1]!).eq(report.cover2.amount)).toBe(true);
  await expect(page.getByTestId('stress-chart')).toBeVisible();
  await expect(page.getByTestId('stress-chart').locator(`[data-row="${report.cover2.members[0]}"] [data-key="uncovered"]`)).toHaveAttribute(
    'title',
    `${UNCOVERED_LABEL}: ${decimal(shown.members.find((m) => m.member === report.cover2.members[0])!.uncovered)}`,
  );
  await page.getByTestId('stress-shown').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'stress-results');
});
