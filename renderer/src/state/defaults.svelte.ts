// Default management (design.md §2.4): the members with their standing (`members.list`), the default cases
// (`default.list`) and the open case (`default.get`). Every action answers with the case (or the member) as it now
// stands: it replaces the open case, and the lists are read again (a case changes members' standing and funds).
import type { DefaultCaseDetail, DefaultCaseSummary, MemberStanding } from '../../../shared/contractRecovery.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

type Answer<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export class DefaultsStore {
  members = $state.raw<MemberStanding[]>([]);
  cases = $state.raw<DefaultCaseSummary[]>([]);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  /** The member whose standing and actions are shown (members list). */
  member = $state<string | null>(null);
  selected = $state.raw<DefaultCaseDetail | null>(null);
  selectedError = $state.raw<BridgeError | null>(null);
  #loadSeq = 0;
  #openSeq = 0;

  async load(): Promise<void> {
    const seq = ++this.#loadSeq;
    this.loading = true;
    const [m, c] = await Promise.all([invoke('members.list', {}), invoke('default.list', {})]);
    if (seq !== this.#loadSeq) return;
    this.loading = false;
    this.error = !m.ok ? m.error : !c.ok ? c.error : null;
    if (m.ok) this.members = m.value;
    if (c.ok) this.cases = c.value;
  }

  async open(id: number): Promise<void> {
    const seq = ++this.#openSeq;
    const r = await invoke('default.get', { case: id });
    if (seq !== this.#openSeq) return;
    if (r.ok) {
      this.selected = r.value;
      this.selectedError = null;
    } else {
      this.selectedError = r.error;
    }
  }

  close(): void {
    this.#openSeq++;
    this.selected = null;
    this.selectedError = null;
  }

  /** What a case action answered: the case opened as it now stands and the lists again, or the refusal. */
  settle(r: Answer<DefaultCaseDetail>): BridgeError | null {
    if (!r.ok) return r.error;
    this.#openSeq++;
    this.selected = r.value;
    this.selectedError = null;
    void this.load();
    return null;
  }

  /** What a member action answered (suspend, reinstate, replenish): the lists again, or the refusal. */
  settleMember(r: Answer<MemberStanding>): BridgeError | null {
    if (!r.ok) return r.error;
    this.members = this.members.map((m) => (m.id === r.value.id ? r.value : m));
    void this.load();
    return null;
  }

  reload(): void {
    void this.load();
    const id = this.selected?.id;
    if (id !== undefined) void this.open(id);
  }
}

export const defaults = new DefaultsStore();
