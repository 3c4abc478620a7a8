// An HTML page printed to PDF by headless Chromium (the browser mode's print; the desktop app prints with Electron's
// printToPDF): `riskdesk playbook report --export FILE.pdf`. The browser is the one the e2e suite uses,
// RISKDESK_CHROMIUM or Debian's /usr/bin/chromium; it runs with a throwaway profile, bounded in time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { InputError } from '../../shared/errors.ts';

const TIMEOUT_MS = 90_000;

export function printPdf(html: string, to: string): void {
  const chromium = process.env.RISKDESK_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) throw new InputError(`printing a PDF needs Chromium: ${chromium} not found (set RISKDESK_CHROMIUM), or export .html and print it`, { field: 'export' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-print-'));
  try {
    const page = path.join(dir, 'report.html');
    const pdf = path.join(dir, 'report.pdf');
    fs.writeFileSync(page, html);
    const args = ['--headless', '--disable-gpu', `--user-data-dir=${path.join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`];
    // Chromium refuses to run as root inside its sandbox.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    const r = spawnSync(chromium, args, { encoding: 'utf8', timeout: TIMEOUT_MS });
    if (r.status !== 0 || !fs.existsSync(pdf)) throw new Error(`Chromium could not print the report (${r.status ?? r.signal ?? r.error?.message}): ${(r.stderr ?? '').slice(-500)}`);
    fs.copyFileSync(pdf, to, fs.constants.COPYFILE_EXCL);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
