// Where the Electron binary is, without ever triggering its download (require('electron') would start one when the
// binary is missing). Mirrors node_modules/electron/index.js: ELECTRON_OVERRIDE_DIST_PATH, else the path recorded in
// node_modules/electron/path.txt under node_modules/electron/dist. Used by `npm run electron` and the Playwright
// electron project, which both say why when there is no binary (never a silent pass).
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const ELECTRON_MAIN = path.join(ROOT, 'dist', 'electron', 'main.cjs');

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

function defaultExecutable(): string {
  if (process.platform === 'win32') return 'electron.exe';
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return 'electron';
}

export function locateElectron(): ElectronBinary {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  const recorded = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const exe = path.join(override, recorded || defaultExecutable());
    return fs.existsSync(exe) ? { ok: true, path: exe } : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${exe} does not exist` };
  }
  if (!fs.existsSync(pkg)) return { ok: false, reason: 'the electron package is not installed (node_modules/electron is missing)' };
  if (recorded === null) {
    return {
      ok: false,
      reason:
        'no Electron binary on this machine: node_modules/electron/path.txt is missing (the binary is downloaded from ' +
        'outside the package registry on first use, and that download is not possible here); set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45',
    };
  }
  const exe = path.join(pkg, 'dist', recorded);
  return fs.existsSync(exe) ? { ok: true, path: exe } : { ok: false, reason: `no Electron binary at ${exe}` };
}
