// The desktop shell through _electron.launch: the window's security settings and what the page can reach. Runs only
// where an Electron binary exists; elsewhere each test is skipped with the reason printed (never silently passed).
import { test, expect, _electron as electron, type ElectronApplication } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ELECTRON_MAIN, locateElectron } from '../scripts/electron-binary.ts';

const found = locateElectron();

function skipWithoutElectron(): string {
  if (!found.ok) {
    process.stdout.write(`electron project skipped: ${found.reason}\n`);
    test.skip(true, `electron project skipped: ${found.reason}`);
    throw new Error('unreachable');
  }
  if (!fs.existsSync(ELECTRON_MAIN)) throw new Error(`${ELECTRON_MAIN} is missing: run \`npm run build:electron\` first`);
  return found.path;
}

async function launch(executablePath: string, userData: string): Promise<ElectronApplication> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  env.RISKDESK_USER_DATA_DIR = userData;
  env.RISKDESK_DEMO_ACCOUNTS = '300';
  // Chromium refuses to start as root with its OS-level sandbox; the renderer's `sandbox` web preference is unaffected.
  const args = [ELECTRON_MAIN, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
  return electron.launch({ executablePath, args, env, timeout: 60_000 });
}

test('the window is isolated and sandboxed, and the page sees the bridge but no Node', async () => {
  const executablePath = skipWithoutElectron();
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-electron-'));
  const app = await launch(executablePath, userData);
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toMatch(/^app:\/\/riskdesk\//);
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const wc = BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> };
      const p = wc.getLastWebPreferences();
      return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity, webviewTag: p.webviewTag };
    });
    expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown> & { riskdesk?: { mode?: unknown; invoke?: unknown; onEvent?: unknown } };
      return {
        bridge: typeof g.riskdesk,
        mode: g.riskdesk?.mode,
        invoke: typeof g.riskdesk?.invoke,
        onEvent: typeof g.riskdesk?.onEvent,
        require: typeof g.require,
        process: typeof g.process,
        ipcRenderer: typeof (g.riskdesk as Record<string, unknown> | undefined)?.ipcRenderer,
      };
    });
    expect(seen).toEqual({ bridge: 'object', mode: 'electron', invoke: 'function', onEvent: 'function', require: 'undefined', process: 'undefined', ipcRenderer: 'undefined' });
    // Through the bridge: not signed in yet, then signed in as a demo user.
    const refused = await page.evaluate(() => (globalThis as any).riskdesk.invoke('calls.list', {}));
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const who = await page.evaluate(() => (globalThis as any).riskdesk.invoke('session.login', { name: 'viewer', password: 'viewer-demo' }));
    expect(who).toEqual({ ok: true, value: { name: 'viewer', role: 'viewer' } });
    // Navigation away and new windows are refused.
    await page.evaluate(() => {
      (globalThis as any).open('https://example.com/');
      (globalThis as any).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/riskdesk\//);
    expect(app.windows()).toHaveLength(1);
  } finally {
    await app.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
});
