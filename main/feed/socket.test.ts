import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listenMarks, type SocketAddress } from './socket.ts';
import type { LineOutcome } from './ndjson.ts';

/** Sends `text` on one connection and waits (bounded) until `want` outcomes have come. */
async function send(address: SocketAddress, port: number | null, text: string, got: unknown[], want: number): Promise<void> {
  const conn = 'path' in address ? net.connect(address.path) : net.connect(port!, '127.0.0.1');
  await new Promise<void>((resolve, reject) => conn.once('connect', resolve).once('error', reject));
  conn.end(text);
  for (let i = 0; i < 200 && got.length < want; i++) await new Promise((r) => setTimeout(r, 10));
}

const LINES = '{"instrument":"BTC-PERP","price":"1","time":"2026-03-12T15:00:00Z"}\nnope\n{"instrument":"BTC-PERP","price":"2","time":"2026-03-12T15:00:01Z"}';

for (const kind of ['tcp', 'unix'] as const) {
  test(`marks on a ${kind} socket: per connection line numbers, a bad line refused, the connection kept`, async () => {
    const address: SocketAddress = kind === 'tcp' ? { port: 0 } : { path: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-sock-')), 'feed.sock') };
    const got: { o: LineOutcome; source: string }[] = [];
    const sock = await listenMarks(address, (o, source) => got.push({ o, source }));
    try {
      if (kind === 'tcp') assert.match(sock.where, /^127\.0\.0\.1:\d+$/);
      await send(address, sock.port, LINES, got, 3);
      await send(address, sock.port, LINES, got, 6);
      assert.deepEqual(got.map((g) => [g.source, g.o.line, g.o.ok]), [
        ['connection 1', 1, true],
        ['connection 1', 2, false],
        ['connection 1', 3, true],
        ['connection 2', 1, true],
        ['connection 2', 2, false],
        ['connection 2', 3, true],
      ]);
    } finally {
      await sock.close();
    }
  });
}

test('a unix socket path held by another kind of file is not taken over', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-sock-')), 'not-a-socket');
  fs.writeFileSync(file, 'data');
  await assert.rejects(listenMarks({ path: file }, () => {}), /exists and is not a socket/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'data');
});
