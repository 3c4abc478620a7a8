// Assessments (design.md §2.5): the cash calls the waterfalls led to (`assessments.list`, by status), the one
// selected for a payment, and what the last review (`assessments.review`) found.
import type { AssessmentReview, AssessmentStatus, AssessmentView } from '../../../shared/contractRecovery.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';

export type AssessmentFilter = AssessmentStatus | 'all';
export const ASSESSMENT_FILTERS: readonly { id: AssessmentFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'open', label: 'Open' },
  { id: 'overdue', label: 'Overdue' },
  { id: 'paid', label: 'Paid' },
];

type Answer<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export class AssessmentsStore {
  filter = $state<AssessmentFilter>('all');
  list = $state.raw<AssessmentView[]>([]);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  selectedId = $state<number | null>(null);
  review = $state.raw<AssessmentReview | null>(null);
  #seq = 0;

  selected = $derived(this.list.find((a) => a.id === this.selectedId) ?? null);

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    const f = this.filter;
    const r = await invoke('assessments.list', f === 'all' ? {} : { status: f });
    if (seq !== this.#seq) return;
    this.loading = false;
    if (r.ok) {
      this.list = r.value;
      this.error = null;
    } else {
      this.error = r.error;
    }
  }

  /** A payment's answer: the assessment as it now stands, or the refusal. */
  settle(r: Answer<AssessmentView>): BridgeError | null {
    if (!r.ok) return r.error;
    this.list = this.list.map((a) => (a.id === r.value.id ? r.value : a));
    void this.load();
    return null;
  }

  settleReview(r: Answer<AssessmentReview>): BridgeError | null {
    if (!r.ok) return r.error;
    this.review = r.value;
    void this.load();
    return null;
  }
}

export const assessments = new AssessmentsStore();
