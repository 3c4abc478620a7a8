// The Electron menu is plain data (main/electron/menu.ts imports only Electron's types), so its contents can be
// checked here without an Electron binary: every screen under Go with the shortcut the page itself answers, and
// Run margin cycle on F9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { menuTemplate, RUN_CYCLE_ACCELERATOR } from '../main/electron/menu.ts';
import { SCREENS, type ScreenId } from '../shared/screens.ts';

test('the Go menu lists every screen, with its Alt+digit where it has one, and choosing one asks the window to show it', () => {
  const asked: ScreenId[] = [];
  let cycles = 0;
  const menu = menuTemplate({ runCycle: () => cycles++, navigate: (s) => asked.push(s), devTools: false, platform: 'linux' });
  const go = menu.find((m) => m.label === '&Go');
  assert.ok(go && Array.isArray(go.submenu));
  const items = go.submenu as { label?: string; accelerator?: string; click?: () => void }[];
  assert.deepEqual(
    items.map((i) => [i.label, i.accelerator]),
    SCREENS.map((s) => [s.label, s.digit ? `Alt+${s.digit}` : undefined]),
  );
  for (const i of items) i.click!();
  assert.deepEqual(asked, SCREENS.map((s) => s.id));
  const desk = menu.find((m) => m.label === '&Desk')!.submenu as { label?: string; accelerator?: string; click?: () => void }[];
  const run = desk.find((i) => i.label === 'Run margin cycle')!;
  assert.equal(run.accelerator, RUN_CYCLE_ACCELERATOR);
  run.click!();
  assert.equal(cycles, 1);
});

test('developer tools appear only in a development build', () => {
  const labels = (devTools: boolean) =>
    JSON.stringify(menuTemplate({ runCycle: () => {}, navigate: () => {}, devTools, platform: 'linux' }));
  assert.ok(labels(true).includes('toggleDevTools'));
  assert.ok(!labels(false).includes('toggleDevTools'));
});
