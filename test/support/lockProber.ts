// A second process that asks for a ledger's write lock every millisecond without waiting (BEGIN IMMEDIATE, busy
// timeout 0), as another writer (a browser-mode deposit) would, and reports the longest stretch it was refused: the
// longest write-lock hold as another writer sees it. For benches and tests of long writes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const SQLITE = createRequire(import.meta.url).resolve('better-sqlite3');

export interface LockProbe {
  /** The longest time the lock could not be had, in ms; how often it was refused, and taken. */
  longest: number;
  refused: number;
  taken: number;
}

/** Starts probing `file`; `stop()` ends it and gives the figures. */
export async function startLockProber(file: string): Promise<{ stop: () => Promise<LockProbe> }> {
  const prober = spawn(
    process.execPath,
    [
      '-e',
      `
      const Database = require(${JSON.stringify(SQLITE)});
      const db = new Database(${JSON.stringify(file)}, { timeout: 0 });
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      let lastOk = performance.now(), longest = 0, refused = 0, taken = 0, stop = false;
      process.stdin.on('data', () => { stop = true; });
      const loop = () => {
        const until = performance.now() + 50;
        while (performance.now() < until) {
          try { db.exec('BEGIN IMMEDIATE'); db.exec('ROLLBACK'); const now = performance.now(); longest = Math.max(longest, now - lastOk); lastOk = now; taken++; }
          catch (e) { if (e.code !== 'SQLITE_BUSY') throw e; refused++; }
          sleep(1);
        }
        if (stop) { longest = Math.max(longest, performance.now() - lastOk); process.stdout.write(JSON.stringify({ longest, refused, taken })); db.close(); process.exit(0); }
        setImmediate(loop);
      };
      process.stdout.write('ready\\n');
      loop();
      `,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  prober.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve) => prober.stdout!.once('data', () => resolve()));
  prober.stdout!.on('data', (s: string) => (out += s));
  const exited = new Promise<void>((resolve) => prober.once('exit', () => resolve()));
  return {
    stop: async () => {
      prober.stdin!.write('stop\n');
      await exited;
      return JSON.parse(out) as LockProbe;
    },
  };
}
