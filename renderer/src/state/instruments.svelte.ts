// The instrument list (for the price chart and for naming the underlyings of an account's positions).
import type { InstrumentView } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

class Instruments {
  list = $state.raw<InstrumentView[]>([]);
  error = $state.raw<BridgeError | null>(null);
  #pending: Promise<void> | null = null;

  byId = $derived(new Map(this.list.map((i) => [i.id, i])));

  /** Loads once (again after a refusal); later callers share the same answer. */
  ensure(): Promise<void> {
    if (this.list.length) return Promise.resolve();
    this.#pending ??= (async () => {
      const r = await invoke('instruments.list', {});
      if (r.ok) {
        this.list = r.value;
        this.error = null;
      } else {
        this.error = r.error;
      }
      this.#pending = null;
    })();
    return this.#pending;
  }

  /** Reload after an import of instruments. */
  invalidate(): void {
    this.list = [];
  }
}

export const instruments = new Instruments();
