// Issue 21: the detail tables a desk sends on save as CSV through the one writer (shared/csv.ts), holding what the
// table shows, checked here against what the API says of the same rows: an account's positions and collateral, the
// funding paid, a default case's waterfall layers, the comparison of two recovery policies and what the chosen one
// took. The case is also where partial tear-up is chosen in the console: a policy never offers it beside ADL, and
// applying it waits for a second supervisor.
import { Decimal } from 'decimal.js';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap, ensureCycle } from './support/screens.ts';
import { api, asUser } from './support/api.ts';
import { saved, shown } from './support/csv.ts';
import { compareLayouts, defaultAfterDebit, openCase } from './support/defaults.ts';
import type { AccountDetail, AccountsTable, LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';
import type { FigureTrace } from '../shared/contractExplain.ts';
import type { LayoutComparison } from '../shared/contractFunds.ts';
import type { LifecycleOverview } from '../shared/contractLifecycle.ts';
import type { ApprovalView, DefaultCaseDetail, RecoveryComparison } from '../shared/contractRecovery.ts';

test.use({ viewport: { width: 1600, height: 1000 }, deskPolicy: { ccpFirstTranche: '5000000', ccpSecondTranche: '10000000' } });

/** Two decimal strings that are the same number ("12.50" and "12.5"). */
const same = (a: string | undefined, b: string | null | undefined): boolean => a !== undefined && b !== null && b !== undefined && new Decimal(a).eq(b);

test('an account\'s positions and collateral, and the funding paid, save as CSV with the figures the API gives', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  // Funding falls due on today's clock for the demo's perpetuals: paid once, so the history has rows.
  await api(desk, 'operator', 'lifecycle.run', {});
  const detail = await asUser(desk, 'viewer', async (call) => {
    const ids = (await call<AccountsTable>('accounts.list', {})).columns.id;
    for (const id of ids) {
      const d = await call<AccountDetail>('accounts.detail', { id });
      if (d.positions.length > 1 && d.collateral.length > 0) return d;
    }
    throw new Error('no account with two positions and collateral');
  });
  const id = detail.account.id;
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  await page.goto(`${desk.url}#/accounts/${id}`);
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', id);
  await expect(page.getByTestId('positions-row')).toHaveCount(detail.positions.length);

  const [head, ...rows] = await saved(page, 'positions-csv');
  expect(head).toEqual(['Instrument', 'Qty', 'Entry', 'Mark', 'Liq. price', 'Bankr. price', 'uPnL', 'MM', 'IM', 'Notional', ...(detail.positions.some((p) => p.isolated) ? ['Isolated'] : [])]);
  expect(rows.map((r) => r[0])).toEqual(detail.positions.map((p) => p.instrument));
  detail.positions.forEach((p, i) => {
    const r = rows[i]!;
    expect(same(r[1], p.quantity) && same(r[2], p.entryPrice) && same(r[6], p.upnl) && same(r[7], p.mm) && same(r[8], p.im) && same(r[9], p.notional), `${p.instrument}: ${r.join(',')}`).toBe(true);
    if (p.liquidation.price !== null) expect(same(r[4], p.liquidation.price)).toBe(true);
  });

  // The figures table: money shown to the cent, saved exact; health as the engine gives it.
  const f = detail.figures;
  const [gHead, ...gRows] = await saved(page, 'detail-figures-csv');
  expect(gHead).toEqual(['USD', 'Current']);
  expect(gRows.slice(0, 6)).toEqual([
    ['Collateral value', f.collateral],
    ['Equity', f.equity],
    ['Maintenance margin', f.mm],
    ['Initial margin', f.im],
    ['Margin call', f.call ?? ''],
    [f.units.length ? 'Health (worst unit)' : 'Health (equity / MM)', f.health ?? '—'],
  ]);
  expect(gRows[6]).toEqual((await shown(page, 'detail-figures')).rows[6]);

  const [cHead, ...cRows] = await saved(page, 'collateral-csv');
  expect(cHead).toEqual(['Asset', 'Quantity', 'Price', 'Haircut (USD)', 'Value (USD)']);
  expect(cRows.map((r) => r[0])).toEqual(detail.collateral.map((c) => c.asset));
  detail.collateral.forEach((c, i) => expect(same(cRows[i]![1], c.quantity) && same(cRows[i]![4], c.value)).toBe(true));
  await page.getByTestId('positions-csv').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'account-detail-csv');

  const overview = await api<LifecycleOverview>(desk, 'viewer', 'lifecycle.overview', { limit: 50 });
  expect(overview.funding.length).toBeGreaterThan(0);
  await page.getByTestId('nav-market').click();
  await expect(page.getByTestId('funding-history-row')).toHaveCount(overview.funding.length);
  const [fHead, ...fRows] = await saved(page, 'funding-history-csv');
  expect(fHead).toEqual(['Instrument', 'Funding time (UTC)', 'Rate', 'Mark', 'Positions', 'Debited', 'Credited', 'To funding account']);
  expect(fRows.map((r) => [r[0], r[2], r[5], r[6]])).toEqual(overview.funding.map((f) => [f.instrument, f.rate, f.debited, f.credited]));
});

