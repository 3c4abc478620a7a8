// A margin cycle started from the console (Market data, or the command palette): one at a time, with its
// elapsed time while it runs and its summary or refusal when it ends.
import type { CycleSummary } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export class CycleRun {
  running = $state(false);
  startedAt = $state(0);
  finishedMs = $state<number | null>(null);
  summary = $state.raw<CycleSummary | null>(null);
  error = $state.raw<BridgeError | null>(null);

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
    if (r.ok) this.summary = r.value;
    else this.error = r.error;
  }
}

export const cycleRun = new CycleRun();
