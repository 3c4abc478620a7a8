// Browser mode's guards, against the real `riskdesk serve` process: the token, the session, the static path guard,
// the Host (DNS rebinding) and Origin checks, the security headers, and loopback-only listening.
import net from 'node:net';
import os from 'node:os';
import { test, expect, DEMO_PASSWORDS, type Desk } from './fixtures.ts';
import { raw, invoke, login, type RawResponse } from './http.ts';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(r: RawResponse | { headers: Record<string, string | string[] | undefined> }, what: string): void {
  expect(r.headers['content-security-policy'], `${what}: CSP`).toBe(CSP);
  expect(r.headers['x-content-type-options'], `${what}: nosniff`).toBe('nosniff');
  expect(r.headers['referrer-policy'], `${what}: referrer policy`).toBe('no-referrer');
  expect(r.headers['cross-origin-opener-policy'], `${what}: COOP`).toBe('same-origin');
}

/** What the ledger holds, as a viewer sees it: journal entries and margin calls. */
async function ledgerState(desk: Desk): Promise<{ entries: number; calls: number }> {
  const sid = await login(desk.baseURL, desk.token, 'viewer', DEMO_PASSWORDS.viewer);
  try {
    const v = (await invoke(desk.baseURL, desk.token, 'journal.verify', {}, { session: sid })).json();
    const c = (await invoke(desk.baseURL, desk.token, 'calls.list', {}, { session: sid })).json();
    expect(v.ok, JSON.stringify(v)).toBe(true);
    expect(c.ok, JSON.stringify(c)).toBe(true);
    // Sign-ins and sign-outs are journalled (issue 14), this check's own among them: the state is the other entries.
    let changes = 0;
    for (let after = 0; ; ) {
      const page = (await invoke(desk.baseURL, desk.token, 'journal.list', { afterSeq: after, limit: 1000 }, { session: sid })).json();
      expect(page.ok, JSON.stringify(page)).toBe(true);
      const rows = page.value as { seq: number; command: string }[];
      if (rows.length === 0) break;
      changes += rows.filter((e) => !e.command.startsWith('session.')).length;
      after = rows[rows.length - 1]!.seq;
    }
    return { entries: changes, calls: (c.value as unknown[]).length };
  } finally {
    await invoke(desk.baseURL, desk.token, 'session.logout', {}, { session: sid });
  }
}

test('a command without the right token is refused with 401 and changes nothing', async ({ desk }) => {
  const before = await ledgerState(desk);
  const operator = await login(desk.baseURL, desk.token, 'operator', DEMO_PASSWORDS.operator);
  const wrong = `${desk.token.slice(0, -1)}${desk.token.endsWith('A') ? 'B' : 'A'}`;
  for (const [what, token] of [
    ['no token', null],
    ['a wrong token of the same length', wrong],
    ['an empty token', ''],
  ] as const) {
    const r = await invoke(desk.baseURL, token, 'cycle.run', {}, { session: operator });
    expect(r.status, what).toBe(401);
    expect(r.json().ok, what).toBe(false);
    expect(r.json().error.code, what).toBe('unauthorized');
    expectSecurityHeaders(r, what);
  }
  // The token only counts in the Authorization header, not in the query string of a command.
  const inQuery = await raw(desk.baseURL, {
    method: 'POST',
    path: `/api/invoke/cycle.run?token=${desk.token}`,
    headers: { 'Content-Type': 'application/json', 'X-Riskdesk-Session': operator },
    body: '{}',
  });
  expect(inQuery.status).toBe(401);
  // Nor can one sign in without it.
  const loginNoToken = await invoke(desk.baseURL, null, 'session.login', { name: 'operator', password: DEMO_PASSWORDS.operator });
  expect(loginNoToken.status).toBe(401);
  expect(loginNoToken.headers['x-riskdesk-session']).toBeUndefined();
  expect(await ledgerState(desk)).toEqual(before);
});

test('with the token but without a signed-in session, commands are refused as unauthenticated', async ({ desk }) => {
  const before = await ledgerState(desk);
  for (const [what, session] of [
    ['no session', undefined],
    ['a made-up session id', 'A'.repeat(43)],
    ['a malformed session id', '../../etc/passwd'],
  ] as const) {
    const r = await invoke(desk.baseURL, desk.token, 'cycle.run', {}, session ? { session } : {});
    expect(r.status, what).toBe(401);
    expect(r.json(), what).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  }
  const sid = await login(desk.baseURL, desk.token, 'operator', DEMO_PASSWORDS.operator);
  await invoke(desk.baseURL, desk.token, 'session.logout', {}, { session: sid });
  const afterLogout = await invoke(desk.baseURL, desk.token, 'cycle.run', {}, { session: sid });
  expect(afterLogout.json()).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  // The event stream needs the token and a live session too.
  expect((await raw(desk.baseURL, { path: '/api/events' })).status).toBe(401);
  expect((await raw(desk.baseURL, { path: `/api/events?token=${desk.token}` })).status).toBe(401);
  expect((await raw(desk.baseURL, { path: `/api/events?token=${desk.token}&session=${sid}` })).status).toBe(401);
  expect(await ledgerState(desk)).toEqual(before);
});

