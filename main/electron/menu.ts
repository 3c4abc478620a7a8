// The native menu: the standard app/edit/view/window roles, plus "Run margin cycle", which goes through the same
// invoke path (the door core, as the signed-in user of the window) as the console's own button.
// Types only: the template is plain data, so a test can build it without the Electron runtime.
import type { MenuItemConstructorOptions } from 'electron';
import { SCREENS, type ScreenId } from '../../shared/screens.ts';

/** F9: not taken by any role below (Ctrl+R / Ctrl+Shift+R reload, F11 full screen, Ctrl+Shift+I devtools). */
export const RUN_CYCLE_ACCELERATOR = 'F9';

export interface MenuOptions {
  runCycle: () => void;
  /** Shows a screen in the window (the same Alt+digit the page itself answers). */
  navigate: (screen: ScreenId) => void;
  /** Developer tools only in a development build. */
  devTools: boolean;
  platform?: NodeJS.Platform;
}

export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = (o.platform ?? process.platform) === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(o.devTools ? ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(mac ? ([{ role: 'appMenu' }] as MenuItemConstructorOptions[]) : []),
    {
      label: mac ? 'Desk' : '&Desk',
      submenu: [
        { label: 'Run margin cycle', accelerator: RUN_CYCLE_ACCELERATOR, click: () => o.runCycle() },
        ...(mac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
      ],
    },
    {
      label: mac ? 'Go' : '&Go',
      submenu: SCREENS.map((x) => ({ label: x.label, ...(x.digit ? { accelerator: `Alt+${x.digit}` } : {}), click: () => o.navigate(x.id) })),
    },
    { role: 'editMenu' },
    { label: mac ? 'View' : '&View', submenu: view },
    { role: 'windowMenu' },
  ];
}
