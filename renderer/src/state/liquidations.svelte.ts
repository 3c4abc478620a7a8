// The liquidation review (design.md §2.3): the queue as `liquidations.list` returns it for the chosen filter, the
// selected proposal from `liquidations.get`, the automation switches, breakers and funds from `automation.status`,
// and the desk's draft of edited quantities with its live preview. Everything reloads when the main side says
// liquidations changed (a decision, a fill, a switch, a breaker, a cycle), from this window or any other.
import type { AutomationStatus, LiquidationDetail, LiquidationPreview, LiquidationStatus, LiquidationSummary } from '../../../shared/contract.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { bridge, invoke } from '../bridge/client.svelte.ts';
import { compareDecimal } from '../lib/decimal.ts';

export type LiquidationFilter = 'live' | LiquidationStatus | 'all';
export const LIQUIDATION_FILTERS: readonly { id: LiquidationFilter; label: string }[] = [
  { id: 'live', label: 'Live' },
  { id: 'proposed', label: 'Proposed' },
  { id: 'held', label: 'Held' },
  { id: 'pending_second', label: 'Awaiting 2nd approval' },
  { id: 'approved', label: 'Approved' },
  { id: 'executing', label: 'Executing' },
  { id: 'executed', label: 'Executed' },
  { id: 'rejected', label: 'Rejected' },
  { id: 'superseded', label: 'Superseded' },
  { id: 'all', label: 'All' },
];

/** What the screen shows beside the banner: the proposals, or the automation switches, breakers and funds. */
export type LiquidationsView = 'proposals' | 'automation';

const RELOAD_DEBOUNCE_MS = 150;
/** The queue holds every proposal up to the contract's largest list (the grid is windowed, so rows cost little). */
const LIST_LIMIT = 100_000;
/**
 * What a queue shown for the first time asks for before the rest: the newest proposals, the queue's own first
 * order, enough to fill the screen. The whole list of a 100k book (4,000 proposals, 3 MB) took about a second to
 * come; the first rows should not wait for it.
 */
const FIRST_PAGE = 100;

type Answer<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export class LiquidationsStore {
  filter = $state<LiquidationFilter>('live');
  view = $state<LiquidationsView>('proposals');
  list = $state.raw<LiquidationSummary[]>([]);
  /** How many proposals the filter matches, as the server counts them (the list holds at most LIST_LIMIT). */
  total = $state<number | null>(null);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  selected = $state.raw<LiquidationDetail | null>(null);
  selectedError = $state.raw<BridgeError | null>(null);
  automation = $state.raw<AutomationStatus | null>(null);
  automationError = $state.raw<BridgeError | null>(null);
  #loadSeq = 0;
  #openSeq = 0;
  /** The filter the list on screen was loaded for (null: none yet). */
  #listed: LiquidationFilter | null = null;

  async load(): Promise<void> {
    const seq = ++this.#loadSeq;
    this.loading = true;
    const f = this.filter;
    const filter = f === 'all' ? {} : f === 'live' ? { live: true } : { status: f };
    // Nothing of this filter on screen yet: its first page first, then every proposal.
    if (this.#listed !== f) {
      const [r, n] = await Promise.all([invoke('liquidations.list', { ...filter, limit: FIRST_PAGE }), invoke('liquidations.count', filter)]);
      if (seq !== this.#loadSeq) return;
      if (!this.#settle(r, n, f)) return;
      if (r.ok && n.ok && n.value.total <= r.value.length) return;
      this.loading = true;
    }
    const [r, n] = await Promise.all([invoke('liquidations.list', { ...filter, limit: LIST_LIMIT }), invoke('liquidations.count', filter)]);
    if (seq !== this.#loadSeq) return;
    this.#settle(r, n, f);
  }

  /** Shows a list and its count as they came for filter `f`; false on a refusal (shown instead). */
  #settle(r: Answer<LiquidationSummary[]>, n: Answer<{ total: number }>, f: LiquidationFilter): boolean {
    this.loading = false;
    if (!r.ok || !n.ok) {
      this.error = !r.ok ? r.error : !n.ok ? n.error : null;
      return false;
    }
    this.error = null;
    this.list = r.value;
    this.total = n.value.total;
    this.#listed = f;
    return true;
  }

  async loadAutomation(): Promise<void> {
    const r = await invoke('automation.status', {});
    if (r.ok) {
      this.automation = r.value;
      this.automationError = null;
    } else {
      this.automationError = r.error;
    }
  }

  async open(id: number): Promise<void> {
    const seq = ++this.#openSeq;
    const r = await invoke('liquidations.get', { id });
    if (seq !== this.#openSeq) return;
    if (r.ok) {
      this.selected = r.value;
      this.selectedError = null;
    } else {
      this.selectedError = r.error;
    }
  }

  /** A proposal as an action returned it: in the panel and in the queue. */
  replace(d: LiquidationDetail): void {
    this.#openSeq++;
    this.selected = d;
    this.selectedError = null;
    const { proposedAfter: _a, orders: _o, events: _e, fills: _f, ...summary } = d;
    this.list = this.list.map((x) => (x.id === d.id ? summary : x));
  }

  /**
   * What a decision or a fill answered: the proposal in the panel and the queue (the funds too, after a fill), or
   * the refusal for the form to show.
   */
  settle(r: Answer<LiquidationDetail>, fill = false): BridgeError | null {
    if (!r.ok) return r.error;
    this.replace(r.value);
    void this.load();
    if (fill) void this.loadAutomation();
    return null;
  }

  /** What a switch or a breaker reset answered: the automation status (and the verdicts in the queue), or the refusal. */
  settleAutomation(r: Answer<AutomationStatus>): BridgeError | null {
    if (!r.ok) return r.error;
    this.automation = r.value;
    this.automationError = null;
    void this.load();
    return null;
  }

  close(): void {
    this.#openSeq++;
    this.selected = null;
    this.selectedError = null;
  }

  /** Everything again: the queue, the open proposal, the switches and funds. */
  reload(): void {
    void this.load();
    void this.loadAutomation();
    const id = this.selected?.id;
    if (id !== undefined) void this.open(id);
  }

  /** The live proposal that took the place of a superseded one (same account), if the queue holds it. */
  successorOf(d: LiquidationSummary): LiquidationSummary | undefined {
    if (d.status !== 'superseded') return undefined;
    return this.list.filter((x) => x.account === d.account && x.id > d.id).sort((a, b) => b.id - a.id)[0];
  }

  /** Reloads on every `liquidations.changed` (once per burst); returns the unsubscribe function. */
  watch(): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = bridge().onEvent((e) => {
      if (e.type !== 'liquidations.changed') return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        this.reload();
      }, RELOAD_DEBOUNCE_MS);
    });
    return () => {
      if (timer) clearTimeout(timer);
      off();
    };
  }
}