test('path traversal never reaches a file outside the built renderer', async ({ desk }) => {
  const attempts = [
    '/../package.json',
    '/../../package.json',
    '/%2e%2e/package.json',
    '/%2e%2e/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%2F..%2F..%2Fpackage.json',
    '/..%2f..%2fpackage.json',
    '/.%2e/.%2e/package.json',
    '/..%5c..%5cpackage.json',
    '/assets/..\\..\\package.json',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/index.html%00.png',
    '/%252e%252e/%252e%252e/package.json',
    '/.git/config',
  ];
  for (const p of attempts) {
    const r = await raw(desk.baseURL, { path: p });
    expect([400, 404], `${p} -> ${r.status}`).toContain(r.status);
    expect(r.body, p).not.toContain('"devDependencies"');
    expect(r.body, p).not.toContain('root:');
    expectSecurityHeaders(r, p);
  }
  // An absolute-looking path is only ever a route of the single-page app (index.html), never the file itself.
  const etc = await raw(desk.baseURL, { path: '/etc/passwd' });
  expect(etc.body).not.toContain('root:');
  // Unknown files with an extension are 404, not the app.
  expect((await raw(desk.baseURL, { path: '/assets/no-such-file.js' })).status).toBe(404);
});

test('a request with a foreign Host header is refused (DNS rebinding)', async ({ desk }) => {
  const port = new URL(desk.baseURL).port;
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, `127.0.0.2:${port}`, `localhost.evil.example:${port}`]) {
    const page = await raw(desk.baseURL, { path: '/', host });
    expect([403, 421], `GET / with Host ${host}`).toContain(page.status);
    expect(page.body).not.toContain('<html');
    const cmd = await invoke(desk.baseURL, desk.token, 'session.login', { name: 'operator', password: DEMO_PASSWORDS.operator }, { host });
    expect([403, 421], `login with Host ${host}`).toContain(cmd.status);
    expect(cmd.headers['x-riskdesk-session']).toBeUndefined();
  }
  const none = await raw(desk.baseURL, { path: '/', host: null });
  expect([400, 403], 'no Host header').toContain(none.status);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    expect((await raw(desk.baseURL, { path: '/', host })).status, host).toBe(200);
  }
});

test('a cross-origin command is refused, from raw HTTP and from a page of another origin', async ({ desk, page }) => {
  const before = await ledgerState(desk);
  const r = await invoke(desk.baseURL, desk.token, 'session.login', { name: 'operator', password: DEMO_PASSWORDS.operator }, {
    headers: { Origin: 'http://evil.example' },
  });
  expect(r.status).toBe(403);
  expect(r.json().error.code).toBe('cross_origin');
  expect(r.headers['x-riskdesk-session']).toBeUndefined();
  const site = await invoke(desk.baseURL, desk.token, 'session.login', { name: 'operator', password: DEMO_PASSWORDS.operator }, {
    headers: { 'Sec-Fetch-Site': 'cross-site' },
  });
  expect(site.status).toBe(403);
  // A page elsewhere that somehow knew the token still cannot call the API: the preflight is not answered.
  await page.goto('about:blank');
  const outcome = await page.evaluate(
    async ({ base, token }) => {
      try {
        const res = await fetch(`${base}/api/invoke/cycle.run`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: '{}',
        });
        return `status ${res.status}`;
      } catch (e) {
        return `blocked: ${String(e)}`;
      }
    },
    { base: desk.baseURL, token: desk.token },
  );
  expect(outcome).toMatch(/^blocked/);
  expect(await ledgerState(desk)).toEqual(before);
});

test('every response carries the CSP and the other security headers', async ({ desk, page }) => {
  const response = await page.goto(desk.url);
  expect(response, 'the console page').not.toBeNull();
  expect(response!.status()).toBe(200);
  expectSecurityHeaders({ headers: response!.headers() }, 'the console page (in Chromium)');
  expect(response!.headers()['content-type']).toBe('text/html; charset=utf-8');
  for (const [what, r] of [
    ['index', await raw(desk.baseURL, { path: '/' })],
    ['a SPA route', await raw(desk.baseURL, { path: '/accounts' })],
    ['a missing asset', await raw(desk.baseURL, { path: '/assets/missing.js' })],
    ['a refused path', await raw(desk.baseURL, { path: '/%2e%2e/x' })],
    ['an unknown API path', await raw(desk.baseURL, { path: '/api/nothing' })],
    ['an unauthorized command', await invoke(desk.baseURL, null, 'calls.list', {})],
    ['an unauthenticated command', await invoke(desk.baseURL, desk.token, 'calls.list', {})],
    ['an unauthorized event stream', await raw(desk.baseURL, { path: '/api/events' })],
    ['a wrong Host', await raw(desk.baseURL, { path: '/', host: 'evil.example' })],
  ] as const) {
    expectSecurityHeaders(r, what);
  }
});

test('the server is not reachable on a non-loopback address', async ({ desk }) => {
  const port = Number(new URL(desk.baseURL).port);
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4');
  test.skip(!external, 'this machine has no non-loopback IPv4 address to try');
  const address = external!.address;
  const outcome = await new Promise<string>((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (s: string) => {
      socket.destroy();
      resolve(s);
    };
    socket.setTimeout(3_000, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
  });
  expect(outcome, `connecting to ${address}:${port}`).not.toBe('connected');
});
