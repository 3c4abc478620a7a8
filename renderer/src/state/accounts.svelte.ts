// The accounts table as `accounts.list` returns it (one array per column), plus the desk's sort and filters.
// Rows are addressed by their index in the columns; the sorted order and the filtered view are index arrays,
// so 100k accounts sort and filter without copying a single row.
import type { AccountsTable, Status } from '../../../shared/contract.ts';
import type { AccountsMoves, MoveView } from '../../../shared/contractMetrics.ts';
import type { BridgeError } from '../../../shared/bridge.ts';
import { invoke } from '../bridge/client.svelte.ts';
import { decimalSortKey } from '../lib/decimal.ts';

export type SortKey =
  | 'id'
  | 'member'
  | 'kind'
  | 'status'
  | 'equity'
  | 'mm'
  | 'im'
  | 'health'
  | 'call'
  | 'marginRatio'
  | 'utilisation'
  | 'excess'
  | MoveKey;
/** The columns of the nearest price move (accounts.moves). */
export type MoveKey = 'toCall' | 'toLiquidation' | 'toBankruptcy';
const MOVE_KEYS: ReadonlySet<SortKey> = new Set<SortKey>(['toCall', 'toLiquidation', 'toBankruptcy']);
/** Which columns the grid shows: the figures, or the metrics and distances desks read. */
export type ColumnSet = 'figures' | 'distances';
export type SortDir = 1 | -1;

/** Display order of statuses, least to most severe (for the chips and for sorting the status column). */
export const STATUSES: readonly Status[] = ['healthy', 'warning', 'call', 'liquidation', 'bankrupt'];

const DECIMAL_COLUMNS = new Set<SortKey>(['equity', 'mm', 'im', 'call', 'marginRatio', 'utilisation', 'excess']);
type DecimalKey = 'equity' | 'mm' | 'im' | 'call' | 'marginRatio' | 'utilisation' | 'excess';

