// Browser mode as someone without a desk account would try to starve it (issue 19): idle and dripping sockets by the
// hundred, headers and bodies sent a byte at a time, a viewer's 300 MB upload, and password guessers in parallel. Each
// attack runs against a real server on 127.0.0.1 and the desk's own requests must still be answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { startServer, type RunningServer, type ServerLimits } from '../main/serve/server.ts';
import { PASSWORDS } from './support/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-starve-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const rendererDir = path.join(dir, 'renderer');
fs.mkdirSync(rendererDir, { recursive: true });
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test console</title>');

let db: Ledger;
const servers: RunningServer[] = [];

before(() => {
  db = openLedger(path.join(dir, 'desk.db'), { create: true });
  initLedger(db, { demo: true, accounts: 40, seed: 5 }, new Date());
});

after(async () => {
  for (const s of servers) await s.close();
  db.close();
});

async function serve(limits: Partial<ServerLimits> = {}): Promise<RunningServer> {
  const s = await startServer({ db, rendererDir, port: 0, log: () => {}, limits });
  servers.push(s);
  return s;
}

function post(s: RunningServer, channel: string, payload: unknown, session?: string): Promise<{ status: number; body: any; session?: string }> {
  const text = JSON.stringify(payload);
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${s.port}`,
    Authorization: `Bearer ${s.token}`,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (session) headers['X-Riskdesk-Session'] = session;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, method: 'POST', path: `/api/invoke/${channel}`, headers, setHost: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const sid = res.headers['x-riskdesk-session'];
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(body), ...(typeof sid === 'string' ? { session: sid } : {}) });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function login(s: RunningServer, name: keyof typeof PASSWORDS): Promise<string> {
  const r = await post(s, 'session.login', { name, password: PASSWORDS[name] });
  assert.equal(r.body.ok, true, JSON.stringify(r.body));
  return r.session!;
}

/** A raw socket that stays half-open on our side (as an attacker's would: it never sends its FIN). */
function rawSocket(s: RunningServer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: s.port, allowHalfOpen: true }, () => resolve(sock));
    sock.on('error', () => {});
    sock.once('error', reject);
  });
}

/** The server ended the connection (seen as its FIN or a reset: the attacker's side never closes by itself). */
const closed = (sock: net.Socket) =>
  new Promise<void>((resolve) => {
    if (sock.destroyed || sock.readableEnded) return resolve();
    sock.once('end', () => resolve());
    sock.once('close', () => resolve());
    sock.resume();
  });

/** Polls until `pred` holds (bounded: fails after `ms`). */
async function until(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

/** Resolves with `value`, or rejects when `ms` pass first. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

test('300 idle sockets without the token do not lock the desk out: its sign-in is answered, the strangers are capped', async () => {
  const s = await serve();
  const attackers = await Promise.all(Array.from({ length: 300 }, () => rawSocket(s).catch(() => null)));
  const held = attackers.filter((x): x is net.Socket => x !== null);
  try {
    const sid = await within(login(s, 'viewer'), 5_000, 'the desk signs in past 300 idle sockets');
    const who = await within(post(s, 'session.whoami', {}, sid), 5_000, 'whoami');
    assert.equal(who.body.ok, true);
    const state = await s.sockets();
    assert.ok(state.strangers <= 32, `strangers held open: ${state.strangers}`);
    assert.ok(state.evicted >= 300 - 32, `evicted ${state.evicted}`);
  } finally {
    for (const a of held) a.destroy();
  }
});

test('a stranger that connects and sends nothing is destroyed soon, not kept for the header timeout', async () => {
  const s = await serve({ strangerIdleMs: 300 });
  const sock = await rawSocket(s);
  await within(closed(sock), 3_000, 'the idle stranger is closed');
  await until(async () => (await s.sockets()).open === 0, 2_000, 'no socket left open on the server');
});

test('headers dripped a byte at a time: the socket is destroyed at the header timeout, not left in FIN-WAIT-2', async () => {
  // Only the header timeout is under test here: the stranger limits are out of its way.
  const s = await serve({ headersMs: 600, checkEveryMs: 100, strangerIdleMs: 60_000 });
  const sock = await rawSocket(s);
  sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
  const drip = setInterval(() => {
    if (!sock.destroyed) sock.write('X');
  }, 100);
  try {
    // The attacker never ends its side: a server that only half-closes would keep the socket (and its slot) open.
    await until(async () => (await s.sockets()).open === 0, 4_000, 'the dripping socket is gone from the server');
  } finally {
    clearInterval(drip);
    sock.destroy();
  }
});

test('a body dripped a byte at a time by a signed-in operator is cut off at the body deadline', async () => {
  const s = await serve({ bodyMs: 800, idleMs: 400, importBodyMs: 800 });
  const sid = await login(s, 'operator');
  const sock = await rawSocket(s);
  sock.write(
    `POST /api/invoke/import.csv HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${s.token}\r\n` +
      `X-Riskdesk-Session: ${sid}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
  );
  const drip = setInterval(() => {
    if (!sock.destroyed) sock.write(' ');
  }, 100);
  try {
    await within(closed(sock), 4_000, 'the dripping upload is cut off');
    await until(async () => (await s.sockets()).open === 0, 2_000, 'no socket left open on the server');
  } finally {
    clearInterval(drip);
    sock.destroy();
  }
});

