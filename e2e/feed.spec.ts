// The live console (issue 15): `riskdesk serve --feed FILE` follows a file of NDJSON marks. A mark appended to it
// moves accounts into call, and the Calls queue shows the new call within a second without a reload; the feed bar
// says live; when the feed stops, the stale-feed alert appears (policy feedStaleSeconds, 5 s here).
import fs from 'node:fs';
import { test, expect } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { api } from './support/api.ts';
import { DEMO_PASSWORDS } from './fixtures.ts';

test.use({ deskAccounts: 400, deskFeed: true, deskPolicy: { feedStaleSeconds: '5' } });

interface Call {
  id: number;
  account: string;
}

test('a mark appended to the feed file puts a call in the queue within a second, without a reload; a stopped feed raises the stale alert', async ({ page, desk }) => {
  await api(desk, 'operator', 'cycle.run', {});
  const before = await api<Call[]>(desk, 'operator', 'calls.list', { status: 'open' });
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-calls').click();
  const count = page.getByTestId('calls-count');
  await expect(count).toHaveAttribute('data-count', String(before.length));
  await expect(page.getByTestId('feed-status')).toBeVisible();
  // Marks a page load would lose: none may happen from here on.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const time = new Date(Date.now() - 500).toISOString();
  fs.appendFileSync(desk.feed!, `${JSON.stringify({ instrument: 'BTC-PERP', price: '40000', time })}\n`);
  await expect(count).not.toHaveAttribute('data-count', String(before.length), { timeout: 1_000 });
  // The feed bar: live, with the mark per instrument.
  await expect(page.getByTestId('feed-state')).toHaveText('Feed live');
  await page.getByTestId('feed-toggle').click();
  await expect(page.getByTestId('feed-instrument-BTC-PERP')).toContainText('40000');
  await page.getByTestId('feed-toggle').click();
  await expect(page.getByTestId('feed-detail')).toHaveCount(0);

  const after = await api<Call[]>(desk, 'operator', 'calls.list', { status: 'open' });
  const known = new Set(before.map((c) => c.id));
  const fresh = after.filter((c) => !known.has(c.id));
  expect(fresh.length).toBeGreaterThan(0);
  await expect(count).toHaveAttribute('data-count', String(after.length));
  await expect(page.locator(`[data-testid="call-row"][data-row-id="${fresh[0]!.id}"]`)).toBeVisible();
  await expect(page.locator(`[data-testid="call-row"][data-row-id="${fresh[0]!.id}"]`)).toContainText(fresh[0]!.account);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // Nothing more is appended: after 5 s the feed is stale, and the alert says so.
  await expect(page.getByTestId('toasts')).toContainText(/Market data feed stale: no mark for \d+ s \(stale after 5 s\)/, { timeout: 12_000 });
  await expect(page.getByTestId('feed-state')).toHaveText('Feed stale');
  await page.screenshot({ path: test.info().outputPath('feed-stale.png') });
});

test('a replay from the Market data screen plays, pauses and steps through the feed', async ({ page, desk }) => {
  await signIn(page, desk, 'operator', DEMO_PASSWORDS.operator);
  await page.getByTestId('nav-market').click();
  await page.getByTestId('replay-from').fill('2020-03-10');
  await page.getByTestId('replay-to').fill('2020-03-12');
  await page.getByTestId('replay-steps').selectOption('24');
  await page.getByTestId('replay-speed').selectOption('3600');
  await page.getByTestId('replay-start').click();
  await expect(page.getByTestId('replay-state')).toHaveText(/playing|done/);
  await page.getByTestId('replay-speed').selectOption('1');
  await page.getByTestId('replay-pause').click();
  await expect(page.getByTestId('replay-state')).toHaveText('paused');
  const done = Number(await page.getByTestId('replay-done').textContent());
  await page.getByTestId('replay-step').click();
  await expect(page.getByTestId('replay-done')).not.toHaveText(String(done));
  await expect(page.getByTestId('replay-state')).toHaveText('paused');
  await expect(page.getByTestId('feed-replay')).toContainText('replay paused 1x');
  await page.getByTestId('replay-stop').click();
  await expect(page.getByTestId('replay-state')).toHaveText('stopped');
  await expect(page.getByTestId('replay-error')).toHaveCount(0);
});
