// What the packaged desktop console refuses (issue 19), as functions of Electron's own types so that they are
// checked without an Electron binary (like menu.ts): environment overrides that a packaged build ignores, and the
// display-capture and device requests a risk console never makes. The fuses are set at packaging
// (electron-builder.yml's electronFuses; scripts/fuses.ts holds them typed and test/electronHardening checks both).
import path from 'node:path';
import type { Session, WebContents } from 'electron';

export interface DesktopSettings {
  /** Where the user data (ledger, checkpoints, sealed key) lives; null for Electron's own default. */
  userDataDir: string | null;
  /** The ledger file; null for <userData>/riskdesk.db. */
  dbFile: string | null;
  rendererDir: string;
  demoAccounts: number;
}

/**
 * The settings a launch runs with. A development build honours the environment (tests and operators point it at a
 * ledger, a user-data folder, a renderer); a packaged build ignores it, so that whoever can set a variable for the
 * desk's session cannot make the signed app load someone else's renderer or ledger.
 */
export function desktopSettings(env: NodeJS.ProcessEnv, packaged: boolean, bundleDir: string): DesktopSettings {
  const builtIn: DesktopSettings = { userDataDir: null, dbFile: null, rendererDir: path.join(bundleDir, '..', 'renderer'), demoAccounts: 3000 };
  if (packaged) return builtIn;
  const accounts = Number(env.RISKDESK_DEMO_ACCOUNTS ?? 3000);
  return {
    userDataDir: env.RISKDESK_USER_DATA_DIR ? path.resolve(env.RISKDESK_USER_DATA_DIR) : null,
    dbFile: env.RISKDESK_DB ? path.resolve(env.RISKDESK_DB) : null,
    rendererDir: env.RISKDESK_RENDERER_DIR ? path.resolve(env.RISKDESK_RENDERER_DIR) : builtIn.rendererDir,
    demoAccounts: Number.isInteger(accounts) && accounts > 0 ? accounts : 3000,
  };
}

/** The parts of a Session this file touches: the console's session, or anything with the same methods. */
export type DeviceSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDisplayMediaRequestHandler' | 'setDevicePermissionHandler' | 'setBluetoothPairingHandler' | 'on'
>;

/**
 * No screen or window capture, no camera or microphone, no HID, serial, USB or Bluetooth device: each request is
 * answered with a refusal (never left hanging, never granted by a default).
 */
export function refuseDevices(ses: DeviceSession): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  ses.setDevicePermissionHandler(() => false);
  ses.setBluetoothPairingHandler((_details, callback) => callback({ confirmed: false }));
  ses.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback(null);
  });
  ses.on('select-serial-port', (event, _ports, _wc, callback) => {
    event.preventDefault();
    callback('');
  });
  ses.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}

/** A web contents' own device chooser (Web Bluetooth): refused the same way. */
export function refuseBluetooth(contents: Pick<WebContents, 'on'>): void {
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}
