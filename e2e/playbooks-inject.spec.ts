// Issue 16, the console: a drill's events on the drill clock and by the conductor's hand. The drill (operational
// outage, started by the supervisor at the CLI) has the feed going stale at minute 0: the server's drill clock makes it
// happen by itself, before anyone takes a step. The supervisor, who conducts the drill, injects a member's default
// from the Runner: the server refuses an unknown member, naming it; then KCM's default happens at once in the
// sandbox, every console shows it, and the declaration it made waits in another supervisor's Inbox. The operator is
// told why they may not inject. The live ledger is byte-identical at the end.
import { test, expect } from './fixtures.ts';
import { sha256, runnerFor } from './support/drill.ts';

test.use({ deskAccounts: 300, deskDrill: 'operational-outage', deskInject: 'stale@0..30' });

test('an event happens on the drill clock by itself, and the conductor injects a default by hand that every console sees', async ({ browser, desk }) => {
  test.setTimeout(120_000);
  const before = sha256(desk.live!);
  const sup = await runnerFor(browser, desk, 'supervisor');

  // Minute 0's stale feed has happened with nobody taking a step: the run is still at its first step.
  const events = sup.getByTestId('run-event');
  await expect(events).toHaveCount(1);
  await expect(events.first()).toHaveAttribute('data-kind', 'stale');
  await expect(events.first()).toContainText('stale-feed alert raised');
  await expect(sup.getByTestId('current-step')).toHaveAttribute('data-index', '1');

  // The operator does not conduct this drill: the form is there, disabled, with the server's reason.
  const op = await runnerFor(browser, desk, 'operator');
  await expect(op.getByTestId('run-inject-submit')).toBeDisabled();
  await expect(op.getByTestId('run-inject-why')).toContainText('conducted by supervisor, needs the supervisor role');

  // A member that does not exist: refused by the server, naming it; nothing happened.
  await expect(sup.getByTestId('run-inject-submit')).toBeEnabled();
  await sup.getByTestId('run-inject-kind').selectOption('default');
  await sup.getByTestId('run-inject-member').fill('NOPE');
  await sup.getByTestId('run-inject-submit').click();
  await expect(sup.getByTestId('run-inject-error')).toContainText('no member "NOPE"');
  await expect(events).toHaveCount(1);

  // KCM defaults, now: the declaration is made in the sandbox by the drill's injector, and the Runner says so.
  await sup.getByTestId('run-inject-member').fill('KCM');
  await sup.getByTestId('run-inject-submit').click();
  await expect(sup.getByTestId('run-inject-ok')).toBeVisible();
  await expect(events).toHaveCount(2);
  await expect(events.nth(1)).toHaveAttribute('data-kind', 'default');
  await expect(events.nth(1)).toContainText('injected by supervisor: member KCM fails to meet its obligations');
  await expect(events.nth(1)).toContainText(/default case \d+ declared for KCM/);

  // The operator's console reads the run again and shows it too.
  await expect(op.getByTestId('run-event')).toHaveCount(2, { timeout: 10_000 });
  // The declaration waits for a supervisor's confirmation, in supervisor2's Inbox.
  const sup2 = await runnerFor(browser, desk, 'supervisor2');
  await sup2.getByTestId('nav-inbox').click();
  await expect(sup2.locator('[data-testid="inbox-item"][data-kind="declaration"]').filter({ hasText: 'KCM' })).toHaveCount(1);
  await sup.screenshot({ path: test.info().outputPath('drill-inject.png'), fullPage: true });

  expect(sha256(desk.live!)).toBe(before);
});
