// The Settings screen's policies tab: the server's list of every policy value (with its version, last change and
// any change waiting for a second supervisor), one key's history, and the change a supervisor asks for. What a
// value must be, who may change it and who may confirm it are the server's: its refusals show as it words them.
import type { PoliciesView, PolicyChangeView } from '../../../../shared/contractPolicy.ts';
import type { BridgeError } from '../../../../shared/bridge.ts';
import { invoke } from '../../bridge/client.svelte.ts';

export class PoliciesState {
  view = $state.raw<PoliciesView | null>(null);
  error = $state.raw<BridgeError | null>(null);
  selected = $state<string | null>(null);
  history = $state.raw<PolicyChangeView[]>([]);
  historyError = $state.raw<BridgeError | null>(null);

  async load(): Promise<void> {
    const r = await invoke('policies.list', {});
    if (r.ok) {
      this.view = r.value;
      this.error = null;
    } else this.error = r.error;
    if (this.selected) await this.loadHistory(this.selected);
  }

  async select(key: string): Promise<void> {
    this.selected = key;
    await this.loadHistory(key);
  }

  private async loadHistory(key: string): Promise<void> {
    const r = await invoke('policies.history', { key });
    if (this.selected !== key) return;
    this.history = r.ok ? r.value : [];
    this.historyError = r.ok ? null : r.error;
  }

  /** Asks for a new value (held for a second supervisor); the list is read again either way. */
  async change(key: string, value: string, reason: string): Promise<BridgeError | null> {
    const r = await invoke('policies.change', { key, value, reason });
    await this.load();
    return r.ok ? null : r.error;
  }

  async confirm(approval: number): Promise<BridgeError | null> {
    const r = await invoke('approvals.confirm', { id: approval });
    await this.load();
    return r.ok ? null : r.error;
  }

  async decline(approval: number, reason: string): Promise<BridgeError | null> {
    const r = await invoke('approvals.decline', { id: approval, reason });
    await this.load();
    return r.ok ? null : r.error;
  }
}

export const policies = new PoliciesState();
