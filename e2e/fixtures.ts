// The browser-mode console under test: once per worker, a demo ledger (2000 accounts by default, seed 7) in a temp folder and the
// real `riskdesk serve` on 127.0.0.1 with a random port, as a child process; killed and cleaned after the worker.
// Tests in one worker share that ledger (changes made by one test are seen by the next).
//
//   import { test, expect } from './fixtures.ts';
//   test('...', async ({ page, desk }) => { await page.goto(desk.url); ... });
//
// `baseURL` is the server's origin, so page.goto('/?token=' + desk.token) and the `request` fixture work too.
import { test as base, expect } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'riskdesk.js');
const PINNED_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
/** The Node the project pins (runs .ts directly). */
export const NODE = fs.existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath;

/** The demo book's close: its last marks (main/commands/initLedger.ts DEMO_AS_OF). */
export const DEMO_LAST_MARK = '2026-03-12T21:00:00.000Z';

export const DEMO_PASSWORDS = {
  viewer: 'viewer-demo',
  operator: 'operator-demo',
  supervisor: 'supervisor-demo',
  supervisor2: 'supervisor2-demo',
  admin: 'admin-demo',
} as const;

export interface Desk {
  /** The URL `riskdesk serve` printed: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  token: string;
  /** http://127.0.0.1:PORT */
  baseURL: string;
  /** The ledger file the server runs on. */
  db: string;
  /** The NDJSON file the server follows for marks (`serve --feed`), when the spec asked for one (deskFeed). */
  feed: string | null;
  /** A drill desk (deskDrill): the live ledger its sandbox was copied from, which no server opens. */
  live: string | null;
  /** A drill desk: the drill's run number in its sandbox. */
  drillRun: number | null;
}

const START_TIMEOUT_MS = 60_000;
/** A 100k-account book takes longer to build than the default one, more so with another worker running. */
const BUILD_TIMEOUT_MS = 240_000;
const URL_LINE = /Riskdesk console: (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]+)/;

const CONFIG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-e2e-config-'));
process.on('exit', () => fs.rmSync(CONFIG_DIR, { recursive: true, force: true }));

/** The environment of a child: the test runner's loaders (NODE_OPTIONS) and any password removed. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'RISKDESK_PASSWORD']) delete env[k];
  // Checkpoints and their signing key go to this run's own folder, never the user's config.
  env.RISKDESK_CONFIG_DIR = CONFIG_DIR;
  return env;
}

/** The folder of this run's books, which the global set-up makes (e2e/global-setup.ts); none when run without it. */
const LEDGERS = process.env.RISKDESK_E2E_LEDGERS ?? null;

/**
 * Makes the worker's ledger in one child process (scripts/e2e-ledger.ts, the real CLI's main): the demo book, the
 * spec's policy values set the way a desk does (one demo supervisor asks, the second confirms: journalled and
 * versioned, so verify --deep holds), and, for a drill desk, the drill started on it (the CLI makes the sandbox copy
 * beside it). A book another worker of this run already made with the same options is copied, not made again.
 */
function makeLedger(
  file: string,
  accounts: number,
  now: string | null,
  policy: Record<string, string>,
  drill: string | null,
  inject: string | null,
): { sandbox: string; run: number } | null {
  // On a server clock of its own (deskNow) the ledger is made on the book's close, so its journal runs forward from there.
  const req = { file, accounts, now: now === null ? null : DEMO_LAST_MARK, policy, drill, inject, cache: LEDGERS };
  const r = spawnSync(NODE, [path.join(ROOT, 'scripts', 'e2e-ledger.ts'), JSON.stringify(req)], {
    env: childEnv(),
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    cwd: ROOT,
  });
  if (r.status !== 0) throw new Error(`the desk's ledger was not made (${r.status ?? r.signal}): ${r.stderr || r.stdout || r.error?.message}`);
  const made = JSON.parse(r.stdout) as { sandbox?: string; run?: number };
  return made.sandbox !== undefined && made.run !== undefined ? { sandbox: made.sandbox, run: made.run } : null;
}

/** Starts `riskdesk serve` and resolves with the URL it prints (bounded wait). */
function startServe(file: string, feed: string | null, now: string | null): Promise<{ child: ChildProcess; desk: Desk }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, 'serve', '--db', file, '--port', '0', ...(feed ? ['--feed', feed] : []), ...(now ? ['--now', now] : [])], {
      env: childEnv(),
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (e: Error | null, desk?: Desk) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) {
        child.kill('SIGKILL');
        reject(e);
      } else resolve({ child, desk: desk! });
    };
    const timer = setTimeout(
      () => finish(new Error(`riskdesk serve printed no URL within ${START_TIMEOUT_MS / 1000} s\nstdout: ${out}\nstderr: ${err}`)),
      START_TIMEOUT_MS,
    );
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = URL_LINE.exec(out);
      if (m) finish(null, { url: m[0].slice('Riskdesk console: '.length), baseURL: m[1]!, token: m[3]!, db: file, feed, live: null, drillRun: null });
    });
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, signal) => finish(new Error(`riskdesk serve exited (${code ?? signal}) before printing its URL\nstdout: ${out}\nstderr: ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export const test = base.extend<{}, { desk: Desk; deskAccounts: number; deskPolicy: Record<string, string>; deskFeed: boolean; deskDrill: string | null; deskNow: string | null; deskInject: string | null }>({
  /** How many accounts the worker's demo ledger has; a spec file may ask for a larger book with test.use. */
  deskAccounts: [2000, { scope: 'worker', option: true }],
  /**
   * Policy settings written into the worker's ledger before the server starts (e.g. { insuranceFeeRate: '0.0025' });
   * a spec file that sets them gets workers, and ledgers, of its own.
   */
  deskPolicy: [{}, { scope: 'worker', option: true }],
  /** Start the server following a feed file (an empty feed.ndjson beside the ledger): desk.feed names it. */
  deskFeed: [false, { scope: 'worker', option: true }],
  /** Serve a drill of this playbook instead: the CLI starts it, and the server opens its sandbox copy. */
  deskDrill: [null, { scope: 'worker', option: true }],
  /**
   * The server's clock (`serve --now`, what a drill runs on): it starts at this time when the server starts and runs
   * at the wall clock's pace, so a spec can start just before an expiry and see the server's clock pass it.
   */
  deskNow: [null, { scope: 'worker', option: true }],
  /** The drill's injected events, as `playbook start --inject` takes them (stale@0..30,default:KCM@5). */
  deskInject: [null, { scope: 'worker', option: true }],
  desk: [
    async ({ deskAccounts, deskPolicy, deskFeed, deskDrill, deskNow, deskInject }, use, workerInfo) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `riskdesk-e2e-${workerInfo.workerIndex}-`));
      const file = path.join(dir, 'desk.db');
      let child: ChildProcess | null = null;
      try {
        const drill = makeLedger(file, deskAccounts, deskNow, deskPolicy, deskDrill, deskInject);
        const feed = deskFeed ? path.join(dir, 'feed.ndjson') : null;
        if (feed) fs.writeFileSync(feed, '');
        const started = await startServe(drill ? drill.sandbox : file, feed, deskNow);
        child = started.child;
        await use(drill ? { ...started.desk, live: file, drillRun: drill.run } : started.desk);
      } finally {
        if (child) await stop(child);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: BUILD_TIMEOUT_MS + START_TIMEOUT_MS + 30_000 },
  ],
  baseURL: async ({ desk }, use) => {
    await use(desk.baseURL);
  },
});

export { expect };
