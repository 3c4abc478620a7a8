// Says up front what will not run here, so that a skipped project is visible in the log.
import fs from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { ROOT, locateElectron } from '../scripts/electron-binary.ts';

export default function globalSetup(config: FullConfig): void {
  const electron = locateElectron();
  if (!electron.ok && config.projects.some((p) => p.name === 'electron')) {
    process.stdout.write(`electron project skipped: ${electron.reason}\n`);
  }
  const renderer = process.env.RISKDESK_RENDERER_DIR || path.join(ROOT, 'dist', 'renderer');
  if (!fs.existsSync(path.join(renderer, 'index.html'))) {
    process.stdout.write(`note: no built console in ${renderer} (run \`npm run build\` first): browser-mode tests will fail to start the server\n`);
  }
}
