// Browser mode and the door core: the token, the session flow (sign-in, roles, sign-out, idle expiry), console events
// over SSE, the static path guard, the Host and Origin checks, and the `riskdesk serve` command as a real process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { startServer, tokenMatcher, type RunningServer } from '../main/serve/server.ts';
import { checkUrlPath, resolveStatic } from '../main/serve/static.ts';
import { CSP } from '../main/serve/headers.ts';
import { SessionStore, SESSION_IDLE_MS } from '../main/doors/sessions.ts';
import { Door, bridgeErrorOf } from '../main/doors/invoke.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import type { ConsoleEvent } from '../shared/contract.ts';
import { BIN, NODE, childEnv, PASSWORDS } from './support/cli.ts';
import { OPTIONS_DESK_ACCOUNTS } from '../main/demo/optionsDesk.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-serve-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// A stand-in for the built renderer (the real one is Vite's output in dist/renderer).
const rendererDir = path.join(dir, 'renderer');
fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test console</title><script type="module" src="/assets/app.js"></script>');
fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'export {};\n');
fs.writeFileSync(path.join(rendererDir, 'assets', 'style.css'), 'body{}\n');
fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside-the-renderer\n');
fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));

let db: Ledger;
let server: RunningServer;

before(async () => {
  db = openLedger(path.join(dir, 'desk.db'), { create: true });
  initLedger(db, { demo: true, accounts: 300, seed: 7 }, new Date());
  server = await startServer({ db, rendererDir, port: 0, log: () => {} });
});

after(async () => {
  await server.close();
  db.close();
});

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => any;
}

function request(o: { method?: string; path: string; headers?: Record<string, string>; body?: string; host?: string | null }): Promise<Res> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.host !== null) headers.Host = o.host ?? `127.0.0.1:${server.port}`;
  if (o.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(o.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: o.method ?? 'GET', path: o.path, headers, setHost: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

function invoke(channel: string, payload: unknown, o: { token?: string | null; session?: string; headers?: Record<string, string>; host?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(o.headers ?? {}) };
  const token = o.token === undefined ? server.token : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (o.session) headers['X-Riskdesk-Session'] = o.session;
  return request({ method: 'POST', path: `/api/invoke/${channel}`, headers, body: JSON.stringify(payload), ...(o.host ? { host: o.host } : {}) });
}

async function login(name: keyof typeof PASSWORDS): Promise<string> {
  const r = await invoke('session.login', { name, password: PASSWORDS[name] });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json().value, { name, role: name.startsWith('supervisor') ? 'supervisor' : name });
  const sid = r.headers['x-riskdesk-session'];
  assert.equal(typeof sid, 'string');
  assert.match(sid as string, /^[A-Za-z0-9_-]{43}$/);
  return sid as string;
}

function assertSecurityHeaders(r: Res, what: string): void {
  assert.equal(r.headers['content-security-policy'], CSP, what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', what);
}

/** An SSE subscriber: collects the events of /api/events until closed. */
function subscribe(session: string, srv: RunningServer = server): Promise<{ events: ConsoleEvent[]; comments: string[]; waitFor: (pred: (e: ConsoleEvent[]) => boolean, ms?: number) => Promise<void>; closed: Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: srv.port, path: `/api/events?token=${srv.token}&session=${session}`, headers: { Host: `127.0.0.1:${srv.port}` }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`events: ${res.statusCode}`));
          res.resume();
          return;
        }
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        const events: ConsoleEvent[] = [];
        const comments: string[] = [];
        const waiters = new Set<() => void>();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) !== -1) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            for (const line of frame.split('\n')) {
              if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as ConsoleEvent);
              else if (line.startsWith(':')) comments.push(line);
            }
          }
          for (const w of [...waiters]) w();
        });
        const closed = new Promise<void>((r) => res.on('close', () => r()));
        resolve({
          events,
          comments,
          closed,
          close: () => req.destroy(),
          waitFor: (pred, ms = 5000) =>
            new Promise<void>((ok, fail) => {
              if (pred(events)) return ok();
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`no such events within ${ms} ms: ${JSON.stringify(events)}`));
              }, ms);
              const check = () => {
                if (pred(events)) {
                  clearTimeout(timer);
                  waiters.delete(check);
                  ok();
                }
              };
              waiters.add(check);
            }),
        });
      },
    );
    req.on('error', reject);
  });
}

