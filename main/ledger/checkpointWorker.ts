// The checkpoint thread (checkpointThread.ts starts it): its own connection to the ledger file, a passive checkpoint
// every few hundred milliseconds. Passive never waits on the console's writer or readers and changes no data (the
// console's resident book, watching data_version, sees nothing). A failure is reported and ends the thread.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointThreadMessage, CheckpointWorkerData } from './checkpointThread.ts';

const { file, everyMs } = workerData as CheckpointWorkerData;
const post = (m: CheckpointThreadMessage): void => parentPort!.postMessage(m);

try {
  const db = new Database(file, { fileMustExist: true });
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e) {
      clearInterval(timer);
      db.close();
      post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    }
  }, everyMs);
} catch (e) {
  post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
