// The desktop console's hardening that can be checked without an Electron binary (issue 19; none is downloaded here,
// so nothing below pretends to launch one): the fuses electron-builder flips at packaging, a packaged build ignoring
// the environment overrides, and every display-capture and device request refused. Session and WebContents are
// stood in for by objects that record what the console registers, typed by electron.d.ts (DeviceSession).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FUSES } from '../scripts/fuses.ts';
import { desktopSettings, refuseDevices, refuseBluetooth, type DeviceSession } from '../main/electron/hardening.ts';
import { ROOT } from './support/cli.ts';

/** The flat `electronFuses:` block of electron-builder.yml, as key -> boolean. */
function packagedFuses(): Record<string, boolean> {
  const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8').split('\n');
  const start = yml.indexOf('electronFuses:');
  assert.notEqual(start, -1, 'electron-builder.yml has no electronFuses block');
  const out: Record<string, boolean> = {};
  for (const line of yml.slice(start + 1)) {
    const m = /^ {2}(\w+): (true|false)\s*$/.exec(line);
    if (!m) break;
    out[m[1]!] = m[2] === 'true';
  }
  return out;
}

test('packaging flips the fuses: RunAsNode, NODE_OPTIONS and --inspect off; ASAR integrity on and only app.asar loaded', () => {
  assert.deepEqual(packagedFuses(), { ...FUSES });
  assert.equal(FUSES.runAsNode, false);
  assert.equal(FUSES.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(FUSES.enableNodeCliInspectArguments, false);
  assert.equal(FUSES.enableEmbeddedAsarIntegrityValidation, true);
  assert.equal(FUSES.onlyLoadAppFromAsar, true);
  // The fuses need the app in an asar: packaging must not turn it off.
  assert.match(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'), /^asar: true$/m);
});

test('a packaged build ignores RISKDESK_DB, RISKDESK_RENDERER_DIR, RISKDESK_USER_DATA_DIR and RISKDESK_DEMO_ACCOUNTS', () => {
  const env = {
    RISKDESK_DB: '/tmp/attacker/ledger.db',
    RISKDESK_RENDERER_DIR: '/tmp/attacker/renderer',
    RISKDESK_USER_DATA_DIR: '/tmp/attacker/data',
    RISKDESK_DEMO_ACCOUNTS: '5',
  };
  const bundle = '/opt/Riskdesk/resources/app.asar/dist/electron';
  const packaged = desktopSettings(env, true, bundle);
  assert.deepEqual(packaged, { userDataDir: null, dbFile: null, rendererDir: path.join(bundle, '..', 'renderer'), demoAccounts: 3000 });
  const dev = desktopSettings(env, false, bundle);
  assert.deepEqual(dev, { userDataDir: '/tmp/attacker/data', dbFile: '/tmp/attacker/ledger.db', rendererDir: '/tmp/attacker/renderer', demoAccounts: 5 });
});

type Listener = (...args: any[]) => void;

/** Records what refuseDevices registers, with the methods (and only those) that DeviceSession names. */
function recordingSession() {
  const handlers: Record<string, Listener> = {};
  const events: Record<string, Listener> = {};
  const ses = {
    setPermissionRequestHandler: (h: Listener) => void (handlers.permissionRequest = h),
    setPermissionCheckHandler: (h: Listener) => void (handlers.permissionCheck = h),
    setDisplayMediaRequestHandler: (h: Listener) => void (handlers.displayMedia = h),
    setDevicePermissionHandler: (h: Listener) => void (handlers.devicePermission = h),
    setBluetoothPairingHandler: (h: Listener) => void (handlers.bluetoothPairing = h),
    on: (event: string, l: Listener) => {
      events[event] = l;
      return ses;
    },
  };
  return { ses: ses as unknown as DeviceSession, handlers, events };
}

/** An event as Electron passes it, noting whether the default (Electron's own chooser) was prevented. */
const electronEvent = () => {
  const e = { prevented: false, preventDefault: () => void (e.prevented = true) };
  return e;
};

test('screen capture, camera, microphone and every device chooser are refused, each answered (never left hanging)', () => {
  const { ses, handlers, events } = recordingSession();
  refuseDevices(ses);
  const answers: unknown[] = [];
  for (const permission of ['media', 'display-capture', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'usb']) {
    handlers.permissionRequest!({}, permission, (granted: boolean) => answers.push([permission, granted]));
    assert.equal(handlers.permissionCheck!({}, permission, 'app://riskdesk', {}), false, permission);
  }
  assert.ok(answers.every((a) => (a as [string, boolean])[1] === false));
  let streams: unknown = 'unanswered';
  handlers.displayMedia!({ frame: null, videoRequested: true, audioRequested: true, userGesture: true }, (s: unknown) => (streams = s));
  assert.equal(streams, null, 'display media: no stream');
  assert.equal(handlers.devicePermission!({ deviceType: 'usb', origin: 'app://riskdesk', device: {} }), false);
  let pairing: unknown;
  handlers.bluetoothPairing!({ deviceId: 'x', pairingKind: 'confirm', frame: null }, (r: unknown) => (pairing = r));
  assert.deepEqual(pairing, { confirmed: false });

  const hid = electronEvent();
  let hidChoice: unknown = 'unanswered';
  events['select-hid-device']!(hid, { deviceList: [{ deviceId: 'kbd' }], frame: null }, (id?: string | null) => (hidChoice = id));
  assert.equal(hid.prevented, true);
  assert.equal(hidChoice, null);
  const serial = electronEvent();
  let port: unknown = 'unanswered';
  events['select-serial-port']!(serial, [{ portId: 'tty0' }], {}, (id: string) => (port = id));
  assert.equal(serial.prevented, true);
  assert.equal(port, '');
  const usb = electronEvent();
  let usbChoice: unknown = 'unanswered';
  events['select-usb-device']!(usb, { deviceList: [{ deviceId: 'stick' }], frame: null }, (id?: string) => (usbChoice = id));
  assert.equal(usb.prevented, true);
  assert.equal(usbChoice, undefined);

  const contentsEvents: Record<string, Listener> = {};
  refuseBluetooth({ on: (e: string, l: Listener) => ((contentsEvents[e] = l), undefined) } as never);
  const bt = electronEvent();
  let btChoice: unknown = 'unanswered';
  contentsEvents['select-bluetooth-device']!(bt, [{ deviceId: 'pod' }], (id: string) => (btChoice = id));
  assert.equal(bt.prevented, true);
  assert.equal(btChoice, '');
});

test('the Electron main reads no environment variable of its own but through desktopSettings', () => {
  const main = fs.readFileSync(path.join(ROOT, 'main', 'electron', 'main.ts'), 'utf8');
  assert.deepEqual([...main.matchAll(/process\.env(?:\.(\w+))?/g)].map((m) => m[0]), ['process.env']);
  assert.match(main, /desktopSettings\(process\.env, app\.isPackaged, HERE\)/);
  assert.match(main, /refuseDevices\(ses\)/);
  assert.match(main, /refuseBluetooth\(contents\)/);
});
