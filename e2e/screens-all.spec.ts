// Issue 21: every screen of the console at the two desk sizes, 1600x1000 and 1280x800, screenshotted for a person to
// look at (test outputs and attachments), and checked for what a person would see wrong: the page wider than the
// window, anything in the screen reaching past its right edge where nothing scrolls to it, a screen header control
// or a navigation entry out of sight, text cut short behind an ellipsis; and vertically, text a box hides below its
// edge with no scrollbar, text running out of a box of fixed height, anything past the window's bottom (a dialog
// taller than the window) where nothing scrolls to it. The screens come from the navigation table the
// console itself draws (shared/screens.ts), so a new screen is visited without editing this file; the screens with a
// detail panel are also seen with one open (an account, a call, a proposal, a default case after its waterfall, a stress run, a policy), and
// the dialogs with one: a figure's trace and the shortcut help.
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

/**
 * What is cut off vertically, one line each: text a box hides below (or above) its edge with no scrollbar to reach it
 * (rows in a box of fixed height that does not scroll, a line cut by a fixed height), text spilling out of its own box
 * of fixed height over what lies under it, and anything (a dialog taller than the window) past the window's bottom
 * edge where nothing scrolls to it: the page itself never scrolls.
 */
async function verticalProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const h = document.documentElement.clientHeight;
    const w = document.documentElement.clientWidth;
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    const shows = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const inView = (b: DOMRect) => b.height > 0 && b.bottom > 0 && b.top < h && b.right > 0 && b.left < w;
    /** The text nodes under `el` that a person would read (not in an element hidden for screen readers only). */
    const texts = (el: Element): Text[] => {
      const found: Text[] = [];
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
        acceptNode: (n) => ((n.textContent ?? '').trim() === '' || n.parentElement?.closest('.sr-only, [hidden], option, script, style') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
      });
      for (let n = walk.nextNode(); n && found.length < 400; n = walk.nextNode()) found.push(n as Text);
      return found;
    };
    const rectOf = (t: Text): DOMRect => {
      const r = document.createRange();
      r.selectNodeContents(t);
      return r.getBoundingClientRect();
    };
    const all = [...document.querySelectorAll<HTMLElement>('body *')].filter(shows);
    // A box that clips (hidden, clip) and is taller inside than out: does it hide text a person cannot scroll to?
    for (const el of all) {
      const style = getComputedStyle(el);
      if ((style.overflowY !== 'hidden' && style.overflowY !== 'clip') || el.scrollHeight <= el.clientHeight + 2) continue;
      if (el.matches('.sr-only')) continue;
      const b = el.getBoundingClientRect();
      if (!inView(b)) continue;
      const cut = texts(el).find((t) => {
        const r = rectOf(t);
        return r.height > 0 && r.width > 0 && (r.bottom > b.bottom + 2 || r.top < b.top - 2);
      });
      if (cut) out.push(`${name(el)} hides "${(cut.textContent ?? '').trim().slice(0, 30)}" below its edge, with no scrollbar`);
    }
    // A box of fixed height whose own text runs out of it (over the next thing down).
    for (const el of all) {
      const style = getComputedStyle(el);
      if (style.display.startsWith('inline') || style.display === 'contents' || style.overflowY !== 'visible') continue;
      const b = el.getBoundingClientRect();
      if (!inView(b) || b.height === 0) continue;
      for (const n of el.childNodes) {
        if (n.nodeType !== Node.TEXT_NODE || (n.textContent ?? '').trim() === '') continue;
        const r = rectOf(n as Text);
        if (r.height > 0 && r.bottom > b.bottom + 2) {
          out.push(`${name(el)}: its text runs ${Math.round(r.bottom - b.bottom)} px below its ${Math.round(b.height)} px box`);
          break;
        }
      }
    }
    // Past the bottom of the window with no box between it and the page that scrolls (or clips) it within the window.
    const past = all.filter((el) => {
      const b = el.getBoundingClientRect();
      if (b.height === 0 || b.bottom <= h + 1) return false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowY !== 'visible' && a.getBoundingClientRect().bottom <= h + 1) return false;
      }
      return true;
    });
    for (const el of past.slice(0, 3)) out.push(`${name(el)} reaches ${Math.round(el.getBoundingClientRect().bottom)} px of a ${h} px window`);
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
  for (const p of [...(await layoutProblems(page)), ...(await verticalProblems(page))]) found.push(`${name}: ${p}`);
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
  stress: async (page) => {
    await page.getByTestId('stress-run').click();
    await expect(page.getByTestId('stress-progress')).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    await expect(page.getByTestId('stress-members')).toBeVisible();
  },
  settings: async (page) => {
    await page.getByTestId('settings-tab-policies').click();
    await page.getByTestId('policy-row-fourEyesNotional').click();
    await expect(page.getByTestId('policy-history').or(page.getByTestId('policy-history-none'))).toBeVisible();
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
    // The dialogs over a screen: a figure's trace (the tallest: every input and step) and the shortcut help.
    await page.getByTestId('nav-accounts').click();
    await settled(page, 'accounts');
    await DETAIL.accounts!(page, caseId);
    await page.getByTestId('detail-figures-mm-explain').click();
    await expect(page.getByTestId('trace-value')).toBeVisible();
    await look(page, testInfo, `trace-${width}x${height}`, found);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await expect(page.getByTestId('help')).toBeVisible();
    await look(page, testInfo, `help-${width}x${height}`, found);
    await page.keyboard.press('Escape');
    expect(found).toEqual([]);
  });
}

test('the vertical check sees rows a box hides without a scrollbar, text out of its fixed height and a dialog past the window', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const rows = Array.from({ length: 8 }, (_, i) => `<div>row ${i}</div>`).join('');
  await page.setContent(`<body style="margin:0;overflow:hidden;font:13px/1.4 sans-serif">
    <div data-testid="rows" style="height:60px;overflow:hidden">${rows}</div>
    <div data-testid="scrolls" style="height:60px;overflow:auto">${rows}</div>
    <div data-testid="fixed" style="height:16px;width:80px">a line too long to fit on one line of this box</div>
    <div data-testid="dialog" style="position:fixed;top:100px;left:100px;width:300px;height:900px">a dialog</div>
    <div data-testid="long" style="position:fixed;top:100px;left:500px;width:300px;height:600px;overflow:auto"><p>its body scrolls</p><p style="height:1200px">and reaches</p></div>
  </body>`);
  const found = await verticalProblems(page);
  expect(found.find((p) => p.startsWith('div[rows]'))).toMatch(/hides "row \d" below its edge/);
  expect(found.find((p) => p.startsWith('div[fixed]'))).toMatch(/its text runs \d+ px below its 16 px box/);
  expect(found.find((p) => p.startsWith('div[dialog]'))).toBe('div[dialog]. "a dialog" reaches 1000 px of a 800 px window');
  // A box that scrolls, and what is inside it, is fine.
  expect(found.filter((p) => /\[(scrolls|long)\]|"(and reaches|its body)/.test(p))).toEqual([]);
});
