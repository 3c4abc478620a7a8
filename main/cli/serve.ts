// `riskdesk serve --db F [--port P] [--demo-if-missing]`: browser mode. Opens the ledger (making the demo book first
// when asked and the file is missing), serves the built renderer and the command layer on 127.0.0.1 behind a random
// per-launch token, prints the URL, and runs until interrupted.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type Ledger } from '../ledger/db.ts';
import { createInitialisedLedger } from '../commands/initLedger.ts';
import { InputError } from '../../shared/errors.ts';
import { startServer } from '../serve/server.ts';
import { rendererRoot } from '../serve/static.ts';
import { DEMO_USERS } from '../demo/generate.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import type { CliIo } from './io.ts';

/** dist/renderer of this checkout (the Vite build output); RISKDESK_RENDERER_DIR points elsewhere. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServeCommandOptions {
  db: string;
  port?: string;
  demoIfMissing: boolean;
  accounts: number;
  seed: number;
  /** The server's clock (`--now`): every command served reads it; the wall clock when absent. */
  now?: () => Date;
  /** A file of NDJSON marks to follow, and a unix socket path or 127.0.0.1 port to take marks on (as FEED_ACTOR). */
  feed?: string;
  feedSocket?: string;
}

/** The actor of marks from a feed attached at start, before anyone signs in: may tick prices and read, no more. */
export const FEED_ACTOR = { name: 'system:feed', role: 'operator', batch: true } as const;

function parsePort(p: string | undefined): number {
  if (p === undefined) return 0;
  if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw new InputError(`--port must be a port number (0-65535; 0 picks a free one), not "${p}"`, { field: 'port' });
  return Number(p);
}

function createDemo(io: CliIo, file: string, accounts: number, seed: number): void {
  const { db, report: r } = createInitialisedLedger(file, { demo: true, accounts, seed }, new Date(), fileAnchor(file, io.env));
  db.close();
  io.stderr.write(`created ${file} with the demo book (${r.accounts} accounts) as of ${r.asOf}\n`);
}

/** Runs until SIGINT or SIGTERM: the server is the process's (its signals are the process's), its output is io's. */
export async function serveCommand(o: ServeCommandOptions, io: CliIo): Promise<number> {
  const port = parsePort(o.port);
  const rendererDir = io.env.RISKDESK_RENDERER_DIR || DEFAULT_RENDERER_DIR;
  if (!rendererRoot(rendererDir)) {
    throw new InputError(
      io.env.RISKDESK_RENDERER_DIR
        ? `RISKDESK_RENDERER_DIR=${rendererDir} holds no built console (index.html is missing)`
        : `the console has not been built: ${path.join(rendererDir, 'index.html')} is missing. Run \`npm run build\` first.`,
    );
  }
  let created = false;
  if (!fs.existsSync(o.db)) {
    if (!o.demoIfMissing) {
      throw new InputError(`ledger file not found: ${o.db} (create one with: riskdesk init --db ${o.db} --demo, or pass --demo-if-missing)`);
    }
    if (o.accounts < 1) throw new InputError('--accounts must be at least 1');
    createDemo(io, o.db, o.accounts, o.seed);
    created = true;
  }
  let db: Ledger;
  try {
    db = openLedger(o.db);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ db, rendererDir, port, anchor: fileAnchor(o.db, io.env), anchorFor: (f) => fileAnchor(f, io.env), ...(o.now ? { now: o.now } : {}) });
  } catch (e) {
    db.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`port ${port} on 127.0.0.1 is already in use`);
    if (code === 'EACCES') throw new InputError(`not allowed to listen on port ${port}`);
    throw e;
  }
  // The live side: scheduled cycles, the feed status beat, and the feeds asked for at start.
  const live = server.door.live;
  live.start();
  try {
    if (o.feed !== undefined) live.followFile(o.feed, FEED_ACTOR);
    if (o.feedSocket !== undefined) {
      const address = /^\d{1,5}$/.test(o.feedSocket) ? { port: parsePort(o.feedSocket) } : { path: o.feedSocket };
      process.stderr.write(`market data: NDJSON marks on ${(await live.listen(address, FEED_ACTOR)).where}\n`);
    }
  } catch (e) {
    await live.stop();
    await server.close();
    db.close();
    throw new InputError(`--feed-socket ${o.feedSocket}: ${(e as Error).message}`);
  }
  if (o.feed !== undefined) process.stderr.write(`market data: following ${path.resolve(o.feed)}\n`);
  // The signal handlers are in place before the URL is printed: whoever reads the URL may stop the server at once.
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stderr.write(`riskdesk serve: ${signal}, stopping\n`);
      const done = () => {
        db.close();
        resolve(0);
      };
      live.stop().then(() => server.close()).then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const integrity = server.door.integrity;
  if (integrity.readOnly) io.stderr.write(`riskdesk serve: the ledger is open READ-ONLY: ${integrity.problem}\nan admin acknowledges it in the console, with a reason, to allow changes again\n`);
  io.stdout.write(`Riskdesk console: ${server.url}\n`);
  io.stderr.write(
    `ledger: ${path.resolve(o.db)}\nlistening on 127.0.0.1 only; the token in the URL is new for each launch. Ctrl+C stops.\n`,
  );
  if (created) io.stderr.write(`demo users: ${DEMO_USERS.map((u) => `${u.name}/${u.password}`).join(', ')}\n`);
  return stopped;
}