test('the URL is 127.0.0.1 with a 32-byte base64url token; only 127.0.0.1 is accepted as the listening host', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  await assert.rejects(startServer({ db, rendererDir, host: '0.0.0.0', log: () => {} }), /127\.0\.0\.1 only/);
  await assert.rejects(startServer({ db, rendererDir, host: 'localhost', log: () => {} }), /127\.0\.0\.1 only/);
  await assert.rejects(startServer({ db, rendererDir: path.join(dir, 'nowhere'), log: () => {} }), /index\.html missing/);
});

test('commands need the token: 401 without it or with a wrong one, and nothing runs', async () => {
  const sid = await login('operator');
  const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
  for (const [what, token] of [['none', null], ['wrong', wrong], ['short', 'abc'], ['empty', '']] as const) {
    const r = await invoke('cycle.run', {}, { token, session: sid });
    assert.equal(r.status, 401, what);
    assert.deepEqual(r.json(), { ok: false, error: { code: 'unauthorized', message: 'missing or wrong console token' } });
    assertSecurityHeaders(r, what);
  }
  assert.equal(db.prepare('SELECT count(*) FROM margin_cycles').pluck().get(), 0n);
  const match = tokenMatcher('secret-token');
  assert.equal(match('secret-token'), true);
  assert.equal(match('secret-tokem'), false);
  assert.equal(match(undefined), false);
  assert.equal(match(['secret-token']), false);
});

