// The margin-call queue: the list as `calls.list` returns it for the chosen filter, and the selected call with
// its history from `calls.get`.
import type { MarginCall } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export type CallFilter = 'open' | 'overdue' | 'all';
export const CALL_FILTERS: readonly { id: CallFilter; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'overdue', label: 'Overdue' },
  { id: 'all', label: 'All' },
];

export class CallsStore {
  filter = $state<CallFilter>('open');
  list = $state.raw<MarginCall[]>([]);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  selected = $state.raw<MarginCall | null>(null);
  selectedError = $state.raw<BridgeError | null>(null);
  /** Calls ticked for a bulk action (escalation), by id; kept across sorts, dropped when they leave the list. */
  picked = $state.raw<ReadonlySet<number>>(new Set());
  #loadSeq = 0;

  togglePick(id: number): void {
    const next = new Set(this.picked);
    if (!next.delete(id)) next.add(id);
    this.picked = next;
  }

  pickAll(ids: readonly number[]): void {
    this.picked = new Set(ids);
  }

  async load(): Promise<void> {
    const seq = ++this.#loadSeq;
    this.loading = true;
    const r = await invoke('calls.list', this.filter === 'all' ? {} : { status: this.filter });
    if (seq !== this.#loadSeq) return;
    this.loading = false;
    if (!r.ok) {
      this.error = r.error;
      return;
    }
    this.error = null;
    this.list = r.value;
    // A ticked call that left the list (met, escalated elsewhere, another filter) is no longer picked.
    const shown = new Set(r.value.map((c) => c.id));
    if ([...this.picked].some((id) => !shown.has(id))) this.picked = new Set([...this.picked].filter((id) => shown.has(id)));
  }

  async open(id: number): Promise<void> {
    const r = await invoke('calls.get', { id });
    if (r.ok) {
      this.selected = r.value;
      this.selectedError = null;
    } else {
      this.selectedError = r.error;
    }
  }

  /** A call as an action returned it: replace it in the list and in the panel. */
  replace(c: MarginCall): void {
    this.selected = c;
    this.list = this.list.map((x) => (x.id === c.id ? { ...c, history: undefined } : x));
    // A waiver or an extension shows the automatic path its journal entry recorded, which calls.get adds.
    if (c.history?.some((e) => e.kind === 'waived' || e.kind === 'extended')) void this.refresh(c.id);
  }

  private async refresh(id: number): Promise<void> {
    const r = await invoke('calls.get', { id });
    if (r.ok && this.selected?.id === id) this.selected = r.value;
  }

  close(): void {
    this.selected = null;
    this.selectedError = null;
  }
}

export const calls = new CallsStore();
