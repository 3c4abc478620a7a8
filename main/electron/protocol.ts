// The renderer is served from app://riskdesk/..., a privileged (standard, secure) custom scheme, never from file:// or
// the network. The files come from the built renderer folder through the same path guard as browser mode.
import fs from 'node:fs';
import { protocol, type Session } from 'electron';
import { SECURITY_HEADERS } from '../serve/headers.ts';
import { resolveStatic, rendererRoot } from '../serve/static.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'riskdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** True for a URL of our own renderer (app://riskdesk/...). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

function text(status: number, body: string, type = 'text/plain; charset=utf-8'): Response {
  return new Response(body, { status, headers: { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS } });
}

const NOT_BUILT = (dir: string) =>
  `<!doctype html><meta charset="utf-8"><title>Riskdesk</title><body style="font:14px system-ui;padding:2em">` +
  `<h1>The console has not been built</h1><p>No index.html in <code>${dir.replace(/[<>&]/g, '')}</code>. ` +
  `Run <code>npm run build</code> first.</p></body>`;

/** Serves app://riskdesk/<path> from `rendererDir` in the given session. */
export function handleAppProtocol(ses: Session, rendererDir: string): void {
  ses.protocol.handle(APP_SCHEME, async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return text(400, 'bad url\n');
    }
    if (url.host !== APP_HOST) return text(404, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed\n');
    const root = rendererRoot(rendererDir);
    if (!root) return text(503, NOT_BUILT(rendererDir), 'text/html; charset=utf-8');
    const target = resolveStatic(root, url.pathname);
    if (target.kind === 'bad') return text(400, `bad path: ${target.reason}\n`);
    if (target.kind === 'missing') return text(404, 'not found\n');
    let body: Buffer;
    try {
      body = await fs.promises.readFile(target.file);
    } catch {
      return text(404, 'not found\n');
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body.buffer, body.byteOffset, body.byteLength), {
      status: 200,
      headers: { 'Content-Type': target.contentType, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS },
    });
  });
}
