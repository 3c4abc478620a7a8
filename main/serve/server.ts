// Browser mode (design.md §3): the command layer behind HTTP on 127.0.0.1 with a random per-launch token, the built
// renderer as static files, and console events as Server-Sent Events. A door only: every invoke goes through the
// shared door core (main/doors/invoke.ts) and so through `dispatch`.
//
// Protocol (the renderer's browser bridge is the client of exactly this):
//   POST /api/invoke/<channel>   Authorization: Bearer TOKEN, Content-Type: application/json, [X-Riskdesk-Session: SID]
//                                body = the JSON payload -> InvokeResult: 200 when it ran; a refusal (ok:false) at
//                                its code's status in shared/refusals.ts (401 unauthenticated, 403 forbidden, 409 a
//                                rule, 400 bad input ...), the same table the CLI's exit codes come from. session.login answers X-Riskdesk-Session: <new SID>.
//   GET  /api/events?token=TOKEN&session=SID   text/event-stream, `data: <ConsoleEvent JSON>`, a comment every 15 s.
//   GET  /...                    the built renderer (index.html for unknown extensionless paths).
// Every response carries the CSP and the other security headers; a Host other than 127.0.0.1:PORT or localhost:PORT
// (DNS rebinding) and a cross-origin POST are refused.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import type { Database } from 'better-sqlite3';
import type { ConsoleEvent } from '../../shared/contract.ts';
import { Door, EventHub, UNAUTHENTICATED, type AnyInvokeResult } from '../doors/invoke.ts';
import { DrillRooms } from '../doors/drillRooms.ts';
import { refusalOf, type RefusalCode } from '../../shared/refusals.ts';
import type { LedgerAnchor } from '../anchor/anchor.ts';
import { SessionStore, isSessionId } from '../doors/sessions.ts';
import { SECURITY_HEADERS } from './headers.ts';
import { resolveStatic, rendererRoot } from './static.ts';
import { readBody, BodyTooLarge, BodyTimeout, MB, type BodyLimits } from './body.ts';
import { SocketGuard, dropClient } from './sockets.ts';

export const LOOPBACK = '127.0.0.1';
export const IMPORT_BODY_LIMIT = 600 * MB;
export const BODY_LIMIT = 1 * MB;
export const HEARTBEAT_MS = 15_000;
export const SESSION_HEADER = 'X-Riskdesk-Session';

/** Bounds for a console on one desk (tests shorten the times). */
export interface ServerLimits {
  maxConnections: number;
  /** Sockets that have not carried the token, open at once. */
  maxStrangers: number;
  /** A stranger's socket with nothing in progress is destroyed after this long. */
  strangerIdleMs: number;
  /** The request line and headers must be in within this long. */
  headersMs: number;
  /** How often Node checks the header timeout (its default, 30 s, lets a 10 s limit stretch to 40 s). */
  checkEveryMs: number;
  keepAliveMs: number;
  /** An ordinary body: whole within `bodyMs`, never silent for `idleMs`. */
  bodyMs: number;
  /** An import's body (600 MB at most). */
  importBodyMs: number;
  idleMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxConnections: 256,
  maxStrangers: 32,
  strangerIdleMs: 5_000,
  headersMs: 10_000,
  checkEveryMs: 1_000,
  keepAliveMs: 5_000,
  bodyMs: 10_000,
  importBodyMs: 5 * 60_000,
  idleMs: 10_000,
};

export interface ServerOptions {
  db: Database;
  /** The built renderer (a folder holding index.html). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Only 127.0.0.1 is accepted: browser mode never listens on another interface. */
  host?: string;
  /** The per-launch token (default: 32 random bytes, base64url). */
  token?: string;
  now?: () => Date;
  sessions?: SessionStore;
  heartbeatMs?: number;
  /** Read the book into memory before listening (default true; see Door.warm). */
  warm?: boolean;
  log?: (line: string) => void;
  /** The ledger's checkpoints (main/anchor): checked at start, where a failure opens the ledger read-only. */
  anchor?: LedgerAnchor;
  /** A drill sandbox's checkpoints, for the drills this console opens (as the CLI keeps them). */
  anchorFor?: (file: string) => LedgerAnchor;
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  /** The URL to open: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  origin: string;
  port: number;
  token: string;
  door: Door;
  /** The drills this console has opened, and which console is on which. */
  rooms: DrillRooms;
  /** Sockets open now, and how many strangers' sockets were closed (to make room, or gone quiet). */
  sockets(): Promise<{ open: number; strangers: number; evicted: number; idled: number }>;
  close(): Promise<void>;
}

