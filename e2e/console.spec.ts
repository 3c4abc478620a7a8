// The console end to end in browser mode: the real `riskdesk serve` on a 2,000-account demo ledger (e2e/fixtures.ts),
// driven through the screens the desk uses. Every test saves a screenshot of its screen into its output folder.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn, signOut } from './support/signin.ts';
import { ensureCycle, journalHead, snap, visibleAccountRows } from './support/screens.ts';
import { invoke, login } from './http.ts';

test.use({ viewport: { width: 1600, height: 900 } });

test('an operator signs in; the shell shows who, the role, and every screen answers its shortcut', async ({ page, desk }, testInfo) => {
  await page.goto(desk.url);
  // The token is taken out of the address bar as soon as the page has it.
  await expect(page.getByTestId('signin-form')).toBeVisible();
  expect(page.url()).not.toContain('token=');

  // A wrong password: a clear refusal, still on the sign-in screen.
  await page.getByTestId('signin-name').fill('operator');
  await page.getByTestId('signin-password').fill('not-the-password');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error-message')).not.toBeEmpty();
  await expect(page.getByTestId('signin-form')).toBeVisible();

  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await expect(page.getByTestId('whoami-role')).toHaveText('operator');
  await expect(page.getByTestId('screen-dashboard')).toBeVisible();

  // g-chords, Alt+digit, the palette and the help overlay.
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  await expect(page.getByTestId('screen-accounts')).toBeVisible();
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('screen-market')).toBeVisible();
  await page.keyboard.press('g');
  await page.keyboard.press('c');
  await expect(page.getByTestId('screen-calls')).toBeVisible();
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('palette')).toBeVisible();
  await page.getByTestId('palette-input').fill('audit log');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('screen-audit')).toBeVisible();
  await page.keyboard.press('g');
  await page.keyboard.press('d');
  await expect(page.getByTestId('screen-dashboard')).toBeVisible();
  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toBeVisible();
  await snap(page, testInfo, 'shortcuts-help');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toBeHidden();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await snap(page, testInfo, 'dashboard-signed-in');

  // A reload keeps the session (this tab's sessionStorage); a session ended elsewhere brings the sign-in screen back.
  await page.reload();
  await expect(page.getByTestId('whoami-name')).toHaveText('operator');
  const sid = await page.evaluate(() => sessionStorage.getItem('riskdesk.session'));
  expect(sid).toBeTruthy();
  await invoke(desk.baseURL, desk.token, 'session.logout', {}, { session: sid! });
  // The console learns it at its next call: a refresh, or its event feed if that asks first (then the button is
  // already gone with the screen).
  const signin = page.getByTestId('signin-form');
  await Promise.race([signin.waitFor(), page.getByTestId('dash-refresh').click()]);
  await expect(signin).toBeVisible();
  await expect(page.getByTestId('signin-notice')).toContainText('Signed out');
});

