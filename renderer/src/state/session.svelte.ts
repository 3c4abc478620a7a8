// Who is signed in. The role only decides what the console shows; the command layer checks it again regardless.
import { contract, type Channel, type WhoAmI } from '../../../shared/contract.ts';
import { roleAllows, type Role } from '../../../shared/roles.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke, whenUnauthenticated } from '../bridge/client.svelte.ts';

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
    if (r.ok) this.user = r.value;
    else if (r.error.code !== 'unauthenticated') this.notice = r.error.message;
    this.checked = true;
  }

  async signIn(name: string, password: string): Promise<BridgeError | null> {
    const r = await invoke('session.login', { name, password });
    if (!r.ok) return r.error;
    this.user = r.value;
    this.notice = null;
    return null;
  }

  /** The user's own new password; the server decides whether it will do. */
  async changePassword(current: string, next: string): Promise<BridgeError | null> {
    const r = await invoke('session.changePassword', { current, next });
    if (!r.ok) return r.error;
    this.user = { name: r.value.name, role: r.value.role };
    return null;
  }

  async signOut(): Promise<void> {
    await invoke('session.logout', {});
    this.user = null;
    this.notice = null;
  }

  /** Whether the signed-in role may run a channel, read from the contract's table. */
  can(channel: Channel): boolean {
    return this.user !== null && roleAllows(this.user.role, contract[channel].role);
  }

  requiredRole(channel: Channel): Role {
    return contract[channel].role;
  }

  /** The tooltip of a control the role may not use, or null when it may. */
  denial(channel: Channel, what: string): string | null {
    if (this.can(channel)) return null;
    const need = contract[channel].role;
    return `${what} needs the ${need} role${this.user ? ` (you are signed in as ${this.user.role})` : ''}`;
  }
}

export const session = new Session();
