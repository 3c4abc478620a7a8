// Says up front what will not run here, so that a skipped project is visible in the log; and makes the folder where
// this run's workers leave the demo books they make, for the next worker asking for the same one to copy
// (scripts/e2e-ledger.ts), removed when the run ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { ROOT, locateElectron } from '../scripts/electron-binary.ts';

export default function globalSetup(config: FullConfig): () => void {
  const electron = locateElectron();
  if (!electron.ok && config.projects.some((p) => p.name === 'electron')) {
    process.stdout.write(`electron project skipped: ${electron.reason}\n`);
  }
  const renderer = process.env.RISKDESK_RENDERER_DIR || path.join(ROOT, 'dist', 'renderer');
  if (!fs.existsSync(path.join(renderer, 'index.html'))) {
    process.stdout.write(`note: no built console in ${renderer} (run \`npm run build\` first): browser-mode tests will fail to start the server\n`);
  }
  const ledgers = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-e2e-ledgers-'));
  // The workers are started after this and inherit it (e2e/fixtures.ts).
  process.env.RISKDESK_E2E_LEDGERS = ledgers;
  return () => fs.rmSync(ledgers, { recursive: true, force: true });
}