test('session flow: sign in, whoami, a viewer is refused cycle.run, an operator runs it and SSE announces it', async () => {
  const none = await invoke('session.whoami', {});
  assert.equal(none.status, 401);
  assert.deepEqual(none.json(), { ok: false, error: { code: 'unauthenticated', message: 'sign in first: no user is signed in at this console' } });
  const bad = await invoke('session.login', { name: 'viewer', password: 'wrong-password' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json().error.code, 'bad_credentials');
  assert.equal(bad.headers['x-riskdesk-session'], undefined);
  const badInput = await invoke('session.login', { name: 'viewer' });
  assert.equal(badInput.status, 400);
  assert.equal(badInput.json().error.code, 'bad_input');
  assert.deepEqual(badInput.json().error.where, { field: 'password' });

  const viewer = await login('viewer');
  const who = (await invoke('session.whoami', {}, { session: viewer })).json();
  assert.deepEqual([who.ok, who.value.name, who.value.role], [true, 'viewer', 'viewer']);
  // What the viewer may run, as the server judges it: the console shows this and decides nothing.
  assert.deepEqual(who.value.capabilities['cycle.run'], {
    channel: 'cycle.run',
    offered: true,
    allowed: false,
    why: 'viewer (viewer) may not run cycle.run: it needs the operator role',
    needs: 'operator',
  });
  const stream = await subscribe(viewer);
  const refused = await invoke('cycle.run', {}, { session: viewer });
  assert.equal(refused.status, 403);
  assert.equal(refused.json().ok, false);
  assert.equal(refused.json().error.code, 'forbidden');
  assert.equal(refused.json().error.stack, undefined);

  const operator = await login('operator');
  const ran = await invoke('cycle.run', {}, { session: operator });
  assert.equal(ran.json().ok, true, ran.body);
  const summary = ran.json().value;
  assert.equal(summary.accounts, 300 + OPTIONS_DESK_ACCOUNTS);
  await stream.waitFor((es) => es.some((e) => e.type === 'liquidations.changed'));
  assert.deepEqual(
    stream.events.map((e) => e.type),
    ['cycle.done', 'calls.changed', 'liquidations.changed'],
  );
  assert.deepEqual((stream.events[0] as Extract<ConsoleEvent, { type: 'cycle.done' }>).summary, summary);
  // The cycle is journalled under the signed-in user.
  assert.equal(db.prepare("SELECT actor FROM journal WHERE command = 'cycle.run' ORDER BY seq DESC LIMIT 1").pluck().get(), 'operator');

  // Signing out ends the session and its event stream.
  const out = await invoke('session.logout', {}, { session: viewer });
  assert.deepEqual(out.json(), { ok: true, value: { ok: true } });
  await stream.closed;
  assert.equal((await invoke('session.whoami', {}, { session: viewer })).json().error.code, 'unauthenticated');
  assert.equal((await request({ path: `/api/events?token=${server.token}&session=${viewer}` })).status, 401);
  // A new sign-in from a session replaces it (no fixation): the old id is dead.
  const again = await invoke('session.login', { name: 'operator', password: PASSWORDS.operator }, { session: operator });
  const renewed = again.headers['x-riskdesk-session'];
  assert.notEqual(renewed, operator);
  assert.equal((await invoke('session.whoami', {}, { session: operator })).json().error.code, 'unauthenticated');
  assert.equal((await invoke('session.whoami', {}, { session: renewed as string })).json().value.name, 'operator');
});

test('calls.* changes announce calls.changed; reads announce nothing', async () => {
  const supervisor = await login('supervisor');
  const stream = await subscribe(supervisor);
  const calls = (await invoke('calls.list', { status: 'open' }, { session: supervisor })).json();
  assert.equal(calls.ok, true);
  assert.ok(calls.value.length > 0, 'the demo book has open calls after a cycle');
  const waived = (await invoke('calls.waive', { id: calls.value[0].id, reason: 'test waiver' }, { session: supervisor })).json();
  assert.equal(waived.ok, true, JSON.stringify(waived));
  await stream.waitFor((es) => es.length >= 1);
  assert.deepEqual(stream.events, [{ type: 'calls.changed' }]);
  stream.close();
});

test('bad payloads, unknown channels and oversized bodies are refused without running anything', async () => {
  const operator = await login('operator');
  const unknown = await invoke('no.such.channel', {}, { session: operator });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.json(), { ok: false, error: { code: 'bad_input', message: 'unknown command "no.such.channel"' } });
  const field = await invoke('cycle.run', { at: 'yesterday' }, { session: operator });
  assert.equal(field.status, 400);
  assert.equal(field.json().error.code, 'bad_input');
  assert.deepEqual(field.json().error.where, { field: 'at' });
  const notJson = await request({
    method: 'POST',
    path: '/api/invoke/cycle.run',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'X-Riskdesk-Session': operator },
    body: '{not json',
  });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.json().error.code, 'bad_input');
  const wrongType = await request({
    method: 'POST',
    path: '/api/invoke/cycle.run',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'text/plain', 'X-Riskdesk-Session': operator },
    body: '{}',
  });
  assert.equal(wrongType.status, 415);
  assert.equal(wrongType.json().error.code, 'unsupported_media_type');
  const big = await invoke('calls.list', { pad: 'x'.repeat(1024 * 1024 + 10) }, { session: operator });
  assert.equal(big.status, 413);
  assert.equal(big.json().error.code, 'payload_too_large');
  const get = await request({ path: '/api/invoke/cycle.run', headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(get.status, 405);
});