test('a margin cycle run from Market data issues calls that the dashboard and the queue show', async ({ page, desk }, testInfo) => {
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  const dashCycle = page.getByTestId('dash-cycle');
  await expect(dashCycle).toBeVisible();
  const before = await dashCycle.getAttribute('data-cycle');
  const wasFirst = before === '';

  await page.getByTestId('nav-market').click();
  await page.getByTestId('cycle-run').click();
  const summary = page.getByTestId('cycle-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  const cycle = Number(await summary.getAttribute('data-cycle'));
  expect(cycle).toBe(wasFirst ? 1 : Number(before) + 1);
  const issued = Number(await page.getByTestId('cycle-calls-issued').textContent());
  // The demo book has accounts in trouble at its last mark: a first cycle calls them.
  if (wasFirst) expect(issued).toBeGreaterThan(0);
  await snap(page, testInfo, 'market-data-cycle-done');

  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('dash-cycle')).toHaveAttribute('data-cycle', String(cycle));
  const openCalls = Number((await page.getByTestId('fig-open-calls-value').textContent())!.replace(/,/g, ''));
  expect(openCalls).toBeGreaterThanOrEqual(issued);
  expect(openCalls).toBeGreaterThan(0);
  await expect(page.getByTestId('chart-margin-history')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await snap(page, testInfo, 'dashboard-after-cycle');

  await page.getByTestId('fig-open-calls').getByRole('button').click();
  await expect(page.getByTestId('screen-calls')).toBeVisible();
  await expect(page.getByTestId('calls-filter-open')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('calls-count')).toHaveAttribute('data-count', String(openCalls));
  await expect(page.getByTestId('call-row').first()).toBeVisible();
  await snap(page, testInfo, 'margin-calls-queue');
});

test('recording a deposit that meets a call settles it and takes it off the open queue', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-calls').click();
  await page.getByTestId('calls-filter-open').click();
  const first = page.getByTestId('call-row').first();
  await expect(first).toBeVisible();
  const id = await first.getAttribute('data-row-id');
  await first.click();
  const detail = page.getByTestId('call-detail');
  await expect(detail).toHaveAttribute('data-call', id!);
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'open');

  const outstanding = (await page.getByTestId('call-outstanding').getAttribute('data-value'))!;
  expect(outstanding).toMatch(/^\d+(\.\d+)?$/);
  await page.getByTestId('deposit-fill').click();
  await expect(page.getByTestId('deposit-amount')).toHaveValue(outstanding);
  await page.getByTestId('deposit-note').fill('wire received (e2e)');
  await page.getByTestId('deposit-submit').click();

  await expect(page.getByTestId('call-status')).toHaveText('met');
  await expect(page.getByTestId('call-outstanding')).toHaveText('0.00');
  await expect(page.getByTestId('call-event').filter({ hasText: 'wire received (e2e)' })).toHaveAttribute('data-kind', 'deposit');
  await expect(page.locator('[data-testid="call-event"][data-kind="met"]')).toHaveCount(1);
  await expect(page.getByTestId('call-closed')).toBeVisible();
  // Off the open queue.
  await expect(page.locator(`[data-testid="call-row"][data-row-id="${id}"]`)).toHaveCount(0);
  await snap(page, testInfo, 'call-met-by-deposit');
});

test('an operator cannot waive a call; a supervisor can, with a reason, and a refusal is shown as the server says it', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-calls').click();
  await page.getByTestId('calls-filter-open').click();
  const first = page.getByTestId('call-row').first();
  await expect(first).toBeVisible();
  const id = (await first.getAttribute('data-row-id'))!;
  await first.click();
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', id);

  // The operator sees why: the control is disabled and names the role it needs.
  const waive = page.getByTestId('waive-submit');
  await expect(waive).toBeDisabled();
  await expect(waive).toHaveAttribute('title', /supervisor/);
  await expect(page.getByTestId('waive-needs')).toHaveText(/supervisor/);
  await expect(page.getByTestId('waive-reason')).toBeDisabled();
  await expect(page.getByTestId('extend-submit')).toBeDisabled();
  // The deposit, an operator action, stays available.
  await expect(page.getByTestId('deposit-submit')).toBeEnabled();
  await snap(page, testInfo, 'operator-cannot-waive');

  // The command layer refuses regardless of what the screen shows.
  const sid = await login(desk.baseURL, desk.token, 'operator', DEMO_PASSWORDS.operator);
  const refused = (await invoke(desk.baseURL, desk.token, 'calls.waive', { id: Number(id), reason: 'trying anyway' }, { session: sid })).json();
  expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });

  await signOut(page);
  await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(`#${id}`);
  await page.getByTestId('palette-item').filter({ hasText: `Open margin call #${id}` }).click();
  await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', id);
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'open');
  await expect(page.getByTestId('waive-submit')).toBeEnabled();

  // Too short a reason: the server's refusal, verbatim, in place; nothing changed.
  await page.getByTestId('waive-reason').fill('ok');
  await page.getByTestId('waive-submit').click();
  await expect(page.getByTestId('waive-error-message')).toContainText('reason');
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'open');
  await snap(page, testInfo, 'supervisor-waive-refused-in-place');

  const reason = 'member posted collateral by wire; confirmed with treasury (e2e)';
  await page.getByTestId('waive-reason').fill(reason);
  await page.getByTestId('waive-submit').click();
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'waived');
  await expect(page.locator('[data-testid="call-event"][data-kind="waived"]')).toContainText(reason);
  await expect(page.locator('[data-testid="call-event"][data-kind="waived"]')).toContainText('supervisor');
  await snap(page, testInfo, 'supervisor-waived');
});

