// The running console for the bench (bench.ts appPhase): `riskdesk serve`'s server on a ledger file, in a process of
// its own, so that its resident memory is the app's. It tells the parent its URL and token, and answers "memory"
// with its resident set size. The parent drives it over HTTP, as the browser does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { startServer } from '../main/serve/server.ts';

const file = process.argv[2];
if (!file || !process.send) throw new Error('usage: forked by bench.ts with the ledger file');
const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-bench-renderer-'));
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>bench</title>');
const db = openLedger(file);
// The console's clock, shifted to the book's day by the parent (bench.ts appPhase): its cycles and ticks run then.
const shift = Number(process.argv[3] ?? 0);
const server = await startServer({ db, rendererDir, port: 0, log: () => {}, now: () => new Date(Date.now() + shift) });
process.on('message', (m) => {
  if (m === 'memory') process.send!({ rssMb: process.memoryUsage().rss / 1e6 });
  if (m === 'stop') {
    void server.close().then(() => {
      db.close();
      fs.rmSync(rendererDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.send({ origin: server.origin, token: server.token });