test('the Host header must be 127.0.0.1:PORT or localhost:PORT; a cross-origin POST is refused', async () => {
  for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `localhost`, `0.0.0.0:${server.port}`]) {
    const r = await request({ path: '/', host });
    assert.equal(r.status, 403, host);
    assert.equal(r.json().error.code, 'bad_host');
    assertSecurityHeaders(r, host);
    const cmd = await invoke('session.login', { name: 'operator', password: PASSWORDS.operator }, { host });
    assert.equal(cmd.status, 403, host);
    assert.equal(cmd.headers['x-riskdesk-session'], undefined);
  }
  assert.ok([400, 403].includes((await request({ path: '/', host: null })).status));
  assert.equal((await request({ path: '/', host: `localhost:${server.port}` })).status, 200);
  assert.equal((await request({ path: '/', host: `127.0.0.1:${server.port}` })).status, 200);

  const foreign = await invoke('session.login', { name: 'operator', password: PASSWORDS.operator }, { headers: { Origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json().error.code, 'cross_origin');
  const site = await invoke('session.login', { name: 'operator', password: PASSWORDS.operator }, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
  assert.equal(site.status, 403);
  const own = await invoke('session.login', { name: 'operator', password: PASSWORDS.operator }, { headers: { Origin: server.origin, 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(own.status, 200);
  assert.equal(own.json().ok, true);
});

test('static files: content types, SPA fallback for extensionless paths only, and the security headers', async () => {
  const index = await request({ path: '/?token=whatever' });
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(index.body, /test console/);
  assertSecurityHeaders(index, 'index');
  const js = await request({ path: '/assets/app.js' });
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await request({ path: '/assets/style.css' })).headers['content-type'], 'text/css; charset=utf-8');
  const route = await request({ path: '/accounts/ACC-1' });
  assert.equal(route.status, 200);
  assert.match(route.body, /test console/);
  assert.equal((await request({ path: '/assets/missing.js' })).status, 404);
  assert.equal((await request({ path: '/api/unknown' })).status, 404);
  assert.equal((await request({ method: 'POST', path: '/index.html', body: '' })).status, 405);
  const head = await request({ method: 'HEAD', path: '/assets/app.js' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('static path guard: traversal, encodings, NUL, absolute paths, dotfiles and symlinks out are refused', async () => {
  const refused = [
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2e/secret.txt',
    '/assets/..%2f..%2fpackage.json',
    '/assets/../../secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/.%2e/secret.txt',
    '/./index.html',
    '/..%5csecret.txt',
    '/assets\\..\\..\\secret.txt',
    '/index.html%00.js',
    '/index.html\0',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/C:/Windows/win.ini',
    '/.git/config',
    '/assets/.env',
    '/%e0%a4%a',
    'index.html',
    '/assets//app.js',
  ];
  for (const p of refused) assert.equal(checkUrlPath(p).ok, false, p);
  for (const p of ['/', '/index.html', '/assets/app.js', '/accounts/ACC-1', '/a%20b.txt', '/%252e%252e/x']) assert.equal(checkUrlPath(p).ok, true, p);

  const root = fs.realpathSync(rendererDir);
  assert.deepEqual(resolveStatic(root, '/assets/link.txt'), { kind: 'bad', reason: 'outside the renderer folder' });
  assert.equal(resolveStatic(root, '/assets/app.js').kind, 'file');
  assert.equal(resolveStatic(root, '/%252e%252e/secret.txt').kind, 'missing');
  assert.equal(resolveStatic(root, '/nowhere').kind, 'file'); // the SPA's index.html

  // Over the wire (paths sent as written, not normalised by a client).
  for (const p of refused.filter((x) => !x.includes('\0') && x.startsWith('/')).concat(['/assets/link.txt'])) {
    const r = await request({ path: p });
    assert.ok(r.status === 400 || r.status === 404, `${p} -> ${r.status}`);
    assert.doesNotMatch(r.body, /outside-the-renderer|devDependencies|root:/, p);
    assertSecurityHeaders(r, p);
  }
});

test('sessions expire after 12 hours idle; use keeps them alive, an open event stream does not', () => {
  let now = 0;
  const s = new SessionStore({ now: () => now });
  const a = s.create({ name: 'viewer', role: 'viewer' });
  const b = s.create({ name: 'operator', role: 'operator' });
  s.bind('wc:1', { name: 'admin', role: 'admin' });
  now = SESSION_IDLE_MS - 1;
  assert.equal(s.use(a)?.name, 'viewer');
  assert.equal(s.peek(b)?.name, 'operator');
  now = SESSION_IDLE_MS + 10;
  assert.equal(s.peek(b), null, 'b was only peeked at: expired');
  assert.equal(s.use(a)?.name, 'viewer', 'a was used 11 ms ago');
  assert.equal(s.sweep(), 1, 'wc:1 idle since 0');
  assert.equal(s.size, 1);
  now += SESSION_IDLE_MS + 1;
  assert.equal(s.use(a), null);
});

test('the event stream sends heartbeats and ends when its session expires (12 h idle)', async () => {
  let now = Date.now();
  const sessions = new SessionStore({ now: () => now });
  const srv = await startServer({ db, rendererDir, sessions, heartbeatMs: 40, log: () => {} });
  try {
    const sid = sessions.create({ name: 'viewer', role: 'viewer' });
    const stream = await subscribe(sid, srv);
    await new Promise((ok) => setTimeout(ok, 150));
    assert.ok(stream.comments.filter((c) => c === ': heartbeat').length >= 2, JSON.stringify(stream.comments));
    now += SESSION_IDLE_MS + 1;
    await stream.closed;
    assert.equal(sessions.peek(sid), null);
  } finally {
    await srv.close();
  }
});

test('the door core: window bindings, and failures cross without stacks or foreign codes', async () => {
  const door = new Door({ db, log: () => {} });
  const w = { kind: 'window', key: 'wc:7' } as const;
  assert.equal(door.invoke(w, 'calls.list', {}).result.ok, false);
  const login = await door.invokeAsync(w, 'session.login', { name: 'viewer', password: PASSWORDS.viewer });
  assert.deepEqual(login, { result: { ok: true, value: { name: 'viewer', role: 'viewer' } } });
  assert.equal(door.invoke(w, 'calls.list', {}).result.ok, true);
  assert.deepEqual(door.invoke(w, 42, {}).result, { ok: false, error: { code: 'bad_input', message: 'field channel: the channel must be a string', where: { field: 'channel' } } });
  door.forget(w);
  assert.equal(door.invoke(w, 'calls.list', {}).result.ok, false);

  const internal = bridgeErrorOf(Object.assign(new Error('disk I/O error\n    at secret (/home/x.ts:1:1)'), { code: 'SQLITE_IOERR' }));
  assert.equal(internal.code, 'internal');
  // The cause (SQL, paths) goes to the log only; the window gets a reference to find it there.
  assert.match(internal.message, /^internal error \(E[0-9a-z]+ in the console's log\); nothing was changed$/);
  assert.doesNotMatch(internal.message, /disk I\/O/);
  assert.deepEqual(bridgeErrorOf(new RuleError('forbidden', 'no')), { code: 'forbidden', message: 'no' });
  assert.deepEqual(bridgeErrorOf(new InputError('bad', { field: 'x' })), { code: 'bad_input', message: 'field x: bad', where: { field: 'x' } });
  assert.equal(JSON.stringify(bridgeErrorOf(new TypeError('boom'))).includes(' at '), false);
});

/** Runs `riskdesk serve` until it prints its URL (or exits), then stops it with SIGTERM. */
function runServe(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string; url: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, 'serve', ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let url: string | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      stdout += c;
      const m = /Riskdesk console: (\S+)/.exec(stdout);
      if (m && url === null) {
        url = m[1]!;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, url });
    });
  });
}

test('riskdesk serve: says to build first, refuses a missing ledger, makes the demo book on request, prints the URL', async () => {
  const db2 = path.join(dir, 'cli.db');
  const notBuilt = await runServe(['--db', db2, '--demo-if-missing'], { RISKDESK_RENDERER_DIR: undefined });
  // The checkout may or may not hold a built renderer; when it does not, the message says what to do.
  if (notBuilt.url === null) {
    assert.equal(notBuilt.code, 2);
    assert.match(notBuilt.stderr, /has not been built: .*dist\/renderer\/index\.html is missing\. Run `npm run build` first\./);
  }
  const emptyDir = path.join(dir, 'empty');
  fs.mkdirSync(emptyDir);
  const noIndex = await runServe(['--db', db2], { RISKDESK_RENDERER_DIR: emptyDir });
  assert.equal(noIndex.code, 2);
  assert.match(noIndex.stderr, /holds no built console/);

  fs.rmSync(db2, { force: true });
  const missing = await runServe(['--db', db2], { RISKDESK_RENDERER_DIR: rendererDir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ledger file not found: .*--demo-if-missing/);
  const badPort = await runServe(['--db', db2, '--port', '70000', '--demo-if-missing'], { RISKDESK_RENDERER_DIR: rendererDir });
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port must be a port number/);
  assert.equal(fs.existsSync(db2), false);

  const ok = await runServe(['--db', db2, '--port', '0', '--demo-if-missing', '--accounts', '200'], { RISKDESK_RENDERER_DIR: rendererDir });
  assert.match(ok.stdout, /^Riskdesk console: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}\n/);
  assert.match(ok.stderr, new RegExp(`created .*cli\\.db with the demo book \\(${200 + OPTIONS_DESK_ACCOUNTS} accounts\\)`));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(fs.existsSync(db2), true);
  // A second launch opens the same ledger with a new token.
  const again = await runServe(['--db', db2, '--demo-if-missing'], { RISKDESK_RENDERER_DIR: rendererDir });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /created/);
  assert.notEqual(new URL(again.url!).searchParams.get('token'), new URL(ok.url!).searchParams.get('token'));
});

test('riskdesk serve --now: commands served run on that clock, a cycle from the console included', async () => {
  // A ledger built two hours ago; the server's clock starts one hour ago and runs from there.
  const file = path.join(dir, 'clock.db');
  const built = openLedger(file, { create: true });
  initLedger(built, { demo: true, accounts: 60, seed: 3 }, new Date(Date.now() - 2 * 3_600_000));
  built.close();
  const start = new Date(Date.now() - 3_600_000);
  const child = spawn(NODE, [BIN, 'serve', '--db', file, '--port', '0', '--now', start.toISOString()], {
    env: childEnv({ RISKDESK_RENDERER_DIR: rendererDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c: string) => {
        out += c;
        const m = /Riskdesk console: (\S+)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const post = (channel: string, payload: unknown, session?: string) =>
      fetch(`${url.origin}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${url.searchParams.get('token')}`, ...(session ? { 'X-Riskdesk-Session': session } : {}) },
        body: JSON.stringify(payload),
      });
    const signin = await post('session.login', { name: 'operator', password: PASSWORDS.operator });
    const sid = signin.headers.get('x-riskdesk-session')!;
    const r = (await (await post('cycle.run', {}, sid)).json()) as { ok: boolean; value: { asOf: string } };
    assert.equal(r.ok, true, JSON.stringify(r));
    const asOf = Date.parse(r.value.asOf);
    // On the server's clock (an hour behind the wall), not the wall clock.
    assert.ok(asOf >= start.getTime() && asOf < start.getTime() + 5 * 60_000, `cycle as of ${r.value.asOf}, clock started ${start.toISOString()}`);
  } finally {
    child.kill('SIGTERM');
  }
});

test('a drill started over HTTP: that console is answered from the sandbox and hears the drill\'s events; a console on the ledger hears none of them', { timeout: 60_000 }, async () => {
  const op = await login('operator');
  const viewer = await login('viewer');
  // Both listening before the drill starts: its clock's first beat is at once.
  const onDrill = await subscribe(op);
  const onLedger = await subscribe(viewer);
  const started = await invoke('playbooks.drill', { playbook: 'operational-outage', inject: [{ kind: 'stale', at: 0, until: 30 }] }, { session: op });
  assert.equal(started.json().ok, true, started.body);
  const { run, sandbox } = started.json().value as { run: number; sandbox: string };
  assert.equal(sandbox, path.join(dir, 'desk.db.drills', `run-${run}.db`));
  try {
    // The drill clock's first beat makes minute 0's stale feed happen in the sandbox: told to the drill's console only.
    const drillAlert = (es: ConsoleEvent[]) => es.some((e) => e.type === 'alert' && e.alert.text.startsWith(`Drill run ${run}:`));
    await onDrill.waitFor(drillAlert, 10_000);
    assert.equal(drillAlert(onLedger.events), false);
    assert.equal((await invoke('playbooks.runner', {}, { session: op })).json().value.drill, true);
    assert.equal((await invoke('playbooks.runner', {}, { session: viewer })).json().value.drill, false);
    assert.equal(server.rooms.runOf(op), run);
  } finally {
    onDrill.close();
    onLedger.close();
    await invoke('playbooks.leave', {}, { session: op });
    await invoke('session.logout', {}, { session: op });
    await invoke('session.logout', {}, { session: viewer });
  }
});
