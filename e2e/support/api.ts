// Commands through the browser-mode API as a demo user, each in its own session: for specs that set up or check the
// ledger beside what they do on screen.
import type { Desk } from '../fixtures.ts';
import { DEMO_PASSWORDS } from '../fixtures.ts';
import { invoke, login } from '../http.ts';

export type User = keyof typeof DEMO_PASSWORDS;
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** One command as `user`: the result, refusals included. */
export async function call<T>(desk: Desk, user: User, channel: string, payload: unknown): Promise<Result<T>> {
  const sid = await login(desk.baseURL, desk.token, user, DEMO_PASSWORDS[user]);
  try {
    return (await invoke(desk.baseURL, desk.token, channel, payload, { session: sid })).json<Result<T>>();
  } finally {
    await invoke(desk.baseURL, desk.token, 'session.logout', {}, { session: sid });
  }
}

/** The same, expecting success. */
export async function api<T>(desk: Desk, user: User, channel: string, payload: unknown): Promise<T> {
  const r = await call<T>(desk, user, channel, payload);
  if (!r.ok) throw new Error(`${channel} as ${user} refused: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Several commands as `user` in one session: `run` gets an `api`-like function (expecting success). */
export async function asUser<R>(desk: Desk, user: User, run: (api: <T>(channel: string, payload: unknown) => Promise<T>) => Promise<R>): Promise<R> {
  const sid = await login(desk.baseURL, desk.token, user, DEMO_PASSWORDS[user]);
  try {
    return await run(async <T>(channel: string, payload: unknown): Promise<T> => {
      const r = (await invoke(desk.baseURL, desk.token, channel, payload, { session: sid })).json<Result<T>>();
      if (!r.ok) throw new Error(`${channel} as ${user} refused: ${JSON.stringify(r.error)}`);
      return r.value;
    });
  } finally {
    await invoke(desk.baseURL, desk.token, 'session.logout', {}, { session: sid });
  }
}
