// The adapter a desk points its vendor feed at: a local socket (a unix socket path, or a TCP port on 127.0.0.1
// only) taking NDJSON marks. Each connection has its own line numbers; a bad line is refused with its connection
// and line, and the connection stays open.
import net from 'node:net';
import fs from 'node:fs';
import { NdjsonMarks, type LineOutcome } from './ndjson.ts';

export const FEED_HOST = '127.0.0.1';
const MAX_CONNECTIONS = 16;

export type SocketAddress = { path: string } | { port: number };

export interface MarkSocket {
  /** Where it listens, as a person would name it: the path, or 127.0.0.1:PORT. */
  where: string;
  port: number | null;
  close(): Promise<void>;
}

/** Listens for NDJSON marks; `out` gets each line's outcome with the connection's name. */
export async function listenMarks(address: SocketAddress, out: (o: LineOutcome, source: string) => void): Promise<MarkSocket> {
  let seq = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    const source = `connection ${++seq}`;
    open.add(conn);
    const lines = new NdjsonMarks((o) => out(o, source));
    conn.on('data', (chunk) => lines.write(chunk));
    conn.on('end', () => lines.end());
    conn.on('error', () => conn.destroy());
    conn.on('close', () => open.delete(conn));
  });
  server.maxConnections = MAX_CONNECTIONS;
  if ('path' in address && fs.existsSync(address.path)) {
    // A socket left by a feed that died is reused; any other file is not ours to remove.
    if (!fs.statSync(address.path).isSocket()) throw new Error(`${address.path} exists and is not a socket`);
    fs.rmSync(address.path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in address) server.listen({ path: address.path, exclusive: true }, done);
    else server.listen({ host: FEED_HOST, port: address.port, exclusive: true }, done);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : null;
  return {
    where: 'path' in address ? address.path : `${FEED_HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of open) c.destroy();
        server.close(() => resolve());
      }),
  };
}