test("a viewer's 300 MB import is refused from its headers: the role check comes before a byte of the body is read", async () => {
  const s = await serve();
  const sid = await login(s, 'viewer');
  const sock = await rawSocket(s);
  let answer = '';
  sock.setEncoding('utf8');
  sock.on('data', (c: string) => (answer += c));
  // Only the headers and the first few bytes are ever sent: a server that reads the body first never answers.
  sock.write(
    `POST /api/invoke/import.csv HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${s.token}\r\n` +
      `X-Riskdesk-Session: ${sid}\r\nContent-Type: application/json\r\nContent-Length: ${300 * 1024 * 1024}\r\n\r\n{"kind":"prices","csv":"`,
  );
  try {
    await within(
      until(async () => answer.includes('\r\n\r\n') && answer.includes('}'), 3_000, 'an answer'),
      4_000,
      'the refusal',
    );
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'forbidden');
    assert.match(body.error.message, /viewer.*may not run import\.csv.*operator/);
    // And the socket is not kept to swallow the rest.
    await within(closed(sock), 3_000, 'the socket is closed after the refusal');
    await until(async () => (await s.sockets()).open === 0, 2_000, 'no socket left open on the server');
  } finally {
    sock.destroy();
  }
});

test("a viewer's import body just over the ordinary 1 MB limit is refused as forbidden, not read to the import limit", async () => {
  const s = await serve();
  const sid = await login(s, 'viewer');
  const big = { kind: 'prices', csv: 'x'.repeat(2 * 1024 * 1024) };
  const r = await post(s, 'import.csv', big, sid).catch((e: Error) => ({ status: 0, body: { error: { code: e.message } } }));
  // Either the refusal or a reset after it: never the import read and run.
  if (r.status !== 0) {
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error.code, 'forbidden');
  }
});

test('eight password guessers in parallel: a signed-in user is answered before any guess is decided (scrypt is off the loop)', async () => {
  const s = await serve();
  const sid = await login(s, 'viewer');
  const order: string[] = [];
  const guesses = Array.from({ length: 8 }, (_, i) => post(s, 'session.login', { name: 'admin', password: `guess-${i}` }).then((r) => {
    order.push('guess');
    return r;
  }));
  // Let the guesses reach the server first.
  await new Promise((r) => setTimeout(r, 30));
  const who = await post(s, 'session.whoami', {}, sid);
  order.push('whoami');
  assert.equal(who.body.ok, true);
  const results = await Promise.all(guesses);
  for (const g of results) assert.equal(g.body.ok, false);
  assert.equal(order[0], 'whoami', `order: ${order.join(', ')}`);
});
