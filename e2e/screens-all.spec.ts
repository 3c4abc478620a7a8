// Issue 21: every screen of the console at the two desk sizes, 1600x1000 and 1280x800, screenshotted for a person to
// look at (test outputs and attachments), and checked for what a person would see wrong: the page wider than the
// window, anything in the screen reaching past its right edge where nothing scrolls to it, a screen header control
// or a navigation entry out of sight, text cut short behind an ellipsis. The screens come from the navigation table the
// console itself draws (shared/screens.ts), so a new screen is visited without editing this file; the screens with a
// detail panel are also seen with one open (an account, a call, a proposal, a default case after its waterfall).
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { signIn } from './support/signin.ts';
import { snap } from './support/screens.ts';
import { api } from './support/api.ts';
import { defaultAfterDebit, openCase } from './support/defaults.ts';
import { SCREENS, type ScreenId } from '../shared/screens.ts';
import type { DefaultCaseDetail, DefaultCaseSummary } from '../shared/contractRecovery.ts';

test.use({ deskPolicy: { ccpFirstTranche: '5000000', ccpSecondTranche: '10000000' } });

const SIZES = [
  [1600, 1000],
  [1280, 800],
] as const;

/** A case through close-out and its waterfall (built once per worker ledger). */
async function caseAfterWaterfall(desk: Desk): Promise<number> {
  const found = (await api<DefaultCaseSummary[]>(desk, 'viewer', 'default.list', {})).find((c) => c.member === 'CLM');
  if (found) return found.id;
  const c = await defaultAfterDebit(desk, 'CLM', '-400000000');
  await api(desk, 'supervisor', 'default.closeOut', { case: c.id });
  return (await api<DefaultCaseDetail>(desk, 'supervisor', 'default.waterfall', { case: c.id })).id;
}

/** What a person would see wrong on the screen as it stands, one line each (empty: nothing). */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const w = document.documentElement.clientWidth;
    const h = document.documentElement.clientHeight;
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`);
    // Past the right edge with no box between it and the screen that scrolls or clips it within the window. The
    // screen's own scroll area (as wide as the screen) does not count: a panel wider than the screen is cut.
    const screenWidth = document.querySelector('main.screen')!.getBoundingClientRect().width;
    const past = [...document.querySelectorAll<HTMLElement>('main.screen *')].filter((el) => {
      if (el.getClientRects().length === 0 || el.getBoundingClientRect().right <= w + 1) return false;
      for (let a = el.parentElement; a && a.tagName !== 'MAIN'; a = a.parentElement) {
        const box = a.getBoundingClientRect();
        if (getComputedStyle(a).overflowX !== 'visible' && box.right <= w + 1 && box.width < screenWidth - 8) return false;
      }
      return true;
    });
    for (const el of past.slice(0, 3)) out.push(`${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px of ${w}`);
    // The screen's own controls and the navigation: whole, inside the window.
    for (const el of document.querySelectorAll<HTMLElement>('main.screen > header button, main.screen > header a, main.screen > header input, main.screen > header select, nav[data-testid="nav"] a, [data-testid="signout"]')) {
      const b = el.getBoundingClientRect();
      if (b.width === 0) continue;
      if (b.left < -1 || b.top < -1 || b.right > w + 1 || b.bottom > h + 1) out.push(`${name(el)} is outside the window`);
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} is cut short`);
    }
    // Text in view cut short (a column heading, a time, an amount) by the box that clips it: wider than the box. A
    // box whose title (or its cell's) holds the whole text shows it on hover.
    for (const el of document.querySelectorAll<HTMLElement>('main.screen *')) {
      const style = getComputedStyle(el);
      if (style.overflowX !== 'hidden' && style.overflowX !== 'clip' && style.textOverflow !== 'ellipsis') continue;
      // A box of text (its own words, or a line of inline pieces), not a panel whose rows scroll inside it.
      const words = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!words && (el.children.length === 0 || [...el.children].some((c) => !getComputedStyle(c).display.startsWith('inline')))) continue;
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.right > w || b.bottom > h || b.top < 0) continue;
      // Its width as it stands against the width its content asks for, both to the fraction of a pixel: an ellipsis
      // shows for a fraction too, which scrollWidth (whole pixels) can hide.
      const { width, minWidth, maxWidth } = el.style;
      el.style.width = 'max-content';
      el.style.minWidth = '0';
      el.style.maxWidth = 'none';
      const wants = el.getBoundingClientRect().width;
      Object.assign(el.style, { width, minWidth, maxWidth });
      if (wants <= b.width + 0.02) continue;
      const whole = el.closest('[title]')?.getAttribute('title') ?? '';
      if (whole.replace(/\s+/g, ' ').includes((el.textContent ?? '').replace(/\s+/g, ' ').trim())) continue;
      out.push(`${name(el)} is cut short (${Math.ceil(wants)} > ${Math.floor(b.width)})`);
    }
    return out;
  });
}

/** Lets the screen's first answers arrive and the layout settle before it is read. */
async function settled(page: Page, id: string): Promise<void> {
  await expect(page.getByTestId(`screen-${id}`)).toBeVisible();
  await expect(page.locator('main.screen').getByText(/^Loading/)).toHaveCount(0, { timeout: 15_000 });
  await page.waitForTimeout(400);
}

async function look(page: Page, testInfo: TestInfo, name: string, found: string[]): Promise<void> {
  await snap(page, testInfo, name);
  for (const p of await layoutProblems(page)) found.push(`${name}: ${p}`);
}

/** The detail panel a screen opens on its first row, where it has one. */
const DETAIL: Partial<Record<ScreenId, (page: Page, caseId: number) => Promise<void>>> = {
  accounts: async (page) => {
    await page.getByTestId('account-row').first().dblclick();
    await expect(page.getByTestId('account-detail')).toBeVisible();
    await expect(page.getByTestId('positions')).toBeVisible();
  },
  calls: async (page) => {
    await page.getByTestId('calls-filter-all').click();
    await page.getByTestId('call-row').first().click();
    await expect(page.getByTestId('call-detail')).toBeVisible();
  },
  liquidations: async (page) => {
    await page.getByTestId('liq-row').first().dblclick();
    await expect(page.getByTestId('liq-detail')).toBeVisible();
  },
  default: async (page, caseId) => {
    await openCase(page, caseId);
    await expect(page.getByTestId('waterfall-layers')).toBeVisible();
  },
};

for (const [width, height] of SIZES) {
  test(`every screen at ${width}x${height}: nothing wider than the window, no control out of sight, no text cut`, async ({ page, desk }, testInfo) => {
    test.setTimeout(300_000);
    const caseId = await caseAfterWaterfall(desk);
    await page.setViewportSize({ width, height });
    await signIn(page, desk, 'supervisor', DEMO_PASSWORDS.supervisor);
    const found: string[] = [];
    for (const s of SCREENS) {
      await page.getByTestId(`nav-${s.id}`).click();
      await settled(page, s.id);
      await look(page, testInfo, `${s.id}-${width}x${height}`, found);
      const open = DETAIL[s.id];
      if (open) {
        await open(page, caseId);
        await page.waitForTimeout(400);
        await look(page, testInfo, `${s.id}-detail-${width}x${height}`, found);
      }
    }
    expect(found).toEqual([]);
  });
}