/** CLM defaulted with a settlement failure larger than every prefunded layer and the assessments: a residual left. */
async function caseWithResidual(desk: Desk): Promise<DefaultCaseDetail> {
  const c = await defaultAfterDebit(desk, 'CLM', '-40000000000');
  await api(desk, 'supervisor', 'default.closeOut', { case: c.id });
  return api<DefaultCaseDetail>(desk, 'supervisor', 'default.waterfall', { case: c.id });
}

test('a default case: partial tear-up chosen in the console beside ADL, held for four eyes; layers, comparison and allocations saved as CSV', async ({ page, desk }, testInfo) => {
  test.setTimeout(180_000);
  const c = await caseWithResidual(desk);
  expect(new Decimal(c.waterfall!.residual).gt(0), `residual ${c.waterfall!.residual}`).toBe(true);
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await openCase(page, c.id);

  const [lHead, ...layers] = await saved(page, 'waterfall-layers-csv');
  expect(lHead).toEqual(['Layer', 'Available', 'Used', 'Remaining']);
  expect(layers.map((r) => r.slice(1))).toEqual(c.waterfall!.layers.map((l) => [l.available, l.used, l.remaining]));

  // Where the recovery tools are chosen: tear-up is offered, never in one policy with ADL (the server's rule).
  const offered = await page.getByTestId('compare-a').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(offered).toContain('partialTearUp,socialisedLoss');
  expect(offered.filter((v) => v.includes('adl') && v.includes('partialTearUp'))).toEqual([]);
  await page.getByTestId('compare-a').selectOption('partialTearUp,socialisedLoss');
  await page.getByTestId('compare-b').selectOption('adl,socialisedLoss');
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-table')).toBeVisible();
  const cmp = await api<RecoveryComparison>(desk, 'viewer', 'default.compare', { case: c.id, a: ['partialTearUp', 'socialisedLoss'], b: ['adl', 'socialisedLoss'] });
  const [cHead, ...cRows] = await saved(page, 'compare-csv');
  expect(cHead).toEqual(['Member', 'A: Partial tear-up → Socialised loss', 'B: Auto-deleveraging → Socialised loss', 'B − A']);
  expect(cRows).toEqual([...cmp.members.map((m) => [m.member, m.a, m.b, m.difference]), ['Uncovered', cmp.policies[0].uncovered, cmp.policies[1].uncovered, '']]);
  await snap(page, testInfo, 'recovery-compare-tear-up');

  await page.getByTestId('allocate-choice').selectOption('a');
  await expect(page.getByTestId('allocate-submit')).toHaveText('Apply Partial tear-up → Socialised loss');
  await page.getByTestId('allocate-submit').click();
  if (await page.getByTestId('allocate-ask').isVisible()) await page.getByTestId('allocate-confirm').click();
  await expect(page.getByTestId('allocate-ok')).toContainText('second supervisor');
  expect((await api<DefaultCaseDetail>(desk, 'viewer', 'default.get', { case: c.id })).recovery).toBeNull();
  const held = (await api<ApprovalView[]>(desk, 'viewer', 'approvals.list', { status: 'pending' })).find((a) => a.channel === 'default.allocate')!;
  await api(desk, 'supervisor2', 'approvals.confirm', { id: held.id });

  const done = await api<DefaultCaseDetail>(desk, 'viewer', 'default.get', { case: c.id });
  // The second supervisor confirmed elsewhere: the case opened again shows what was applied.
  await page.reload();
  await openCase(page, c.id);
  await expect(page.getByTestId('recovery-allocations')).toBeVisible();
  const [aHead, ...aRows] = await saved(page, 'recovery-allocations-csv');
  expect(aHead).toEqual(['Tool', 'Member', 'Account', 'Amount']);
  expect(aRows).toEqual(done.recovery!.allocations.map((a) => [a.tool === 'partialTearUp' ? 'Partial tear-up' : 'Socialised loss', a.member, a.account ?? '', a.amount]));
  expect(aRows.filter((r) => r[0] === 'Partial tear-up').length).toBeGreaterThan(0);
  await page.getByTestId('recovery-allocations').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'recovery-tear-up-applied');
});

