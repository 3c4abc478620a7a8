// The browser-mode bridge: the same `window.riskdesk` as the Electron preload, over HTTP and server-sent events to
// `riskdesk serve` on 127.0.0.1. The per-launch token arrives once in the address (?token=...), is kept in this
// tab's sessionStorage and taken out of the address bar; the session id comes back from session.login.
import type { Channel, ConsoleEvent, InputOf } from '../../../shared/contract.ts';
import type { BridgeError, InvokeResult, RiskdeskBridge } from '../../../shared/bridge.ts';

const TOKEN_KEY = 'riskdesk.token';
const SESSION_KEY = 'riskdesk.session';
const SESSION_HEADER = 'X-Riskdesk-Session';

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage refused (private mode quota): the tab still works until it is reloaded.
  }
}

/** Takes ?token=... out of the address bar (kept in sessionStorage for reloads of this tab). */
export function adoptTokenFromAddress(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    write(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    const rest = url.searchParams.toString();
    window.history.replaceState(window.history.state, '', `${url.pathname}${rest ? `?${rest}` : ''}${url.hash}`);
  }
  return read(TOKEN_KEY);
}

function failure(code: BridgeError['code'], message: string): { ok: false; error: BridgeError } {
  return { ok: false, error: { code, message } };
}

function isInvokeResult(v: unknown): v is { ok: boolean } {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export class HttpBridge implements RiskdeskBridge {
  readonly mode = 'browser' as const;
  #listeners = new Set<(e: ConsoleEvent) => void>();
  #source: EventSource | null = null;
  #sourceSession: string | null = null;

  get token(): string | null {
    return read(TOKEN_KEY);
  }

  get session(): string | null {
    return read(SESSION_KEY);
  }

  async invoke<C extends Channel>(channel: C, payload: InputOf<C>): Promise<InvokeResult<C>> {
    const token = this.token;
    if (!token) {
      return failure(
        'unauthorized',
        'This page has no access token. Open the address that `riskdesk serve` printed (it ends in ?token=...).',
      );
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const sid = this.session;
    if (sid) headers[SESSION_HEADER] = sid;
    let res: Response;
    try {
      res = await fetch(`/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload ?? {}),
        cache: 'no-store',
        credentials: 'same-origin',
      });
    } catch (e) {
      return failure('unreachable', `The Riskdesk server did not answer (${e instanceof Error ? e.message : String(e)}). Is \`riskdesk serve\` still running?`);
    }
    // A refusal comes at its own status (shared/refusals.ts) with the same result body as a success.
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return failure('internal', `The server answered HTTP ${res.status} without a readable result.`);
    }
    if (!isInvokeResult(body)) return failure('internal', `The server answered HTTP ${res.status} with something that is not a command result.`);
    const result = body as InvokeResult<C>;
    if (!result.ok && result.error.code === 'unauthorized') {
      return failure('unauthorized', 'The server refused this page\'s access token. Open the address that `riskdesk serve` printed for this launch.');
    }
    if (channel === 'session.login' && result.ok) {
      const newSid = res.headers.get(SESSION_HEADER);
      if (newSid) write(SESSION_KEY, newSid);
      this.#connect();
    } else if (channel === 'session.logout') {
      write(SESSION_KEY, null);
      this.#disconnect();
    } else if (!result.ok && result.error.code === 'unauthenticated') {
      write(SESSION_KEY, null);
      this.#disconnect();
    }
    return result;
  }

  onEvent(listener: (e: ConsoleEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#disconnect();
    };
  }

  #connect(): void {
    const token = this.token;
    const sid = this.session;
    if (!token || !sid || this.#listeners.size === 0) return;
    if (this.#source && this.#sourceSession === sid && this.#source.readyState !== EventSource.CLOSED) return;
    this.#disconnect();
    const q = new URLSearchParams({ token, session: sid });
    const source = new EventSource(`/api/events?${q.toString()}`);
    source.onmessage = (m: MessageEvent<string>) => {
      let e: ConsoleEvent;
      try {
        e = JSON.parse(m.data) as ConsoleEvent;
      } catch {
        return;
      }
      for (const l of this.#listeners) l(e);
    };
    this.#source = source;
    this.#sourceSession = sid;
  }

  #disconnect(): void {
    this.#source?.close();
    this.#source = null;
    this.#sourceSession = null;
  }
}

/** Installs the HTTP bridge as `window.riskdesk` when no preload put one there (browser mode). */
export function installHttpBridge(): HttpBridge {
  adoptTokenFromAddress();
  const bridge = new HttpBridge();
  Object.defineProperty(window, 'riskdesk', { value: bridge, writable: false, configurable: false, enumerable: true });
  return bridge;
}
