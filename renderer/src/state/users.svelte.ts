// The Settings screen's users tab: the server's view of users, pending grants and open sessions, and the changes an
// admin makes. Each change answers with the whole view again, so the screen shows exactly what the ledger holds.
import type { UsersView } from '../../../shared/contractAdmin.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import type { InputOf } from '../../../shared/contract.ts';
import { invoke } from '../bridge/client.svelte.ts';

type UsersChannel =
  | 'users.create'
  | 'users.resetPassword'
  | 'users.disable'
  | 'users.enable'
  | 'users.setRole'
  | 'users.confirmGrant'
  | 'users.declineGrant'
  | 'sessions.revoke';

export class UsersState {
  view = $state.raw<UsersView | null>(null);
  error = $state.raw<BridgeError | null>(null);

  async load(): Promise<void> {
    const r = await invoke('users.list', {});
    if (r.ok) {
      this.view = r.value;
      this.error = null;
    } else this.error = r.error;
  }

  async act<C extends UsersChannel>(channel: C, payload: InputOf<C>): Promise<BridgeError | null> {
    const r = await invoke(channel, payload);
    if (!r.ok) return r.error;
    this.view = r.value as UsersView;
    return null;
  }
}

export const users = new UsersState();
