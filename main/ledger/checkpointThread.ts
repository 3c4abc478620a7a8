// The console's WAL checkpoints, on a thread of their own (checkpointWorker.ts). SQLite's automatic checkpoint runs
// inside the commit of whichever write passes a thousand WAL pages: on the 100k book that is every margin cycle
// (about 5 MB of results), and the commit that copied the WAL into the file and synced it held the console's thread
// 50-120 ms, while the desk's dashboard waited (issue 15's longest wait). Here the console's connection never
// checkpoints; a second connection on a worker does, passively (it never waits for a writer or a reader, and takes no
// write lock), every quarter second. If that thread stops, the connection gets its automatic checkpoint back, so the
// WAL can never grow without bound.
import { Worker } from 'node:worker_threads';
import type { Ledger } from './db.ts';

export interface CheckpointThread {
  /** Ends the thread and gives the connection its automatic checkpoint back. */
  stop(): void;
}

export interface CheckpointWorkerData {
  file: string;
  everyMs: number;
}

/** What the worker reports: each failed checkpoint (the thread stops after it). */
export type CheckpointThreadMessage = { type: 'failed'; message: string };

// The Electron bundle (scripts/build-electron.ts) defines this as the file name of the thread's own bundle.
declare const __RISKDESK_CHECKPOINT_WORKER__: string | undefined;
const workerUrl = (): URL =>
  new URL(typeof __RISKDESK_CHECKPOINT_WORKER__ === 'string' ? __RISKDESK_CHECKPOINT_WORKER__ : './checkpointWorker.ts', import.meta.url);

/** How often the thread checkpoints. A passive checkpoint of an empty WAL costs microseconds. */
export const CHECKPOINT_EVERY_MS = 250;

/**
 * Moves `db`'s checkpoints to a thread. Null for a ledger that has no WAL to checkpoint (in memory) or that this
 * process does not write (read-only). `log` hears why the thread stopped, if it stops by itself.
 */
export function startCheckpointThread(db: Ledger, log: (line: string) => void, everyMs = CHECKPOINT_EVERY_MS): CheckpointThread | null {
  if (db.memory || db.readonly) return null;
  const setting = Number(db.pragma('wal_autocheckpoint', { simple: true }));
  let running = true;
  const restore = (): void => {
    if (!running) return;
    running = false;
    if (db.open) db.pragma(`wal_autocheckpoint = ${setting}`);
  };
  const data: CheckpointWorkerData = { file: db.name, everyMs };
  const worker = new Worker(workerUrl(), { workerData: data });
  worker.on('message', (m: CheckpointThreadMessage) => log(`riskdesk: the checkpoint thread stopped: ${m.message}; SQLite's automatic checkpoint is back on`));
  worker.on('error', (e) => log(`riskdesk: the checkpoint thread failed: ${e.message}; SQLite's automatic checkpoint is back on`));
  worker.on('exit', restore);
  // A console that ends does not wait for its checkpoints: the file is consistent at every commit. (After the
  // listeners: a 'message' listener added later holds the process open again.)
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  return {
    stop() {
      restore();
      void worker.terminate();
    },
  };
}
