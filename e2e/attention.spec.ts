// Issue 21 item 8 as the desk sees it: the dashboard puts what needs attention first, from the server's view, and an
// item opens where it is handled. Screenshots at 1600x1000 and 1280x800.
import { test, expect, DEMO_PASSWORDS } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { ensureCycle, snapDeskSizes } from './support/screens.ts';
import { api } from './support/api.ts';
import type { AttentionView } from '../shared/contractAttention.ts';

test.use({ viewport: { width: 1600, height: 1000 } });

test('the dashboard lists the calls due within the hour first, and one opens its call', async ({ page, desk }, testInfo) => {
  await ensureCycle(desk);
  const v = await api<AttentionView>(desk, 'viewer', 'dashboard.attention', {});
  await signIn(page, desk, 'viewer', DEMO_PASSWORDS.viewer);
  const panel = page.getByTestId('attention');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('attention-calls')).toHaveAttribute('data-total', String(v.callsDue.total));
  await expect(page.getByTestId('attention-watch')).toHaveAttribute('data-total', String(v.watch.total));
  await expect(page.getByTestId('attention-stale')).toHaveAttribute('data-total', String(v.stalePrices.total));
  await expect(page.getByTestId('attention-second')).toHaveAttribute('data-total', String(v.awaitingSecond.total));
  await snapDeskSizes(page, testInfo, 'dashboard-attention');
  if (v.callsDue.total > 0) {
    const first = v.callsDue.items[0]!;
    await expect(page.getByTestId('attention-call').first()).toHaveText(`#${first.id} ${first.account}`);
    await page.getByTestId('attention-call').first().click();
    await expect(page.getByTestId('call-detail')).toHaveAttribute('data-call', String(first.id));
  }
});