/** A health bound from the filter's field: a finite number, or null for no bound (empty, partial or not a number). */
export function healthBound(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

export class AccountsStore {
  table = $state.raw<AccountsTable | null>(null);
  loading = $state(false);
  error = $state.raw<BridgeError | null>(null);
  /** performance.now() when the last load answered. */
  loadedAt = 0;

  sortKey = $state<SortKey | null>(null);
  sortDir = $state<SortDir>(1);
  /** Wall time of the last sort of every row (ms, performance.now around the sort). */
  sortMs = $state<number | null>(null);
  /** Bumped when the desk asks for a new order (not when a reload re-applies it): the table goes back to the top. */
  sortSeq = $state(0);
  /** Every row index, in the current sort order. */
  order = $state.raw<Uint32Array>(new Uint32Array(0));

  statuses = $state<Status[]>([]);
  member = $state('');
  /**
   * Health bounds as an `<input type=number>` binds them: a number, or null/undefined while the field is empty or
   * not a number. Anything else (NaN, a string from an older caller) counts as no bound, never as an error.
   */
  healthMin = $state<number | null | undefined>(null);
  healthMax = $state<number | null | undefined>(null);
  /** Only accounts a move of at most this many percent (either way) takes to liquidation (distances shown). */
  liqWithin = $state<number | null | undefined>(null);

  #keys = new Map<SortKey, string[]>();

  columnSet = $state<ColumnSet>('figures');
  /** The nearest moves of the table's accounts (row i of the table is row i here), once asked for. */
  moves = $state.raw<AccountsMoves | null>(null);
  movesLoading = $state(false);
  movesError = $state.raw<BridgeError | null>(null);

  /** The move of table row i in a move column, or null (none, or not loaded). */
  moveOf(key: MoveKey, i: number): MoveView | null {
    const m = this.moves;
    return m && m.cycle === this.table?.cycle ? (m.columns[key][i] ?? null) : null;
  }

  /** Shows the distances: loads the moves of the table's cycle the first time (they take a moment on a big book). */
  async showColumns(set: ColumnSet): Promise<void> {
    this.columnSet = set;
    if (set === 'distances') await this.loadMoves();
  }

  async loadMoves(): Promise<void> {
    const t = this.table;
    if (!t || t.cycle === null || this.moves?.cycle === t.cycle || this.movesLoading) return;
    this.movesLoading = true;
    const r = await invoke('accounts.moves', {});
    this.movesLoading = false;
    if (!r.ok) {
      this.movesError = r.error;
      return;
    }
    this.movesError = null;
    for (const k of MOVE_KEYS) this.#keys.delete(k);
    this.moves = r.value;
    if (this.sortKey && MOVE_KEYS.has(this.sortKey)) this.sort(this.sortKey, this.sortDir, false);
  }

  get count(): number {
    return this.table?.columns.id.length ?? 0;
  }

  members = $derived.by(() => {
    const t = this.table;
    if (!t) return [] as string[];
    return [...new Set(t.columns.member)].sort();
  });

  statusCounts = $derived.by(() => {
    const counts: Record<Status, number> = { healthy: 0, warning: 0, call: 0, liquidation: 0, bankrupt: 0 };
    const t = this.table;
    if (t) for (const s of t.columns.status) counts[s]++;
    return counts;
  });

  /** Row indices shown: the sorted order through the filters. */
  view = $derived.by(() => {
    const t = this.table;
    const order = this.order;
    if (!t) return new Uint32Array(0);
    const statusSet = this.statuses.length ? new Set(this.statuses) : null;
    const member = this.member;
    const min = healthBound(this.healthMin);
    const max = healthBound(this.healthMax);
    const useMin = min !== null;
    const useMax = max !== null;
    const within = this.columnSet === 'distances' ? healthBound(this.liqWithin) : null;
    const moves = within !== null && this.moves?.cycle === t.cycle ? this.moves.columns.toLiquidation : null;
    if (!statusSet && !member && !useMin && !useMax && !moves) return order;
    const { status, member: members, health } = t.columns;
    const out = new Uint32Array(order.length);
    let n = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (statusSet && !statusSet.has(status[i]!)) continue;
      if (member && members[i] !== member) continue;
      if (useMin || useMax) {
        // No MM (null health) counts as unbounded health.
        const h = health[i] ?? Number.POSITIVE_INFINITY;
        if (useMin && !(h >= min!)) continue;
        if (useMax && !(h <= max!)) continue;
      }
      if (moves) {
        // For showing only: the move's exact percent is the server's, the bound is the desk's typing.
        const m = moves[i];
        if (!m || !(Math.abs(Number(m.percent)) <= within!)) continue;
      }
      out[n++] = i;
    }
    return out.subarray(0, n);
  });

  filtersActive = $derived(
    this.statuses.length > 0 ||
      this.member !== '' ||
      healthBound(this.healthMin) !== null ||
      healthBound(this.healthMax) !== null ||
      (this.columnSet === 'distances' && healthBound(this.liqWithin) !== null),
  );

  async load(): Promise<boolean> {
    this.loading = true;
    // Rows already held at the server's version stay: a re-visit asks for the version, not 100k rows again.
    const held = this.table?.version;
    if (held) {
      const v = await invoke('accounts.version', {});
      if (v.ok && v.value.version === held && this.table?.version === held) {
        this.loading = false;
        this.loadedAt = performance.now();
        this.error = null;
        return true;
      }
    }
    const r = await invoke('accounts.list', {});
    this.loading = false;
    this.loadedAt = performance.now();
    if (!r.ok) {
      this.error = r.error;
      return false;
    }
    this.error = null;
    this.#keys.clear();
    this.table = r.value;
    if (this.sortKey) this.sort(this.sortKey, this.sortDir, false);
    else this.order = identity(this.count);
    if (this.columnSet === 'distances') void this.loadMoves();
    return true;
  }

  /**
   * Replaces the rows an `accounts.changed` event named, in place: the order and the filters stay as they are (a
   * row does not jump away under the desk's eyes); the next sort or reload places it anew.
   */
  async refreshRows(ids: readonly string[]): Promise<void> {
    const t = this.table;
    if (!t || ids.length === 0) return;
    const index = new Map<string, number>();
    t.columns.id.forEach((id, i) => index.set(id, i));
    const known = ids.filter((id) => index.has(id));
    if (known.length === 0) return;
    const r = await invoke('accounts.rows', { ids: known });
    // A reload (a cycle) that came meanwhile holds newer rows than these.
    if (!r.ok || this.table !== t || r.value.cycle !== t.cycle) return;
    const cols = { ...t.columns };
    for (const k of Object.keys(cols) as (keyof typeof cols)[]) (cols as Record<string, unknown[]>)[k] = [...cols[k]];
    const src = r.value.columns;
    src.id.forEach((id, j) => {
      const i = index.get(id);
      if (i === undefined) return;
      for (const k of Object.keys(cols) as (keyof typeof cols)[]) (cols[k] as unknown[])[i] = (src[k] as unknown[])[j];
    });
    this.#keys.clear();
    // Rows replaced here make a table the server never made: no version, so the next visit fetches it whole.
    this.table = { ...t, version: '', columns: cols };
  }

  /** Click on a column header: a new column sorts ascending, the same column flips. */
  toggleSort(key: SortKey): void {
    const dir: SortDir = this.sortKey === key ? (this.sortDir === 1 ? -1 : 1) : 1;
    this.sort(key, dir);
  }

  sort(key: SortKey, dir: SortDir, asked = true): void {
    const t = this.table;
    if (asked) this.sortSeq++;
    if (!t) {
      this.sortKey = key;
      this.sortDir = dir;
      return;
    }
    const t0 = performance.now();
    const idx = identity(this.count);
    idx.sort(this.#comparator(t, key, dir));
    const ms = performance.now() - t0;
    this.sortKey = key;
    this.sortDir = dir;
    this.order = idx;
    this.sortMs = ms;
  }

  toggleStatus(s: Status): void {
    this.statuses = this.statuses.includes(s) ? this.statuses.filter((x) => x !== s) : [...this.statuses, s];
  }

  clearFilters(): void {
    this.statuses = [];
    this.member = '';
    this.healthMin = null;
    this.healthMax = null;
    this.liqWithin = null;
  }

  indexOf(id: string): number {
    return this.table ? this.table.columns.id.indexOf(id) : -1;
  }

  #comparator(t: AccountsTable, key: SortKey, dir: SortDir): (a: number, b: number) => number {
    const c = t.columns;
    if (key === 'health') {
      // Numeric; accounts without MM (null) last whichever the direction.
      const h = new Float64Array(c.health.length);
      for (let i = 0; i < h.length; i++) h[i] = c.health[i] ?? Number.NaN;
      return (a, b) => {
        const x = h[a]!;
        const y = h[b]!;
        if (x !== x) return y !== y ? a - b : 1;
        if (y !== y) return -1;
        return x === y ? a - b : x < y ? -dir : dir;
      };
    }
    if (key === 'status') {
      const rank = new Int8Array(c.status.length);
      for (let i = 0; i < rank.length; i++) rank[i] = STATUSES.indexOf(c.status[i]!);
      return (a, b) => (rank[a] === rank[b] ? a - b : (rank[a]! - rank[b]!) * dir);
    }
    if (DECIMAL_COLUMNS.has(key) || MOVE_KEYS.has(key)) {
      // A move sorts by its size (nearest first ascending), whichever way the price goes.
      const keys = MOVE_KEYS.has(key) ? this.#moveKeys(key as MoveKey) : this.#decimalKeys(t, key as DecimalKey);
      return (a, b) => {
        const x = keys[a]!;
        const y = keys[b]!;
        // Empty key: no value (no call) -> last whichever the direction.
        if (x === '') return y === '' ? a - b : 1;
        if (y === '') return -1;
        return x === y ? a - b : x < y ? -dir : dir;
      };
    }
    const col = c[key as 'id' | 'member' | 'kind'];
    return (a, b) => {
      const x = col[a]!;
      const y = col[b]!;
      return x === y ? a - b : x < y ? -dir : dir;
    };
  }

  #moveKeys(key: MoveKey): string[] {
    let keys = this.#keys.get(key);
    if (!keys) {
      keys = new Array<string>(this.count);
      for (let i = 0; i < keys.length; i++) {
        const m = this.moveOf(key, i);
        keys[i] = m === null ? '' : decimalSortKey(m.percent.replace(/^-/, ''));
      }
      this.#keys.set(key, keys);
    }
    return keys;
  }

  #decimalKeys(t: AccountsTable, key: DecimalKey): string[] {
    let keys = this.#keys.get(key);
    if (!keys) {
      const col = t.columns[key];
      keys = new Array<string>(col.length);
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        keys[i] = v === null || v === undefined ? '' : decimalSortKey(v);
      }
      this.#keys.set(key, keys);
    }
    return keys;
  }
}

export const accounts = new AccountsStore();