test('a liquidation proposal\'s figures and orders save as CSV, the desk\'s quantity as typed; a plan quantity\'s trace saves its inputs and steps', async ({ page, desk }, testInfo) => {
  // A cycle now, not only one at some time: the worker's ledger is shared, and an earlier test's recovery tools
  // (a partial tear-up) may have moved the positions a proposal of an older cycle was planned on; this proposal and
  // the trace of its quantity must be of the same book.
  await api(desk, 'operator', 'cycle.run', {});
  const live = await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { live: true });
  const l = await api<LiquidationDetail>(desk, 'viewer', 'liquidations.get', { id: live.find((x) => x.status === 'proposed')!.id });
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${l.id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open liquidation #${l.id}` }).click();
  await expect(page.getByTestId('liq-detail')).toBeVisible();
  await expect(page.getByTestId('liq-order')).toHaveCount(l.orders.length);

  const [fHead, ...fRows] = await saved(page, 'liq-figures-csv');
  expect(fHead).toEqual(['USD', 'Before', 'Engine’s plan', l.edited ? 'Desk’s orders' : 'Desk’s orders (= engine)']);
  const sides = [l.before, l.proposedAfter, l.after];
  expect(fRows.slice(0, 5)).toEqual([
    ['Health (equity / MM)', ...sides.map((x) => x.health ?? '')],
    ['Equity', ...sides.map((x) => x.equity)],
    ['Maint. margin', ...sides.map((x) => x.mm)],
    ['Initial margin', ...sides.map((x) => x.im)],
    ['Margin call', ...sides.map((x) => x.call ?? '')],
  ]);

  // Every figure exact, the bankruptcy price too (shown cut to the cent).
  const order = (o: LiquidationDetail['orders'][number], quantity: string) => [
    `${o.side} ${o.instrument}${o.isolated ? ' isolated' : ''}`,
    o.proposedQuantity, quantity, o.estimatedPrice, o.notional, o.fee, o.bankruptcyPrice ?? '',
  ];
  const [oHead, ...oRows] = await saved(page, 'liq-orders-csv');
  expect(oHead).toEqual(['Order', 'Engine qty', 'Desk qty', 'Est. price', 'Notional', 'Fees', 'Bankruptcy']);
  expect(oRows).toEqual(l.orders.map((o) => order(o, o.quantity)));

  // While the desk edits, the file holds the quantity typed; the figures gain the column as edited.
  const first = l.orders[0]!;
  await page.getByTestId(`liq-qty-${first.instrument}`).fill('0');
  await expect(page.getByTestId('liq-figures-health-preview')).toBeVisible();
  const [, ...eRows] = await saved(page, 'liq-orders-csv');
  expect(eRows[0]![2]).toBe('0');
  expect(eRows.map((r) => r.slice(0, 3))).toEqual(l.orders.map((o, i) => order(o, i === 0 ? '0' : o.quantity).slice(0, 3)));
  const [pHead] = await saved(page, 'liq-figures-csv');
  expect(pHead?.at(-1)).toBe('As edited');
  await page.getByTestId('liq-undo-edits').click();

  // The engine's quantity opens into its trace; the trace's inputs and steps save as the API gives them.
  await page.getByTestId('liq-order-explain').first().click();
  await expect(page.getByTestId('trace-value')).toBeVisible();
  const trace = await api<FigureTrace>(desk, 'viewer', 'explain.figure', { account: l.account, figure: 'planQuantity', instrument: first.instrument });
  const [iHead, ...iRows] = await saved(page, 'trace-inputs-csv');
  expect(iHead).toEqual(['Input', 'Value', 'Source']);
  const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
  expect(iRows).toEqual(trace.inputs.map((i) => [flat(i.name), flat(i.value), flat(i.source)]));
  const [sHead, ...sRows] = await saved(page, 'trace-steps-csv');
  expect(sHead).toEqual(['Step', 'Formula', 'Value']);
  expect(sRows).toEqual(trace.steps.map((x) => [flat(x.label), flat(x.formula), x.value ?? '—']));
  await snap(page, testInfo, 'trace-plan-quantity-csv');
});

test('a closed-out default laid out as a CCP\'s waterfall and as a crypto venue\'s: each layout saves its layers as CSV', async ({ page, desk }, testInfo) => {
  const c = await defaultAfterDebit(desk, 'TWC', '-400000000');
  await api(desk, 'supervisor', 'default.closeOut', { case: c.id });
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const layouts = await compareLayouts(page, c.id);
  const lay = await api<LayoutComparison>(desk, 'viewer', 'default.layouts', { case: c.id, crypto: ['adl', 'socialisedLoss'], ccp: ['socialisedLoss'] });
  for (const l of lay.layouts) {
    const [yHead, ...yRows] = await saved(page, `layouts-${l.layout}-csv`);
    expect(yHead).toEqual([l.layout === 'ccp' ? 'CCP waterfall' : 'Crypto venue', 'Available', 'Used']);
    expect(yRows.map((r) => r.slice(1))).toEqual([...l.layers.map((x) => [x.available, x.used]), ['', l.uncovered]]);
    expect(yRows.at(-1)![0]).toBe('Uncovered');
  }
  const [mHead, ...mRows] = await saved(page, 'layouts-members-csv');
  expect(mHead).toEqual(['Member', 'Bears (CCP)', 'Bears (crypto)', 'Crypto − CCP']);
  expect(mRows.map((r) => r.slice(1))).toEqual(lay.members.map((m) => [m.ccp, m.crypto, m.difference]));
  await layouts.getByTestId('layouts-layers').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'layouts-csv');
});
