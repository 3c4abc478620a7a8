// The Runner (issue 16 item 4): the library and the runs of this ledger, the run in front of the desk, and its report
// once it has ended. Several people work one run, each at their own console: the open run is read again every few
// seconds so one person sees another's sign-off. What each may do is the server's verdict in the views.
import type { DrillRoomsView, DrillScenarioId, HandEvent, InjectedEvent, RunnerView, RunReport, RunView } from '../../../shared/contractPlaybook.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

/** The run to open once the console has moved onto a drill (the page is loaded again there). */
const OPEN_RUN_KEY = 'riskdesk.openRun';

/**
 * The console moves onto a drill's sandbox, or back onto the ledger: the server now answers this console from there,
 * so every screen is loaded again, reading where it now is.
 */
function reloadOn(run: number | null): void {
  try {
    if (run === null) sessionStorage.removeItem(OPEN_RUN_KEY);
    else sessionStorage.setItem(OPEN_RUN_KEY, String(run));
  } catch {
    // Storage refused: the Runner opens on its list instead of the run.
  }
  window.location.reload();
}

function takeOpenRun(): number | null {
  try {
    const v = sessionStorage.getItem(OPEN_RUN_KEY);
    sessionStorage.removeItem(OPEN_RUN_KEY);
    return v !== null && /^\d+$/.test(v) ? Number(v) : null;
  } catch {
    return null;
  }
}

export class PlaybookRunner {
  runner = $state.raw<RunnerView | null>(null);
  /** The drills of this console's ledger, and the one this console is on. */
  rooms = $state.raw<DrillRoomsView | null>(null);
  selected = $state<number | null>(null);
  view = $state.raw<RunView | null>(null);
  /** The console's clock when the view was read (the step timer counts on from the server's time then). */
  readAt = $state(0);
  report = $state.raw<RunReport | null>(null);
  error = $state.raw<BridgeError | null>(null);
  #seq = 0;

  async loadRunner(): Promise<void> {
    const r = await invoke('playbooks.runner', {});
    if (r.ok) {
      this.runner = r.value;
      this.error = null;
    } else this.error = r.error;
    const rooms = await invoke('playbooks.drills', {});
    if (rooms.ok) this.rooms = rooms.value;
    const pending = takeOpenRun();
    if (pending !== null) await this.open(pending);
  }

  /** Puts this console on a drill of this ledger (signed in there as the same person). */
  async enter(run: number): Promise<BridgeError | null> {
    const r = await invoke('playbooks.enter', { run });
    if (!r.ok) return r.error;
    reloadOn(r.value.run);
    return null;
  }

  /** Takes this console off its drill, back onto the ledger. */
  async leave(): Promise<BridgeError | null> {
    const r = await invoke('playbooks.leave', {});
    if (!r.ok) return r.error;
    reloadOn(null);
    return null;
  }

  /** Opens a run (or reads the open one again): its view, and its report once it has ended. */
  async open(run: number | null = this.selected): Promise<void> {
    if (run === null) return;
    if (run !== this.selected) {
      this.selected = run;
      this.view = null;
      this.report = null;
    }
    const seq = ++this.#seq;
    const r = await invoke('playbooks.run', { run });
    if (seq !== this.#seq) return;
    if (!r.ok) {
      this.error = r.error;
      return;
    }
    this.view = r.value;
    this.readAt = Date.now();
    this.error = null;
    if (r.value.status !== 'running' && (this.report === null || this.report.status !== r.value.status)) {
      const rep = await invoke('playbooks.report', { run });
      if (seq === this.#seq && rep.ok) this.report = rep.value;
    }
  }

  /**
   * Starts a run by the channel the server's verdict names: on a ledger, a drill is playbooks.drill (the server makes
   * the sandbox and this console moves onto it); otherwise playbooks.start, here.
   */
  async start(
    playbook: string,
    mode: 'live' | 'drill',
    params: Record<string, string>,
    drill: { scenarioId: DrillScenarioId | null; inject: InjectedEvent[] },
    channel: string,
  ): Promise<BridgeError | null> {
    const { scenarioId, inject } = drill;
    if (channel === 'playbooks.drill') {
      const d = await invoke('playbooks.drill', { playbook, ...(Object.keys(params).length ? { params } : {}), ...(scenarioId ? { scenarioId } : {}), ...(inject.length ? { inject } : {}) });
      if (!d.ok) return d.error;
      reloadOn(d.value.run);
      return null;
    }
    const r = await invoke('playbooks.start', { playbook, mode, ...(Object.keys(params).length ? { params } : {}), ...(scenarioId ? { scenarioId } : {}), ...(inject.length ? { inject } : {}) });
    if (!r.ok) return r.error;
    await this.loadRunner();
    await this.open(r.value.run);
    return null;
  }

  async step(note: string, outcome: string | null): Promise<BridgeError | null> {
    const run = this.selected;
    if (run === null) return null;
    const r = await invoke('playbooks.step', { run, ...(note.trim() ? { note: note.trim() } : {}), ...(outcome ? { outcome } : {}) });
    await this.open(run);
    void this.loadRunner();
    return r.ok ? null : r.error;
  }

  async abort(reason: string): Promise<BridgeError | null> {
    return this.#act((run) => invoke('playbooks.abort', { run, reason }));
  }

  async pause(reason: string): Promise<BridgeError | null> {
    return this.#act((run) => invoke('playbooks.pause', { run, reason }));
  }

  async resume(): Promise<BridgeError | null> {
    return this.#act((run) => invoke('playbooks.resume', { run }));
  }

  /** The conductor's event, injected into the open drill now. */
  async inject(event: HandEvent): Promise<BridgeError | null> {
    return this.#act((run) => invoke('playbooks.inject', { run, event }));
  }

  /** One action on the open run, then the run and the list read again. */
  async #act(send: (run: number) => Promise<{ ok: true } | { ok: false; error: BridgeError }>): Promise<BridgeError | null> {
    const run = this.selected;
    if (run === null) return null;
    const r = await send(run);
    await this.open(run);
    void this.loadRunner();
    return r.ok ? null : r.error;
  }
}

export const playbooks = new PlaybookRunner();