test('the accounts table goes to its last row with End, sorts by health, and opens an account with its what-if', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  const grid = page.getByTestId('accounts-grid');
  await expect(page.getByTestId('account-row').first()).toBeVisible();
  await expect(page.getByTestId('accounts-ready-ms')).toHaveAttribute('data-ms', /^\d+$/);
  const count = Number(await page.getByTestId('accounts-count').getAttribute('data-count'));
  expect(count).toBeGreaterThan(100);
  await expect(grid).toHaveAttribute('aria-rowcount', String(count + 1));
  // Windowed: only the rows in sight (and a few either side) are in the DOM.
  expect(await page.getByTestId('account-row').count()).toBeLessThan(100);

  // End: the last row, selected and in view.
  await grid.focus();
  await page.keyboard.press('End');
  await expect.poll(async () => (await visibleAccountRows(page)).at(-1)?.rowIndex).toBe(count + 1);
  const atEnd = await visibleAccountRows(page);
  expect(atEnd.at(-1)!.selected).toBe(true);
  await snap(page, testInfo, 'accounts-last-row');

  await page.keyboard.press('Home');
  await expect.poll(async () => (await visibleAccountRows(page))[0]?.rowIndex).toBe(2);

  // Sort by health: ascending, accounts without MM (no health) last.
  await page.getByTestId('sort-health').click();
  await expect(page.getByTestId('sort-ms')).toHaveAttribute('data-ms', /^\d+(\.\d+)?$/);
  await expect(page.locator('[role="columnheader"][aria-sort="ascending"]')).toContainText('Health');
  const asc = await visibleAccountRows(page);
  expect(asc.length).toBeGreaterThan(10);
  expect(asc[0]!.rowIndex).toBe(2);
  const ascH = asc.map((r) => r.health);
  expect(ascH.every((h) => h !== null)).toBe(true);
  for (let i = 1; i < ascH.length; i++) expect(ascH[i]!).toBeGreaterThanOrEqual(ascH[i - 1]!);

  // Descending.
  await page.getByTestId('sort-health').click();
  await expect(page.locator('[role="columnheader"][aria-sort="descending"]')).toContainText('Health');
  const desc = (await visibleAccountRows(page)).map((r) => r.health);
  expect(desc.every((h) => h !== null)).toBe(true);
  for (let i = 1; i < desc.length; i++) expect(desc[i]!).toBeLessThanOrEqual(desc[i - 1]!);
  await page.getByTestId('sort-health').click();

  // Keyboard: PageDown moves a selection that stays in view; Enter opens it.
  await grid.focus();
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  await page.keyboard.press('ArrowDown');
  const rows = await visibleAccountRows(page);
  const selected = rows.find((r) => r.selected);
  expect(selected, 'the selected row is in view').toBeTruthy();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('account-detail');
  await expect(detail).toHaveAttribute('data-account', selected!.id);
  await expect(page.getByTestId('detail-figures-equity-current')).toBeVisible();
  await expect(page.getByTestId('positions-row').first()).toBeVisible();
  await snap(page, testInfo, 'accounts-sorted-by-health-detail');

  // What-if: a shock on the first underlying; the ledger is not touched.
  const head = await journalHead(desk);
  const shock = page.locator('[data-testid^="whatif-shock-"]').first();
  await shock.fill('-25');
  await page.getByTestId('whatif-run').click();
  await expect(page.getByTestId('detail-figures-equity-whatif')).toBeVisible();
  await expect(page.getByTestId('whatif-positions')).toBeVisible();
  expect(await journalHead(desk)).toEqual(head);
  await detail.getByTestId('whatif-form').scrollIntoViewIfNeeded();
  await snap(page, testInfo, 'account-what-if');

  // "/" finds an account by id; Enter opens it.
  const last = atEnd.at(-1)!.id;
  await page.getByTestId('detail-close').click();
  await expect(detail).toBeHidden();
  await page.keyboard.press('/');
  await expect(page.getByTestId('accounts-find')).toBeFocused();
  await page.keyboard.type(last);
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-account', last);
});

