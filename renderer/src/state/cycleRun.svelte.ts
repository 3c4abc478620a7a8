// A margin cycle started from the console (Market data, or the command palette): one at a time, with its
// elapsed time while it runs, a cancel (the server rolls the cycle back whole at its next pause), and its summary or
// refusal when it ends.
import type { CycleSummary } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export class CycleRun {
  running = $state(false);
  startedAt = $state(0);
  finishedMs = $state<number | null>(null);
  summary = $state.raw<CycleSummary | null>(null);
  error = $state.raw<BridgeError | null>(null);
  cancelling = $state(false);

  async run(at?: string): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = null;
    this.summary = null;
    this.finishedMs = null;
    this.startedAt = Date.now();
    const r = await invoke('cycle.run', at ? { at } : {});
    this.finishedMs = Date.now() - this.startedAt;
    this.running = false;
    this.cancelling = false;
    if (r.ok) this.summary = r.value;
    else this.error = r.error;
  }

  async cancel(): Promise<void> {
    if (!this.running || this.cancelling) return;
    this.cancelling = true;
    const r = await invoke('cycle.cancel', {});
    // Refused (signed out, or a role that may not), or the cycle had already ended: say so and let it finish.
    if (!r.ok) {
      this.cancelling = false;
      this.error = r.error;
    } else if (!r.value.cancelled) this.cancelling = false;
  }
}

export const cycleRun = new CycleRun();