export const liquidations = new LiquidationsStore();

const PREVIEW_DEBOUNCE_MS = 250;
const FIELD = /^orders\[(\d+)\]\.quantity$/;

/**
 * The desk's quantities for one proposal while it is edited: as they are typed, `liquidations.preview` (debounced)
 * evaluates them and says the after-figures and whether the target is met; a refusal names the order it is about.
 */
export class OrderDraft {
  readonly detail: LiquidationDetail;
  quantities = $state<string[]>([]);
  preview = $state.raw<LiquidationPreview | null>(null);
  error = $state.raw<BridgeError | null>(null);
  pending = $state(false);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;

  constructor(detail: LiquidationDetail) {
    this.detail = detail;
    this.quantities = detail.orders.map((o) => o.quantity);
  }

  /** Whether order i's quantity as typed differs from the desk's current one (compared exactly, as decimals). */
  changed(i: number): boolean {
    const t = (this.quantities[i] ?? '').trim();
    const was = this.detail.orders[i]?.quantity ?? '';
    return t === '' || compareDecimal(t, was) !== 0;
  }

  /** Whether any quantity differs from the desk's current one. */
  dirty = $derived.by(() => this.detail.orders.some((_, i) => this.changed(i)));

  /** The edits as the commands take them: every order with the quantity typed for it. */
  orders(): { instrument: string; quantity: string }[] {
    return this.detail.orders.map((o, i) => ({ instrument: o.instrument, quantity: (this.quantities[i] ?? '').trim() }));
  }

  set(i: number, quantity: string): void {
    this.quantities[i] = quantity;
    this.schedule();
  }

  reset(): void {
    this.quantities = this.detail.orders.map((o) => o.quantity);
    this.schedule();
  }

  /** The refusal of the preview when it is about order i's quantity. */
  errorFor(i: number): BridgeError | null {
    const m = FIELD.exec(this.error?.where?.field ?? '');
    return m && Number(m[1]) === i ? this.error : null;
  }

  /** The refusal when it is about no single order. */
  generalError = $derived(this.error && !FIELD.test(this.error.where?.field ?? '') ? this.error : null);

  schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const seq = ++this.#seq;
    if (!this.dirty) {
      this.pending = false;
      this.preview = null;
      this.error = null;
      return;
    }
    this.pending = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run(seq);
    }, PREVIEW_DEBOUNCE_MS);
  }

  async #run(seq: number): Promise<void> {
    const r = await invoke('liquidations.preview', { id: this.detail.id, orders: this.orders() });
    if (seq !== this.#seq) return;
    this.pending = false;
    if (r.ok) {
      this.preview = r.value;
      this.error = null;
    } else {
      this.preview = null;
      this.error = r.error;
    }
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#seq++;
  }
}
