// The Electron shell (design.md §3, §4 "Secure Electron defaults"). Thin: one window, the renderer from app://riskdesk,
// one IPC channel into the shared door core (and so into `dispatch`), console events back to the window, a desktop
// notification when a cycle issued new margin calls, and the native menu. Bundled to dist/electron/main.cjs by
// scripts/build-electron.ts (Electron cannot run .ts).
//
// Environment (for tests and operators, development builds only: a packaged build ignores it, see hardening.ts):
// RISKDESK_USER_DATA_DIR overrides the user-data folder, RISKDESK_DB the ledger file (default <userData>/riskdesk.db),
// RISKDESK_DEMO_ACCOUNTS the size of the first-start demo book (3000), RISKDESK_RENDERER_DIR the built renderer
// (default dist/renderer beside dist/electron).
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  safeStorage,
  session,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { Door } from '../doors/invoke.ts';
import { DrillRooms } from '../doors/drillRooms.ts';
import type { AnyInvokeResult } from '../doors/invoke.ts';
import { openLedger, type Ledger } from '../ledger/db.ts';
import { createInitialisedLedger } from '../commands/initLedger.ts';
import { CSP } from '../serve/headers.ts';
import { APP_ENTRY, handleAppProtocol, isAppUrl, registerAppScheme } from './protocol.ts';
import { menuTemplate } from './menu.ts';
import type { ConsoleEvent } from '../../shared/contract.ts';
import type { PrintResult } from '../../shared/bridge.ts';
import { LedgerAnchor } from '../anchor/anchor.ts';
import { CheckpointStore } from '../anchor/checkpoints.ts';
import { sealedKey } from './anchorKey.ts';
import { desktopSettings, refuseDevices, refuseBluetooth } from './hardening.ts';

const INVOKE = 'riskdesk:invoke';
const EVENT = 'riskdesk:event';
const PRINT = 'riskdesk:print';
const HERE = import.meta.dirname;

registerAppScheme();
app.enableSandbox();
const settings = desktopSettings(process.env, app.isPackaged, HERE);
if (settings.userDataDir) app.setPath('userData', settings.userDataDir);

let db: Ledger | null = null;
let door: Door | null = null;
/** The drills the window may start and work on, each a door on its sandbox (main/doors/drillRooms.ts). */
let rooms: DrillRooms | null = null;
let win: BrowserWindow | null = null;

const windowKey = (wc: WebContents) => `wc:${wc.id}`;

function fail(title: string, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`riskdesk: ${title}: ${e instanceof Error && e.stack ? e.stack : message}\n`);
  dialog.showErrorBox(title, message);
}

function ledgerFile(): string {
  return settings.dbFile ?? path.join(app.getPath('userData'), 'riskdesk.db');
}

/** The ledger's checkpoints, in the user data folder, signed with a key the OS keychain seals. */
function deskAnchor(): LedgerAnchor {
  const dir = app.getPath('userData');
  const key = sealedKey(dir, safeStorage, (why) => process.stderr.write(`riskdesk: ${why}\n`));
  return new LedgerAnchor(ledgerFile(), new CheckpointStore(dir, key));
}

/** Opens the ledger; the first start builds the demo book (design.md §5) in a new file. */
function openDeskLedger(): Ledger {
  const file = ledgerFile();
  if (fs.existsSync(file)) return openLedger(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return createInitialisedLedger(file, { demo: true, accounts: settings.demoAccounts, seed: 1 }, new Date(), deskAnchor()).db;
}

/** The session key of an IPC sender, or null when the sender is not the main frame of our window showing our app. */
function senderKey(event: IpcMainInvokeEvent): string | null {
  const w = win;
  if (!w || w.isDestroyed()) return null;
  const wc = w.webContents;
  const frame = event.senderFrame;
  if (event.sender !== wc || !frame || frame.isDestroyed() || frame.parent !== null) return null;
  const main = wc.mainFrame;
  if (frame.processId !== main.processId || frame.frameToken !== main.frameToken) return null;
  if (!isAppUrl(frame.url)) return null;
  return windowKey(wc);
}

const REFUSED_SENDER: AnyInvokeResult = {
  ok: false,
  error: { code: 'forbidden_sender', message: 'this frame may not use the console bridge' },
};

function lockDown(): void {
  const ses = session.defaultSession;
  refuseDevices(ses);
  // No remote content: only our own scheme (and devtools, data: images, blob: downloads) may load.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = /^(app|devtools|data|blob):/i.test(details.url) && (!details.url.startsWith('app:') || isAppUrl(details.url));
    callback({ cancel: !ok });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CSP] } });
  });
  handleAppProtocol(ses, settings.rendererDir);
}

