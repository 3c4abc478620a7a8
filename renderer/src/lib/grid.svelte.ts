// What the sortable work queues (margin calls, liquidation proposals) share: their columns, the ones shown beside a
// detail panel, and the sort the desk picks by clicking a column header.

/** A column of a sortable queue. */
export interface QueueColumn<C extends string, K extends string> {
  col: C;
  /** The sort key a click on the header picks; null: not sortable. */
  key: K | null;
  label: string;
  num: boolean;
  /** CSS grid track. */
  width: string;
  /** Kept when the queue is compact (beside the detail panel). */
  compact: boolean;
  title?: string;
  /** Sorts by another column's key and does not show that it is the sorted one. */
  quiet?: boolean;
}

/** The columns shown (all, or the compact ones), their grid template and a set of their ids. */
export function shownColumns<C extends string, K extends string>(
  all: readonly QueueColumn<C, K>[],
  compact: boolean,
): { columns: QueueColumn<C, K>[]; template: string; show: Set<C> } {
  const columns = compact ? all.filter((c) => c.compact) : [...all];
  return { columns, template: columns.map((c) => c.width).join(' '), show: new Set(columns.map((c) => c.col)) };
}

/** The sort of a queue: a click on the sorted column turns it; on another, sorts by it in that column's first direction. */
export class QueueSort<K extends string> {
  key: K;
  dir: 1 | -1;
  readonly #first: (k: K) => 1 | -1;

  constructor(key: K, dir: 1 | -1, first: (k: K) => 1 | -1 = () => 1) {
    this.key = $state(key);
    this.dir = $state(dir);
    this.#first = first;
  }

  toggle(k: K): void {
    if (this.key === k) this.dir = this.dir === 1 ? -1 : 1;
    else {
      this.key = k;
      this.dir = this.#first(k);
    }
  }

  /** A sorted copy of list: by cmp in this direction, ties by tie. */
  apply<T>(list: readonly T[], cmp: (a: T, b: T) => number, tie: (a: T, b: T) => number): T[] {
    const d = this.dir;
    return [...list].sort((a, b) => cmp(a, b) * d || tie(a, b));
  }
}

/** Plain string order (code units), as the queues sort accounts and members. */
export function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
