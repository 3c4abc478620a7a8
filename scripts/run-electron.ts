// `npm run electron`: starts the desktop console (electron .) when an Electron binary exists; otherwise says why and
// points at browser mode. Builds the main/preload bundles first when they are missing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ELECTRON_MAIN, ROOT, locateElectron } from './electron-binary.ts';

const found = locateElectron();
if (!found.ok) {
  process.stderr.write(
    `riskdesk: cannot start the desktop console: ${found.reason}.\n` +
      'Browser mode runs the same console without Electron: npm run build, then npx riskdesk serve --db riskdesk.db --demo-if-missing\n',
  );
  process.exit(1);
}
if (!fs.existsSync(ELECTRON_MAIN)) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.ts')], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(found.path, [ROOT, ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT, env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
