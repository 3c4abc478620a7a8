// The "waiting for me" inbox (inbox.list): every decision that waits for a second person, as the server lists it for
// the signed-in user, with the channel and payload that decide each item. The console sends what it is given.
import type { InboxItem } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export class InboxStore {
  items = $state.raw<InboxItem[]>([]);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  #seq = 0;

  /** Items this user may confirm now. */
  forMe = $derived(this.items.filter((i) => i.confirm !== null).length);

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    const r = await invoke('inbox.list', {});
    if (seq !== this.#seq) return;
    this.loading = false;
    if (r.ok) {
      this.items = r.value;
      this.error = null;
    } else this.error = r.error;
  }

  /** Takes one of an item's steps, as the server gave it, with a reason where the step asks for one. */
  async decide(step: NonNullable<InboxItem['confirm']>, reason: string): Promise<BridgeError | null> {
    const payload = step.needsReason ? { ...step.payload, reason } : step.payload;
    // The channel and payload come from the server's own list; the command layer checks them again.
    const r = await (invoke as (c: string, p: unknown) => Promise<{ ok: true } | { ok: false; error: BridgeError }>)(step.channel, payload);
    void this.load();
    return r.ok ? null : r.error;
  }
}

export const inbox = new InboxStore();