interface Stream {
  res: ServerResponse;
  sid: string;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A constant-time comparison of a presented token with the launch token (hashes first, so lengths do not leak). */
export function tokenMatcher(token: string): (given: unknown) => boolean {
  const want = sha256(token);
  return (given) => typeof given === 'string' && timingSafeEqual(sha256(given), want);
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer ([^\s]+)$/.exec(h.trim());
  return m?.[1];
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = jsonText(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** A refusal at its status from the one table (shared/refusals.ts), whichever step of the request refused it. */
function refuse(res: ServerResponse, code: RefusalCode, message: string, close = false): void {
  sendResult(res, { ok: false, error: { code, message } }, close ? { Connection: 'close' } : {});
}

/** An invoke's answer: 200 when it ran, else its refusal's status; the body is the InvokeResult either way. */
function sendResult(res: ServerResponse, result: AnyInvokeResult, headers: Record<string, string> = {}): void {
  sendJson(res, result.ok ? 200 : refusalOf(result.error.code).http, result, headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/**
 * After a refusal sent before the body was read: a small body is drained (so the client reads the answer, not a
 * reset), anything larger or of unknown length is not read at all: the socket is destroyed once the answer is out.
 */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared <= BODY_LIMIT) {
    req.resume();
    return;
  }
  res.once('finish', () => req.socket.destroy());
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? LOOPBACK;
  if (host !== LOOPBACK) throw new Error(`browser mode listens on ${LOOPBACK} only, not on ${host}`);
  const root = rendererRoot(o.rendererDir);
  if (!root) throw new Error(`no built console in ${o.rendererDir} (index.html missing)`);
  const token = o.token ?? newToken();
  const tokenOk = tokenMatcher(token);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const door = new Door({
    db: o.db,
    sessions: o.sessions ?? new SessionStore(),
    events: new EventHub(),
    log,
    ...(o.now ? { now: o.now } : {}),
    ...(o.anchor ? { anchor: o.anchor } : {}),
  });
  // A console on the ledger may start and enter drills: each on a door of its own over its sandbox copy.
  const rooms = new DrillRooms({ live: door, log, ...(o.now ? { now: o.now } : {}), ...(o.anchorFor ? { anchorFor: o.anchorFor } : {}) });
  // Before the console listens: its first request then finds the book in memory (see Door.warm).
  if (o.warm !== false) door.warm();
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const guard = new SocketGuard({ maxStrangers: limits.maxStrangers, strangerIdleMs: limits.strangerIdleMs });
  const streams = new Set<Stream>();
  /** An import body is being received (they are held whole in memory: one at a time). */
  let uploading = false;
  let port = 0;
  let allowedHosts: ReadonlySet<string> = new Set();
  let allowedOrigins: ReadonlySet<string> = new Set();

  const endStream = (s: Stream) => {
    streams.delete(s);
    if (!s.res.writableEnded) s.res.end();
  };
  /** Closes every event stream whose session has ended (signed out, replaced, expired). */
  const pruneStreams = () => {
    for (const s of [...streams]) if (!door.sessions.peek(s.sid)) endStream(s);
  };
  // Each console hears the events of where it is: the ledger, or the drill it is on.
  const unsubscribe = rooms.subscribe((run, e: ConsoleEvent) => {
    const frame = `data: ${jsonText(e)}\n\n`;
    for (const s of [...streams]) {
      if (!door.sessions.peek(s.sid)) endStream(s);
      else if (rooms.runOf(s.sid) === run) s.res.write(frame);
    }
  });
  const heartbeat = setInterval(() => {
    door.sessions.sweep();
    pruneStreams();
    for (const s of streams) s.res.write(': heartbeat\n\n');
  }, o.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  async function invoke(req: IncomingMessage, res: ServerResponse, rawChannel: string): Promise<void> {
    if (req.method !== 'POST') {
      refuse(res, 'method_not_allowed', 'use POST for /api/invoke', true);
      return;
    }
    if (!tokenOk(bearer(req))) {
      refuse(res, 'unauthorized', 'missing or wrong console token', true);
      return;
    }
    guard.trust(req.socket);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
      refuse(res, 'cross_origin', `cross-origin request refused (Origin ${origin})`, true);
      return;
    }
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
      refuse(res, 'cross_origin', `cross-site request refused (Sec-Fetch-Site ${site})`, true);
      return;
    }
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      refuse(res, 'unsupported_media_type', 'the body must be JSON (Content-Type: application/json)', true);
      return;
    }
    let channel: string;
    try {
      channel = decodeURIComponent(rawChannel);
    } catch {
      channel = rawChannel;
    }
    // Who is asking, and whether their role may run the channel, is known from the headers: a request that will be
    // refused is refused before its body is read, and only a role that may import gets the import's size and time.
    const sidHeader = req.headers[SESSION_HEADER.toLowerCase()];
    const sid = isSessionId(sidHeader) ? sidHeader : null;
    const admitted = sid === null && channel !== 'session.login' ? ({ ok: false, error: UNAUTHENTICATED } as const) : rooms.admits({ kind: 'browser', sid }, channel);
    if (!admitted.ok) {
      sendResult(res, { ok: false, error: admitted.error }, { Connection: 'close' });
      closeAfter(req, res);
      return;
    }
    // One large upload at a time: each is held in memory whole while it is parsed and validated.
    const large = channel === 'import.csv' && admitted.actor !== null && !admitted.actor.mustChangePassword;
    if (large && uploading) {
      refuse(res, 'busy', 'another import is being received: try again when it is done', true);
      closeAfter(req, res);
      return;
    }
    const bodyLimits: BodyLimits = large
      ? { limit: IMPORT_BODY_LIMIT, deadlineMs: limits.importBodyMs, idleMs: limits.idleMs }
      : { limit: BODY_LIMIT, deadlineMs: limits.bodyMs, idleMs: limits.idleMs };
    let body: Buffer;
    try {
      if (large) uploading = true;
      body = await readBody(req, bodyLimits);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        refuse(res, 'payload_too_large', `${channel}: the payload is larger than ${e.limit / MB} MB`, true);
        closeAfter(req, res);
      } else if (e instanceof BodyTimeout) req.socket.destroy();
      else if (!res.headersSent) refuse(res, 'bad_input', 'the request body could not be read', true);
      return;
    } finally {
      if (large) uploading = false;
    }
    let payload: unknown;
    const text = body.toString('utf8');
    if (text.trim() !== '') {
      try {
        payload = JSON.parse(text) as unknown;
      } catch {
        refuse(res, 'bad_input', `${channel}: the body is not valid JSON`);
        return;
      }
    }
    const outcome = await rooms.invokeAsync({ kind: 'browser', sid, source: `browser:${req.socket.remoteAddress ?? 'unknown'}` }, channel, payload);
    const headers: Record<string, string> = {};
    if (outcome.session) headers[SESSION_HEADER] = outcome.session;
    sendResult(res, outcome.result, headers);
    if (channel === 'session.login' || channel === 'session.logout') pruneStreams();
  }

