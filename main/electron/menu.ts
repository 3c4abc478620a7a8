// The native menu: the standard app/edit/view/window roles, plus "Run margin cycle", which goes through the same
// invoke path (the door core, as the signed-in user of the window) as the console's own button.
import { Menu, type MenuItemConstructorOptions } from 'electron';

/** F9: not taken by any role below (Ctrl+R / Ctrl+Shift+R reload, F11 full screen, Ctrl+Shift+I devtools). */
export const RUN_CYCLE_ACCELERATOR = 'F9';

export interface MenuOptions {
  runCycle: () => void;
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
    { role: 'editMenu' },
    { label: mac ? 'View' : '&View', submenu: view },
    { role: 'windowMenu' },
  ];
}

export function buildMenu(o: MenuOptions): Menu {
  return Menu.buildFromTemplate(menuTemplate(o));
}
