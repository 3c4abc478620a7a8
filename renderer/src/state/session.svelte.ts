// Who is signed in, and what the server says they may run (whoami's capabilities). The console asks this store and
// holds no rule of its own: no role order, no table of who may do what. The command layer decides regardless.
import type { Channel, WhoAmI } from '../../../shared/contract.ts';
import type { ActionVerdict } from '../../../shared/contractAllowed.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke, whenUnauthenticated } from '../bridge/client.svelte.ts';
import { clock } from './clock.svelte.ts';

export class Session {
  user = $state<WhoAmI | null>(null);
  /** False until the first whoami has answered (the shell shows nothing but a loading line until then). */
  checked = $state(false);
  /** Shown on the sign-in screen: why the desk is there (session ended, bad token ...). */
  notice = $state<string | null>(null);

  constructor() {
    whenUnauthenticated((e) => {
      if (this.user) this.notice = `Signed out: ${e.message}`;
      this.user = null;
    });
  }

  async restore(): Promise<void> {
    const r = await invoke('session.whoami', {});
    if (r.ok) {
      clock.sync(r.value.now);
      this.user = r.value;
    } else if (r.error.code !== 'unauthenticated') this.notice = r.error.message;
    this.checked = true;
  }

  async signIn(name: string, password: string): Promise<BridgeError | null> {
    const r = await invoke('session.login', { name, password });
    if (!r.ok) return r.error;
    this.user = r.value;
    this.notice = null;
    // The sign-in answers who; whoami adds what they may run.
    await this.restore();
    return null;
  }

  /** The user's own new password; the server decides whether it will do. */
  async changePassword(current: string, next: string): Promise<BridgeError | null> {
    const r = await invoke('session.changePassword', { current, next });
    if (!r.ok) return r.error;
    this.user = { name: r.value.name, role: r.value.role };
    await this.restore();
    return null;
  }

  async signOut(): Promise<void> {
    await invoke('session.logout', {});
    this.user = null;
    this.notice = null;
  }

  /** The server's verdict on this user running a channel at all, or null before it answered. */
  capability(channel: Channel): ActionVerdict | null {
    return this.user?.capabilities?.[channel] ?? null;
  }

  /** Whether the server said this user may run a channel. */
  can(channel: Channel): boolean {
    return this.capability(channel)?.allowed === true;
  }

  /** The server's reason a control is unavailable to this user, or null when it is available. */
  denial(channel: Channel): string | null {
    const v = this.capability(channel);
    if (!v) return this.user ? 'waiting for the server to say what you may do' : 'sign in first';
    return v.allowed ? null : (v.why ?? 'not allowed');
  }
}

export const session = new Session();
