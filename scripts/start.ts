// `npm start`: the README's first command. Builds the console, then opens it: the Electron window where an Electron
// binary exists, otherwise browser mode on 127.0.0.1 with the demo book (created on first start) and the URL printed.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, locateElectron } from './electron-binary.ts';

function step(args: string[]): void {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const npmCli = process.env.npm_execpath;
if (!npmCli) {
  process.stderr.write('run this as `npm start`\n');
  process.exit(2);
}
step([npmCli, 'run', '--silent', 'build']);

const electron = locateElectron();
const [cmd, args] = electron.ok
  ? [process.execPath, [path.join(ROOT, 'scripts', 'run-electron.ts')]]
  : [
      process.execPath,
      [path.join(ROOT, 'bin', 'riskdesk.js'), 'serve', '--db', path.join(ROOT, 'riskdesk-demo.db'), '--demo-if-missing', ...process.argv.slice(2)],
    ];
if (!electron.ok) {
  process.stdout.write(`No Electron binary here (${electron.reason}): opening the console in browser mode.\n`);
  process.stdout.write('Sign in as operator / operator-demo (other demo users are in the README). Ctrl+C stops it.\n');
}
const child = spawn(cmd, args as string[], { stdio: 'inherit', cwd: ROOT });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
