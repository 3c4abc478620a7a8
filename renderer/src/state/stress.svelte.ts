// Stress tests (design.md §2.6): the scenario library (`stress.scenarios`), and a run of some or all of it
// (`stress.run`). The door runs it on a thread of its own and pushes `progress` events (done of total, the step just
// finished) while it runs; `stress.cancel` ends it at once (a run changes nothing, so that is safe).
import type { StressReport, StressScenarioView } from '../../../shared/contractRecovery.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { bridge, invoke } from '../bridge/client.svelte.ts';

type Answer<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export interface StressProgress {
  done: number;
  total: number;
  label: string | null;
}

export class StressStore {
  scenarios = $state.raw<StressScenarioView[]>([]);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  /** Scenarios ticked for the next run (none ticked: the whole library). */
  chosen = $state<string[]>([]);
  running = $state(false);
  cancelling = $state(false);
  startedAt = $state(0);
  progress = $state.raw<StressProgress | null>(null);
  /** Every step the run reported, in order (kept after the run: what was done, and when). */
  steps = $state.raw<(StressProgress & { ms: number })[]>([]);
  finishedMs = $state<number | null>(null);
  report = $state.raw<StressReport | null>(null);
  runError = $state.raw<BridgeError | null>(null);
  /** The scenario whose members the table and chart show. */
  shown = $state<string | null>(null);

  async load(): Promise<void> {
    this.loading = true;
    const r = await invoke('stress.scenarios', {});
    this.loading = false;
    if (r.ok) {
      this.scenarios = r.value;
      this.error = null;
      const ids = new Set(r.value.map((s) => s.id));
      this.chosen = this.chosen.filter((id) => ids.has(id));
    } else {
      this.error = r.error;
    }
  }

  settleScenario(r: Answer<unknown>): BridgeError | null {
    if (!r.ok) return r.error;
    void this.load();
    return null;
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cancelling = false;
    this.runError = null;
    this.progress = null;
    this.steps = [];
    this.finishedMs = null;
    this.startedAt = Date.now();
    const user = await invoke('session.whoami', {});
    const me = user.ok ? user.value.name : null;
    const off = bridge().onEvent((e) => {
      if (e.type === 'progress' && e.task === 'stress.run' && (me === null || e.by === me)) {
        this.progress = { done: e.done, total: e.total, label: e.label };
        this.steps = [...this.steps, { ...this.progress, ms: Date.now() - this.startedAt }];
      }
    });
    const ids = $state.snapshot(this.chosen);
    const r = await invoke('stress.run', ids.length ? { scenarios: ids } : {});
    // The answer and the progress events travel on different connections: the last step's event can arrive just
    // after the answer. Listen a moment longer for it rather than show a finished run one step short.
    if (r.ok) await this.#settled(1_000);
    off();
    this.finishedMs = Date.now() - this.startedAt;
    this.running = false;
    this.cancelling = false;
    if (r.ok) {
      this.report = r.value;
      const keep = r.value.scenarios.some((s) => s.id === this.shown);
      if (!keep) this.shown = r.value.cover2.scenario ?? r.value.scenarios[0]?.id ?? null;
    } else {
      this.runError = r.error;
    }
  }

  /** Resolves once the last reported step is the last step, or after `ms`. */
  async #settled(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !(this.progress && this.progress.done >= this.progress.total)) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async cancel(): Promise<void> {
    if (!this.running) return;
    this.cancelling = true;
    await invoke('stress.cancel', {});
  }
}

export const stress = new StressStore();