function createWindow(r: DrillRooms): BrowserWindow {
  const w = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Riskdesk',
    webPreferences: {
      preload: path.join(HERE, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  const key = windowKey(w.webContents);
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    r.forget({ kind: 'window', key }, 'window closed');
    if (win === w) win = null;
  });
  void w.loadURL(APP_ENTRY);
  return w;
}

async function runCycleFromMenu(): Promise<void> {
  const w = win;
  if (!w || w.isDestroyed() || !rooms) return;
  // Through invokeAsync, like the window's own calls (on the drill the window is on, if any).
  const r = (await rooms.invokeAsync({ kind: 'window', key: windowKey(w.webContents) }, 'cycle.run', {})).result;
  if (w.isDestroyed()) return;
  if (!r.ok) {
    void dialog.showMessageBox(w, {
      type: 'warning',
      title: 'Margin cycle',
      message: r.error.code === 'unauthenticated' ? 'Sign in to run a margin cycle.' : r.error.message,
    });
  }
}

async function start(): Promise<void> {
  lockDown();
  try {
    db = openDeskLedger();
  } catch (e) {
    fail('Riskdesk cannot open its ledger', e);
    app.exit(1);
    return;
  }
  // The start check of chain and checkpoints: a failure opens the ledger read-only, with the console's red banner.
  let d: Door;
  try {
    d = new Door({ db, anchor: deskAnchor() });
  } catch (e) {
    fail('Riskdesk cannot check its ledger against its checkpoints', e);
    app.exit(1);
    return;
  }
  door = d;
  const r = new DrillRooms({ live: d });
  rooms = r;
  d.warm();
  // The window hears the events of where it is: the ledger, or the drill it is on.
  r.subscribe((run, e) => {
    const w = win;
    if (!w || w.isDestroyed()) return;
    const binding = { kind: 'window' as const, key: windowKey(w.webContents) };
    if (r.runOf(binding.key) === run && r.signedIn(binding)) w.webContents.send(EVENT, e);
  });
  d.events.subscribe((e) => {
    if (e.type === 'cycle.done' && e.summary.calls.issued > 0 && Notification.isSupported()) {
      const n = e.summary.calls.issued;
      new Notification({
        title: `Margin cycle ${e.summary.cycle}`,
        body: `${n} new margin call${n === 1 ? '' : 's'} issued (prices as of ${e.summary.asOf})`,
      }).show();
    }
    if (e.type === 'alert' && e.alert.level === 'critical' && Notification.isSupported()) {
      new Notification({ title: 'Riskdesk alert', body: e.alert.text, urgency: 'critical' }).show();
    }
  });
  // Scheduled cycles and the market-data feed's status beat run while the app is open (issue 15).
  d.live.start();
  ipcMain.handle(INVOKE, async (event, channel: unknown, payload: unknown): Promise<AnyInvokeResult> => {
    const key = senderKey(event);
    if (!key) return REFUSED_SENDER;
    return (await r.invokeAsync({ kind: 'window', key }, channel, payload)).result;
  });
  // A report page printed to PDF (issue 21 item 7): the same page the browser mode prints, saved where the user says.
  ipcMain.handle(PRINT, async (event, name: unknown): Promise<PrintResult> => {
    if (!senderKey(event) || !win) return REFUSED_SENDER as PrintResult;
    const base = typeof name === 'string' && /^[\w.-]{1,80}$/.test(name) ? name : 'riskdesk-report';
    try {
      const pdf = await event.sender.printToPDF({ printBackground: true });
      const { canceled, filePath } = await dialog.showSaveDialog(win, { defaultPath: `${base}.pdf`, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
      if (canceled || !filePath) return { ok: true, saved: null };
      fs.writeFileSync(filePath, pdf);
      return { ok: true, saved: filePath };
    } catch (e) {
      return { ok: false, error: { code: 'print_failed', message: e instanceof Error ? e.message : String(e) } };
    }
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(menuTemplate({
      runCycle: () => void runCycleFromMenu(),
      navigate: (screen) => {
        const w = win;
        if (w && !w.isDestroyed()) w.webContents.send(EVENT, { type: 'navigate', screen } satisfies ConsoleEvent);
      },
      devTools: !app.isPackaged,
    })),
  );
  win = createWindow(r);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  // Every web contents, present or future: no navigation, no new windows, no <webview>.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-frame-navigate', (ev) => {
      if (!ev.isMainFrame) ev.preventDefault();
    });
    contents.on('will-redirect', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    refuseBluetooth(contents);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (rooms && (!win || win.isDestroyed())) win = createWindow(rooms);
  });
  app.on('will-quit', () => {
    ipcMain.removeHandler(INVOKE);
    void door?.live.stop();
    void rooms?.close();
    door?.close();
    if (db?.open) db.close();
  });
  if (process.platform === 'win32') app.setAppUserModelId('com.riskdesk.console');
  app.whenReady().then(start, (e: unknown) => fail('Riskdesk failed to start', e));
}
