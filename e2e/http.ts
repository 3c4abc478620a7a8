// Raw HTTP against the browser-mode server, for the security tests: the path goes out exactly as written (no URL
// normalisation, so `/../x` stays `/../x`) and the Host header can be anything or absent.
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Host header to send; null sends none; default 127.0.0.1:PORT. */
  host?: string | null;
  body?: string;
  timeoutMs?: number;
}

export function raw(baseURL: string, r: RawRequest): Promise<RawResponse> {
  const u = new URL(baseURL);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.host !== null) headers.Host = r.host ?? u.host;
  if (r.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: Number(u.port), method: r.method ?? 'GET', path: r.path, headers, setHost: false, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: <T>() => JSON.parse(body) as T,
          }),
        );
      },
    );
    req.setTimeout(r.timeoutMs ?? 15_000, () => req.destroy(new Error(`timed out: ${r.method ?? 'GET'} ${r.path}`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** POST /api/invoke/<channel> the way the console's browser bridge does. */
export function invoke(
  baseURL: string,
  token: string | null,
  channel: string,
  payload: unknown,
  opts: { session?: string; headers?: Record<string, string>; host?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(opts.headers ?? {}) };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (opts.session) headers['X-Riskdesk-Session'] = opts.session;
  return raw(baseURL, {
    method: 'POST',
    path: `/api/invoke/${channel}`,
    headers,
    body: JSON.stringify(payload),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
  });
}

/** Signs in through the API; returns the session id. */
export async function login(baseURL: string, token: string, name: string, password: string): Promise<string> {
  const r = await invoke(baseURL, token, 'session.login', { name, password });
  const sid = r.headers['x-riskdesk-session'];
  if (r.status !== 200 || typeof sid !== 'string') throw new Error(`login as ${name} failed: ${r.status} ${r.body}`);
  return sid;
}
