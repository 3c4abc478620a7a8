// `npm test`: the README's test command. The checks before the test suites (types, svelte-check, lint, build) are
// each one single-threaded process, so on a 2-core machine they run in two lanes side by side. Lint (a type-checked
// pass over every file, some 4 minutes of CPU, more than all the others together) is split between them: the
// renderer's files (a TypeScript program of their own, about half of it) with the build in one lane, everything else
// after the type checks in the other, which the two lanes' times measured side by side put at about the same length
// (docs/test-time.md). Then the node suite, then Playwright, each of
// which fills both cores on its own. A step's output is printed whole when it ends, so the two lanes never
// interleave; the first failure stops the other lane and fails the run with that step's exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const npmCli = process.env.npm_execpath;
if (!npmCli) {
  process.stderr.write('run this as `npm test`\n');
  process.exit(2);
}

const LANES: string[][] = [
  ['typecheck', 'check:renderer', 'lint:rest'],
  ['lint:renderer', 'build'],
];
const AFTER = ['test:unit', 'test:e2e'];

const running = new Set<ChildProcess>();
let failed = false;

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Runs `npm run <script>`; with `buffer`, its output is held and printed whole when it ends. Resolves with its exit code. */
function run(script: string, buffer: boolean): Promise<number> {
  const t0 = performance.now();
  if (!buffer) process.stdout.write(`\n=== npm run ${script}\n`);
  const child = spawn(process.execPath, [npmCli!, 'run', '--silent', script], { cwd: ROOT, stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  running.add(child);
  const out: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => out.push(b));
  return new Promise((resolve) => {
    child.on('error', (e) => {
      out.push(Buffer.from(`${e.message}\n`));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      const status = code ?? (signal ? 1 : 0);
      // A step stopped because the other lane failed says nothing worth printing.
      if (failed && signal) return resolve(status);
      process.stdout.write(`\n=== npm run ${script}: ${status === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds(performance.now() - t0)}\n`);
      if (buffer) process.stdout.write(Buffer.concat(out));
      resolve(status);
    });
  });
}

function stopAll(): void {
  failed = true;
  for (const c of running) c.kill('SIGTERM');
}

async function lane(scripts: string[]): Promise<number> {
  for (const s of scripts) {
    if (failed) return 1;
    const status = await run(s, true);
    if (status !== 0) {
      if (!failed) stopAll();
      return status;
    }
  }
  return 0;
}

const t0 = performance.now();
const statuses = await Promise.all(LANES.map(lane));
const bad = statuses.find((s) => s !== 0);
if (bad !== undefined) process.exit(bad);
process.stdout.write(`\n=== checks and build done in ${seconds(performance.now() - t0)}\n`);
for (const s of AFTER) {
  const status = await run(s, false);
  if (status !== 0) process.exit(status);
}
process.stdout.write(`\n=== npm test: all passed in ${seconds(performance.now() - t0)}\n`);