  function events(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    if (req.method !== 'GET') {
      refuse(res, 'method_not_allowed', 'use GET for /api/events');
      return;
    }
    if (!tokenOk(query.get('token'))) {
      refuse(res, 'unauthorized', 'missing or wrong console token');
      return;
    }
    guard.trust(req.socket);
    const sid = query.get('session');
    if (!isSessionId(sid) || !door.sessions.peek(sid)) {
      refuse(res, 'unauthenticated', 'sign in first: the event stream needs a signed-in session');
      return;
    }
    // A few windows or tabs per session; more streams from one session are refused rather than held open.
    let open = 0;
    for (const x of streams) if (x.sid === sid) open++;
    if (open >= 8) {
      refuse(res, 'busy', 'too many event streams for this session');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 5000\n: connected\n\n');
    const s: Stream = { res, sid };
    streams.add(s);
    req.socket.setTimeout(0);
    req.on('close', () => streams.delete(s));
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const target = resolveStatic(root!, rawPath);
    if (target.kind === 'bad') {
      sendText(res, 400, `bad path: ${target.reason}\n`);
      return;
    }
    if (target.kind === 'missing') {
      sendText(res, 404, 'not found\n');
      return;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target.file);
    } catch {
      sendText(res, 404, 'not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': target.contentType,
      'Content-Length': stat.size,
      'Cache-Control': target.contentType.startsWith('text/html') ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(target.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.once('close', guard.started(req.socket));
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const hostHeader = req.headers.host;
    if (typeof hostHeader !== 'string' || !allowedHosts.has(hostHeader.toLowerCase())) {
      refuse(res, 'bad_host', `this console answers only to ${LOOPBACK}:${port} and localhost:${port}`, true);
      return;
    }
    const target = req.url ?? '';
    if (!target.startsWith('/')) {
      sendText(res, 400, 'bad request target\n', { Connection: 'close' });
      return;
    }
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    if (rawPath.startsWith('/api/invoke/')) return invoke(req, res, rawPath.slice('/api/invoke/'.length));
    if (rawPath === '/api/events') return events(req, res, query);
    if (rawPath === '/api' || rawPath.startsWith('/api/')) {
      refuse(res, 'not_found', `no such endpoint: ${rawPath}`);
      return;
    }
    // The console's page is opened with the token in its URL: the socket that fetched it is the desk's.
    if (query.has('token') && tokenOk(query.get('token'))) guard.trust(req.socket);
    serveStatic(req, res, rawPath);
  }

  const server = http.createServer({ connectionsCheckingInterval: limits.checkEveryMs }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`riskdesk serve: request failed: ${e instanceof Error && e.stack ? e.stack : String(e)}`);
      if (!res.headersSent) refuse(res, 'internal', 'internal error', true);
      else res.destroy();
    });
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersMs;
  // The body's own limits (body.ts) are per role and shorter; this is the last word on a request that is not read.
  server.requestTimeout = Math.max(limits.importBodyMs, limits.headersMs) + limits.idleMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  guard.attach(server);

  // A header timeout, a request timeout or a malformed request: the socket is destroyed, never left half-closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    dropClient(socket as Socket, err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: o.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://${LOOPBACK}:${port}`, `http://localhost:${port}`]);
  const origin = `http://${LOOPBACK}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    door,
    rooms,
    sockets() {
      return new Promise((resolve, reject) =>
        server.getConnections((err, open) => (err ? reject(err) : resolve({ open, strangers: guard.strangers, evicted: guard.evicted, idled: guard.idled }))),
      );
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        unsubscribe();
        for (const s of [...streams]) endStream(s);
        server.close(() => {
          void rooms.close().finally(() => {
            door.close();
            resolve();
          });
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
