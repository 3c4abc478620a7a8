// Liquidations end to end (issue 4, design.md §2.3) in browser mode: a price shock brings proposals, the desk edits
// quantities with the after-figures live, four eyes, automation off, a circuit breaker, and fills into the account
// and the insurance fund. The worker's demo ledger gets an insurance-fund fee rate (the demo's is 0), so it is this
// file's own; cycles run at explicit times after the latest one (a cycle cannot run before it), from the demo's last
// mark on, so that every test can run first on a fresh ledger. Figures are asserted as the screen writes them (a
// health ratio exactly, amounts to the cent, quantities with every decimal: support/shown.ts).
import { Decimal } from 'decimal.js';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';
import { snap } from './support/screens.ts';
import { call, api } from './support/api.ts';
import { compact, decimal, money } from './support/shown.ts';
import type { AccountDetail, AutomationStatus, FundEntryView, InstrumentView, LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';

test.use({ viewport: { width: 1600, height: 900 }, deskPolicy: { insuranceFeeRate: '0.0025' } });

const DEMO_LAST_MARK = '2026-03-12T21:00:00.000Z';

/** A health ratio as the figures table writes it: the exact string, or what it says when there is no MM. */
const healthShown = (h: string | null): string => h ?? '— (no MM)';

/** Times for this test's prices and cycles: `minutes` after the latest cycle (or the demo's last mark). */
async function clock(desk: Desk): Promise<(minutes: number) => string> {
  const s = await api<{ asOf: string | null }>(desk, 'viewer', 'dashboard.summary', { historyCycles: 1 });
  const base = Math.max(Date.parse(DEMO_LAST_MARK), s.asOf ? Date.parse(s.asOf) : 0);
  return (minutes) => new Date(base + minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

async function lots(desk: Desk): Promise<Map<string, string>> {
  return new Map((await api<InstrumentView[]>(desk, 'viewer', 'instruments.list', {})).map((i) => [i.id, i.lot]));
}

const live = (desk: Desk) => api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { live: true });
const detailOf = (desk: Desk, id: number) => api<LiquidationDetail>(desk, 'viewer', 'liquidations.get', { id });

/** The first live proposal, newest first, that `ok` accepts (with its detail). */
async function pick(desk: Desk, ok: (d: LiquidationDetail) => boolean): Promise<LiquidationDetail> {
  for (const l of await live(desk)) {
    if (l.status !== 'proposed') continue;
    const d = await detailOf(desk, l.id);
    if (ok(d)) return d;
  }
  throw new Error('no live proposal fits this test');
}

/** Makes sure the ledger has proposals: a cycle after the latest one when nothing is live. */
async function ensureProposals(desk: Desk): Promise<void> {
  if ((await live(desk)).some((l) => l.status === 'proposed')) return;
  const at = await clock(desk);
  await api(desk, 'operator', 'cycle.run', { at: at(30) });
}

async function showLiquidations(page: Page): Promise<void> {
  await page.keyboard.press('Alt+6');
  await expect(page.getByTestId('screen-liquidations')).toBeVisible();
}

/** Opens a proposal the way the desk does from anywhere: Ctrl+K, "#id". */
async function openLiquidation(page: Page, id: number): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open liquidation #${id}` }).click();
  await expect(page.getByTestId('liq-detail')).toHaveAttribute('data-liquidation', String(id));
}

async function importPrices(page: Page, name: string, rows: string[]): Promise<void> {
  await page.getByTestId('nav-market').click();
  const csv = ['instrument,at,mark,source', ...rows, ''].join('\n');
  await page.getByTestId('import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-kind')).toHaveValue('prices');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-ok')).toBeVisible();
}