test('a CSV with a bad row is refused naming the file, row and column, and the ledger is unchanged', async ({ page, desk }, testInfo) => {
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-market').click();

  // A real instrument and its tick, from the commands.
  const sid = await login(desk.baseURL, desk.token, 'viewer', DEMO_PASSWORDS.viewer);
  // After both sign-ins, which are journalled (issue 14).
  const before = await journalHead(desk);
  const list = (await invoke(desk.baseURL, desk.token, 'instruments.list', {}, { session: sid })).json();
  expect(list.ok).toBe(true);
  const inst = list.value[0] as { id: string; tick: string };
  await expect(page.getByTestId('market-prices')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  const pointsBefore = await page.getByTestId('market-prices').getAttribute('data-points');

  const csv = ['instrument,at,mark,source', `${inst.id},2030-01-01T00:00:00Z,${inst.tick},e2e`, `${inst.id},2030-01-02T00:00:00Z,1e6,e2e`, ''].join('\n');
  await page.getByTestId('import-file').setInputFiles({ name: 'bad-prices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-kind')).toHaveValue('prices');
  await page.getByTestId('import-submit').click();

  const err = page.getByTestId('import-error');
  await expect(err).toBeVisible();
  await expect(page.getByTestId('import-error-file')).toHaveText('bad-prices.csv');
  await expect(page.getByTestId('import-error-row')).toHaveText('2');
  await expect(page.getByTestId('import-error-column')).toHaveText('mark');
  await expect(page.getByTestId('import-error-message')).not.toBeEmpty();
  await expect(page.getByTestId('import-ok')).toHaveCount(0);
  await snap(page, testInfo, 'market-data-bad-csv');

  // Nothing of the file landed: the journal head and the price history are as they were.
  expect(await journalHead(desk)).toEqual(before);
  await page.reload();
  await expect(page.getByTestId('screen-market')).toBeVisible();
  await expect(page.getByTestId('market-prices')).toHaveAttribute('data-points', pointsBefore!);
});

test('the audit log lists the journal, opens an entry, searches, and verifies the chain', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const head = await journalHead(desk);
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('screen-audit')).toBeVisible();
  await expect(page.getByTestId('journal-entry').first()).toBeVisible();

  await page.getByTestId('journal-verify').click();
  const result = page.getByTestId('verify-result');
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('verify-entries')).toHaveText(head.entries.toLocaleString('en-US'));
  await expect(page.getByTestId('verify-head')).toHaveText(head.headHash);

  await page.getByTestId('journal-toggle').first().click();
  await expect(page.getByTestId('journal-payload').first()).toBeVisible();
  await expect(page.getByTestId('journal-result').first()).not.toBeEmpty();

  // What the search does not read is said beside it (an imported file over 1 MiB is kept compressed).
  await expect(page.getByTestId('journal-search')).toHaveAccessibleDescription(/over 1 MiB is kept compressed: it is found by its file name, not by its contents/);
  await page.getByTestId('journal-search').fill('cycle.run');
  // Newest first, the unfiltered list may start with a cycle too: wait for the search to be applied.
  await expect(page.getByTestId('journal-page')).toContainText('matching “cycle.run”');
  await expect(page.locator('[data-testid="journal-entry"] .cmd').first()).toHaveText('cycle.run');
  const commands = await page.locator('[data-testid="journal-entry"] .cmd').allTextContents();
  expect(commands.length).toBeGreaterThan(0);
  for (const c of commands) expect(c).toBe('cycle.run');
  await page.getByTestId('journal-search').fill('');
  await expect(page.getByTestId('journal-page')).not.toContainText('matching');
  await page.getByTestId('journal-toggle').last().click();
  await expect(page.getByTestId('journal-detail')).toBeVisible();
  await snap(page, testInfo, 'audit-log-verified');
});