/** Runs a margin cycle from Market data as of `iso` and waits for its summary. */
async function runCycle(page: Page, iso: string): Promise<void> {
  await page.getByTestId('nav-market').click();
  await page.getByTestId('cycle-at').fill(iso.slice(0, 19));
  await page.getByTestId('cycle-run').click();
  await expect(page.getByTestId('cycle-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('cycle-summary')).toContainText(iso.slice(0, 10));
}

test('(a) a price shock imported in Market data and a cycle bring new proposals into the Liquidations screen', async ({ page, desk }, testInfo) => {
  const at = await clock(desk);
  const t0 = at(30);
  const t1 = at(60);
  // The book as the demo leaves it: a cycle, and the accounts it proposes to liquidate.
  await api(desk, 'operator', 'cycle.run', { at: t0 });
  const before = await live(desk);
  const accountsBefore = new Set(before.map((l) => l.account));

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await showLiquidations(page);
  await expect(page.getByTestId('liq-count')).toHaveAttribute('data-count', String(before.length));

  // A crash: every BTC future and perpetual at 48,000 (about -15% to -19%), every ETH one at 1,500 (about -19%).
  const instruments = await api<InstrumentView[]>(desk, 'viewer', 'instruments.list', {});
  const rows = instruments
    .filter((i) => i.kind !== 'option' && (i.underlying === 'BTC' || i.underlying === 'ETH'))
    .map((i) => `${i.id},${t1},${i.underlying === 'BTC' ? '48000' : '1500'},e2e shock`);
  expect(rows.length).toBeGreaterThan(2);
  await importPrices(page, 'shock-prices.csv', rows);
  await runCycle(page, t1);

  const after = await live(desk);
  const fresh = after.filter((l) => !accountsBefore.has(l.account));
  expect(fresh.length, 'accounts brought into liquidation by the shock').toBeGreaterThan(0);

  // The g q chord, as the rail shows it.
  await page.keyboard.press('g');
  await page.keyboard.press('q');
  await expect(page.getByTestId('screen-liquidations')).toBeVisible();
  await expect(page.getByTestId('liq-filter-live')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('liq-count')).toHaveAttribute('data-count', String(after.length));
  // The queue is the newest first: the top row is one of this cycle's proposals.
  await expect(page.getByTestId('liq-row').first()).toHaveAttribute('data-row-id', String(Math.max(...after.map((l) => l.id))));

  const one = fresh[0]!;
  await openLiquidation(page, one.id);
  const detail = page.getByTestId('liq-detail');
  await expect(detail).toHaveAttribute('data-account', one.account);
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'proposed');
  await expect(page.getByTestId('liq-reasons')).not.toBeEmpty();
  await expect(page.getByTestId('liq-order').first()).toBeVisible();
  await expect(page.getByTestId('liq-figures-health-before')).toHaveText(healthShown(one.before.health));
  // The row in the queue: arrows move the selection and Enter opens it.
  await page.getByTestId('liq-close').click();
  await expect(detail).toBeHidden();
  await page.getByTestId('liq-grid').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-liquidation', (await page.locator('[data-testid="liq-row"][aria-selected="true"]').getAttribute('data-row-id'))!);
  await openLiquidation(page, one.id);
  await snap(page, testInfo, 'liquidations-after-shock');
});

test('(b) an operator edits quantities and sees the after-figures change as they type; a bad quantity is refused in place', async ({ page, desk }, testInfo) => {
  await ensureProposals(desk);
  const lot = await lots(desk);
  const twoLots = (i: string) => new Decimal(lot.get(i)!).mul(2);
  const d = await pick(desk, (x) => !x.fourEyes && x.orders.length > 0 && new Decimal(x.orders[0]!.quantity).gte(twoLots(x.orders[0]!.instrument)));
  const order = d.orders[0]!;
  const oneLot = lot.get(order.instrument)!;
  const preview = (q: string) => api<{ after: { health: string | null; equity: string }; targetMet: boolean }>(desk, 'viewer', 'liquidations.preview', { id: d.id, orders: [{ instrument: order.instrument, quantity: q }] });

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await showLiquidations(page);
  await openLiquidation(page, d.id);
  const input = page.getByTestId(`liq-qty-${order.instrument}`);
  await expect(input).toHaveValue(order.quantity);
  await expect(page.getByTestId('liq-figures-health-preview')).toHaveCount(0);
  await expect(page.getByTestId('liq-figures-health-desk')).toHaveText(healthShown(d.after.health));

  // One lot instead of the engine's quantity: the after-figures as the server evaluates them, live.
  for (const q of [oneLot, twoLots(order.instrument).toString()]) {
    const want = await preview(q);
    await input.fill(q);
    await expect(page.getByTestId('liq-figures-health-preview')).toHaveText(healthShown(want.after.health));
    await expect(page.getByTestId('liq-figures-equity-preview')).toHaveText(money(want.after.equity));
    await expect(page.getByTestId('liq-target')).toHaveAttribute('data-met', String(want.targetMet));
    expect(want.after.health).not.toBe(d.after.health);
  }
  // Closing less leaves less health than the desk's plan.
  const h = await page.getByTestId('liq-figures-health-preview').innerText();
  expect(new Decimal(h).lt(new Decimal(d.after.health!))).toBe(true);
  await snap(page, testInfo, 'liquidation-edit-preview');

  // Not a lot multiple: the server's words under the input, and no after-figures for it.
  await input.fill(new Decimal(oneLot).mul(1.5).toString());
  await expect(page.getByTestId('liq-qty-error')).toContainText(`not a multiple of the ${order.instrument} lot ${oneLot}`);
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('liq-target')).toHaveAttribute('data-met', 'refused');
  await expect(page.getByTestId('liq-approve-submit')).toBeDisabled();
  await snap(page, testInfo, 'liquidation-edit-refused');

  // More than the position: refused too, naming it.
  const acct = await api<AccountDetail>(desk, 'viewer', 'accounts.detail', { id: d.account });
  const held = new Decimal(acct.positions.find((p) => p.instrument === order.instrument)!.quantity).abs();
  await input.fill(held.plus(oneLot).toString());
  await expect(page.getByTestId('liq-qty-error')).toContainText('cannot close');

  // Undo: the desk's quantities again, no preview.
  await page.getByTestId('liq-undo-edits').click();
  await expect(input).toHaveValue(order.quantity);
  await expect(page.getByTestId('liq-figures-health-preview')).toHaveCount(0);
  await expect(page.getByTestId('liq-qty-error')).toHaveCount(0);

  // Approve one lot with a note: the engine's quantity stays beside the desk's, and the edit is in the history.
  await input.fill(oneLot);
  await expect(page.getByTestId('liq-figures-health-preview')).toBeVisible();
  await page.getByTestId('liq-approve-note').fill('smaller first close while the market settles (e2e)');
  await page.getByTestId('liq-approve-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'approved');
  const row = page.locator(`[data-testid="liq-order"][data-instrument="${order.instrument}"]`);
  await expect(row.getByTestId('liq-order-proposed')).toHaveText(decimal(order.proposedQuantity, 0));
  await expect(row.getByTestId('liq-order-quantity')).toHaveText(decimal(oneLot, 0));
  await expect(page.locator('[data-testid="liq-event"][data-kind="edited"]')).toHaveAttribute('data-actor', 'operator');
  await expect(page.locator('[data-testid="liq-event"][data-kind="approved"]')).toContainText('smaller first close');
  await expect(page.getByTestId('liq-figures-health-desk')).not.toHaveText(healthShown(d.after.health));
  await snap(page, testInfo, 'liquidation-edited-approved');
});

test('(c) four eyes: the same supervisor cannot approve twice, a second supervisor confirms', async ({ page, desk }, testInfo) => {
  await ensureProposals(desk);
  const d = await pick(desk, (x) => x.fourEyes);

  // An operator sees why not, and the command layer refuses regardless.
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await showLiquidations(page);
  await openLiquidation(page, d.id);
  await expect(page.getByTestId('liq-four-eyes')).toBeVisible();
  await expect(page.getByTestId('liq-approve-submit')).toBeDisabled();
  await expect(page.getByTestId('liq-approve-why')).toContainText('supervisor');
  expect(await call(desk, 'operator', 'liquidations.approve', { id: d.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  await signOut(page);

  // The first supervisor approves: awaiting a second approval.
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await showLiquidations(page);
  await openLiquidation(page, d.id);
  await expect(page.getByTestId('liq-approve-submit')).toBeEnabled();
  await page.getByTestId('liq-approve-note').fill('first approval (e2e)');
  await page.getByTestId('liq-approve-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'pending_second');
  await expect(page.getByTestId('liq-approved-by')).toHaveText('supervisor');
  // Not twice by the same supervisor: the screen says so, and the command layer refuses.
  await expect(page.getByTestId('liq-confirm-submit')).toBeDisabled();
  await expect(page.getByTestId('liq-confirm-why')).toContainText('different supervisor');
  expect(await call(desk, 'supervisor', 'liquidations.approve', { id: d.id })).toMatchObject({ ok: false, error: { code: 'four_eyes' } });
  expect((await detailOf(desk, d.id)).status).toBe('pending_second');
  await snap(page, testInfo, 'four-eyes-awaiting-second');

  // The queue shows it among those awaiting a second approval.
  await page.getByTestId('liq-filter-pending_second').click();
  await expect(page.locator(`[data-testid="liq-row"][data-row-id="${d.id}"] [data-col="status"]`)).toHaveAttribute('data-status', 'pending_second');
  await signOut(page);

  // A second, different supervisor confirms.
  await signIn(page, desk, 'supervisor2', DEMO_PASSWORDS.supervisor2);
  await showLiquidations(page);
  await openLiquidation(page, d.id);
  await expect(page.getByTestId('liq-first-approval')).toContainText('supervisor');
  await expect(page.getByTestId('liq-confirm-submit')).toBeEnabled();
  await page.getByTestId('liq-confirm-note').fill('checked the orders (e2e)');
  await page.getByTestId('liq-confirm-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'approved');
  await expect(page.getByTestId('liq-decided')).toHaveText(/approved by supervisor, confirmed by supervisor2/);
  await expect(page.locator('[data-testid="liq-event"][data-kind="confirmed"]')).toHaveAttribute('data-actor', 'supervisor2');
  await expect(page.locator('[data-testid="liq-event"][data-kind="approved"]')).toHaveAttribute('data-actor', 'supervisor');
  await snap(page, testInfo, 'four-eyes-confirmed');
});

test('(d) with automation off nothing executes: a later cycle leaves every proposal to the desk, with no fills', async ({ page, desk }, testInfo) => {
  await ensureProposals(desk);
  const status = await api<AutomationStatus>(desk, 'viewer', 'automation.status', {});
  expect(status.globalEnabled).toBe(false);
  const proposedBefore = (await live(desk)).filter((l) => l.status === 'proposed');
  expect(proposedBefore.length).toBeGreaterThan(0);
  const executedBefore = await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { status: 'executed' });
  const target = proposedBefore[0]!.account;

  // A supervisor turns automation off for one account too, with a reason: the switch is listed with who and why.
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill('automation switches');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('liq-automation-global')).toHaveAttribute('data-enabled', 'false');
  await expect(page.getByTestId('automation-global-state')).toHaveAttribute('data-enabled', 'false');
  await page.getByTestId('automation-switch-scope').selectOption('account');
  await page.getByTestId('automation-switch-target').fill(target);
  await page.getByTestId('automation-switch-enabled').selectOption('off');
  await page.getByTestId('automation-switch-reason').fill('member disputes the marks (e2e)');
  await page.getByTestId('automation-switch-submit').click();
  const sw = page.locator(`[data-testid="automation-switch-row"][data-target="${target}"]`);
  await expect(sw).toHaveAttribute('data-enabled', 'false');
  await expect(sw).toContainText('supervisor');
  await expect(sw).toContainText('member disputes the marks');
  await snap(page, testInfo, 'automation-switches');

  // The next cycle: every untouched proposal is planned again, as the same proposal, and stays proposed; nothing
  // is filled.
  const at = await clock(desk);
  await runCycle(page, at(30));
  const after = await live(desk);
  for (const p of proposedBefore) {
    const now = after.find((l) => l.account === p.account);
    if (!now) continue; // no longer in trouble
    expect(now.id, `${p.account} keeps its proposal`).toBe(p.id);
    expect(now.status, `${p.account}`).toBe('proposed');
    expect(now.automation.allowed).toBe(false);
    expect(now.automation.why).toMatch(/^automation is off(;|$)/);
  }
  for (const l of after.filter((x) => x.status === 'proposed').slice(0, 5)) expect((await detailOf(desk, l.id)).fills).toEqual([]);
  const executedAfter = await api<LiquidationSummary[]>(desk, 'viewer', 'liquidations.list', { status: 'executed' });
  expect(executedAfter.map((l) => l.id)).toEqual(executedBefore.map((l) => l.id));
  const statusAfter = await api<AutomationStatus>(desk, 'viewer', 'automation.status', {});
  expect(statusAfter.funds).toEqual(status.funds);

  // The screen says the same: proposed, automation off, nothing executed by automation.
  await showLiquidations(page);
  await page.getByTestId('liq-view-proposals').click();
  await page.getByTestId('liq-filter-proposed').click();
  await expect(page.getByTestId('liq-count')).toHaveAttribute('data-count', String(after.filter((l) => l.status === 'proposed').length));
  await expect(page.locator('[data-testid="liq-row"] [data-col="automation"]').first()).toHaveAttribute('data-allowed', 'false');
  await expect(page.locator('[data-testid="liq-row"] [data-col="automation"]').first()).toContainText('automation is off');
  await page.getByTestId('liq-filter-executed').click();
  await expect(page.getByTestId('liq-count')).toHaveAttribute('data-count', String(executedAfter.length));
  await page.getByTestId('liq-filter-live').click();
  await snap(page, testInfo, 'automation-off-nothing-executed');
});

test('(e) a band breach trips the circuit breaker: the screen shows it, and a supervisor resets it', async ({ page, desk }, testInfo) => {
  const at = await clock(desk);
  const t1 = at(30);
  const t2 = at(35);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  // BTC-PERP (band 10%) from 60,000 to 50,000 within five minutes: a fall of 16.67%, measured from the 60,000 it
  // fell from (not 20% of the low).
  await importPrices(page, 'band-prices.csv', [`BTC-PERP,${t1},60000,e2e band`, `BTC-PERP,${t2},50000,e2e band`]);
  await runCycle(page, t2);
  await expect(page.getByTestId('toasts')).toContainText('BTC-PERP circuit breaker tripped');

  await showLiquidations(page);
  const banner = page.getByTestId('breakers-tripped');
  await expect(banner).toBeVisible();
  const b = banner.locator('[data-testid="breaker"][data-instrument="BTC-PERP"]');
  await expect(b).toContainText('Marks fell from 60,000 to 50,000');
  await expect(b.getByTestId('breaker-from')).toHaveText('60,000');
  await expect(b.getByTestId('breaker-to')).toHaveText('50,000');
  await expect(b.getByTestId('breaker-move')).toHaveText('16.6667%');
  await expect(b.getByTestId('breaker-band')).toHaveText('10%');
  await expect(page.getByTestId('screen-liquidations')).toContainText('1 breaker tripped');
  // Resetting is a supervisor's.
  await expect(page.getByTestId('breaker-reset-BTC-PERP-submit')).toBeDisabled();
  await expect(page.getByTestId('breaker-reset-BTC-PERP-needs')).toHaveText(/supervisor/);
  const tripped = await api<AutomationStatus>(desk, 'viewer', 'automation.status', {});
  expect(tripped.tripped.map((x) => x.instrument)).toEqual(['BTC-PERP']);
  await snap(page, testInfo, 'breaker-tripped');
  await signOut(page);

  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await showLiquidations(page);
  await page.getByTestId('breaker-reset-BTC-PERP-reason').fill('exchange confirmed the prints; band breach understood (e2e)');
  await page.getByTestId('breaker-reset-BTC-PERP-submit').click();
  await expect(page.getByTestId('breakers-tripped')).toHaveCount(0);
  await page.getByTestId('liq-view-automation').click();
  const row = page.locator('[data-testid="breaker-row"][data-instrument="BTC-PERP"]').first();
  await expect(row).toHaveAttribute('data-reset', 'true');
  await expect(row).toContainText('supervisor');
  await expect(row).toContainText('−16.6667%');
  expect((await api<AutomationStatus>(desk, 'viewer', 'automation.status', {})).tripped).toEqual([]);
  await snap(page, testInfo, 'breaker-reset');
});

test('(f) fills by hand and simulated execute a proposal: the account and the insurance fund change by them', async ({ page, desk }, testInfo) => {
  await ensureProposals(desk);
  const lot = await lots(desk);
  const d = await pick(desk, (x) => !x.fourEyes && x.orders.length > 0 && new Decimal(x.orders[0]!.quantity).gt(lot.get(x.orders[0]!.instrument)!));
  const first = d.orders[0]!;
  const fundsBefore = (await api<AutomationStatus>(desk, 'viewer', 'automation.status', {})).funds;
  expect((await api<AutomationStatus>(desk, 'viewer', 'automation.status', {})).policy.insuranceFeeRate).toBe('0.0025');
  const acctBefore = await api<AccountDetail>(desk, 'viewer', 'accounts.detail', { id: d.account });
  const heldBefore = new Decimal(acctBefore.positions.find((p) => p.instrument === first.instrument)!.quantity);

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await showLiquidations(page);
  await openLiquidation(page, d.id);
  await page.getByTestId('liq-approve-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'approved');

  // One lot by hand at the estimated price: executing, one fill.
  const form = `liq-fill-${first.instrument}`;
  await page.getByTestId(`${form}-quantity`).fill(lot.get(first.instrument)!);
  await page.getByTestId(`${form}-price`).fill(first.estimatedPrice);
  await page.getByTestId(`${form}-submit`).click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'executing');
  await expect(page.getByTestId('liq-fill')).toHaveCount(1);
  await expect(page.getByTestId('liq-fill').first()).toHaveAttribute('data-simulated', 'false');
  await expect(page.locator(`[data-testid="liq-order"][data-instrument="${first.instrument}"] [data-testid="liq-order-filled"]`)).toHaveText(
    decimal(lot.get(first.instrument)!, 0),
  );
  const insuranceAfterOne = (await api<AutomationStatus>(desk, 'viewer', 'automation.status', {})).funds.insurance;
  expect(new Decimal(insuranceAfterOne).gt(fundsBefore.insurance)).toBe(true);
  await expect(page.getByTestId('liq-insurance')).toHaveText(money(insuranceAfterOne));
  await snap(page, testInfo, 'liquidation-partial-fill');

  // The rest simulated at the estimated price, order by order, until executed.
  for (let n = 2; n <= d.orders.length + 1; n++) {
    const next = page.locator('form[data-testid^="liq-fill-"]').first();
    const id = (await next.getAttribute('data-testid'))!;
    await page.getByTestId(`${id}-simulate`).check();
    await page.getByTestId(`${id}-submit`).click();
    await expect(page.getByTestId('liq-fill')).toHaveCount(n);
  }
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'executed');
  await expect(page.locator('[data-testid="liq-event"][data-kind="executed"]')).toBeVisible();
  await expect(page.locator('[data-testid="liq-fill"][data-simulated="true"]')).toHaveCount(d.orders.length);
  await snap(page, testInfo, 'liquidation-executed');

  // The insurance fund grew by exactly its entries for this liquidation, and the screen shows them.
  const fundsAfter = (await api<AutomationStatus>(desk, 'viewer', 'automation.status', {})).funds;
  const entries = (await api<FundEntryView[]>(desk, 'viewer', 'funds.history', { fund: 'insurance' })).filter((e) => e.liquidation === d.id);
  expect(entries.length).toBe(d.orders.length + 1);
  const sum = entries.reduce((s, e) => s.plus(e.amount), new Decimal(0));
  expect(sum.gt(0)).toBe(true);
  expect(new Decimal(fundsAfter.insurance).minus(fundsBefore.insurance).eq(sum)).toBe(true);
  expect(new Decimal(fundsAfter.liquidationRevenue).gt(fundsBefore.liquidationRevenue)).toBe(true);
  await page.getByTestId('liq-view-automation').click();
  await expect(page.getByTestId('fund-insurance-value')).toHaveText(compact(fundsAfter.insurance));
  await page.getByTestId('fund-insurance-history').click();
  await expect(page.locator(`[data-testid="fund-entry"][data-liquidation="${d.id}"]`)).toHaveCount(entries.length);
  // Each entry with the fund's balance after it: the newest one's is the balance now.
  const newest = (await page.getByTestId('fund-entry').first().locator('[data-col="balance"]').innerText()).replace(/,/g, '');
  expect(new Decimal(newest).eq(new Decimal(fundsAfter.insurance).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN))).toBe(true);
  await snap(page, testInfo, 'insurance-fund-history');

  // The account: the position is smaller by the order's quantity, as the Accounts screen shows it.
  const acctAfter = await api<AccountDetail>(desk, 'viewer', 'accounts.detail', { id: d.account });
  const pos = acctAfter.positions.find((p) => p.instrument === first.instrument);
  const heldAfter = new Decimal(pos?.quantity ?? '0');
  expect(heldBefore.abs().minus(heldAfter.abs()).eq(first.quantity)).toBe(true);
  expect(acctAfter.collateral).not.toEqual(acctBefore.collateral);
  await page.getByTestId('liq-view-proposals').click();
  await page.getByTestId('liq-account-link').click();
  await expect(page.getByTestId('account-detail')).toHaveAttribute('data-account', d.account);
  const posRow = page.locator(`[data-testid="positions-row"][data-instrument="${first.instrument}"]`);
  if (pos) await expect(posRow.locator('td').nth(1)).toHaveText(decimal(pos.quantity, 0));
  else await expect(posRow).toHaveCount(0);
  await snap(page, testInfo, 'account-after-liquidation');
});

test('hold, release and reject with a reason: each decision is in the proposal’s history, a short reason is refused in place', async ({ page, desk }, testInfo) => {
  await ensureProposals(desk);
  const d = await pick(desk, (x) => !x.fourEyes);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await showLiquidations(page);
  await openLiquidation(page, d.id);

  await page.getByTestId('liq-hold-reason').fill('waiting for the member to call back (e2e)');
  await page.getByTestId('liq-hold-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'held');
  await expect(page.locator('[data-testid="liq-event"][data-kind="held"]')).toContainText('waiting for the member');
  await expect(page.getByTestId('liq-hold')).toHaveCount(0);
  await page.getByTestId('liq-release-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'proposed');

  await page.getByTestId('liq-reject-reason').fill('no');
  await page.getByTestId('liq-reject-submit').click();
  await expect(page.getByTestId('liq-reject-error-message')).toContainText('reason');
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'proposed');
  await page.getByTestId('liq-reject-reason').fill('member deposited by wire this morning (e2e)');
  await page.getByTestId('liq-reject-submit').click();
  await expect(page.getByTestId('liq-status')).toHaveAttribute('data-status', 'rejected');
  await expect(page.getByTestId('liq-closed')).toBeVisible();
  // Proposed (and planned again by each later cycle: the same proposal), then the desk's decisions in order.
  const kinds = (await page.locator('[data-testid="liq-event"]').allTextContents()).map((t) => /proposed|held|released|rejected/.exec(t)?.[0]);
  expect(kinds[0]).toBe('proposed');
  expect(kinds.filter((k) => k !== 'proposed')).toEqual(['held', 'released', 'rejected']);
  await page.getByTestId('liq-filter-rejected').click();
  await expect(page.locator(`[data-testid="liq-row"][data-row-id="${d.id}"]`)).toBeVisible();
  await snap(page, testInfo, 'liquidation-rejected');
});
