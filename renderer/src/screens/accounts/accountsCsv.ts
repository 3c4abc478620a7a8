// The Accounts CSV: the rows shown (sorted and filtered), every figure as the server gave it, and the column set
// shown: with the distances, the nearest move of each kind as its underlying and its percent (0.00: there already;
// empty: no move of one underlying gets there, or the moves are still loading).
import type { CsvValue } from '../../../../shared/csv.ts';
import type { AccountsStore, ColumnSet, MoveKey } from '../../state/accounts.svelte.ts';

const FIGURES = ['account', 'member', 'kind', 'status', 'equity', 'MM', 'IM', 'call', 'margin ratio', 'utilisation', 'excess'];
const MOVES: [MoveKey, string][] = [
  ['toCall', 'to call'],
  ['toLiquidation', 'to liquidation'],
  ['toBankruptcy', 'to bankruptcy'],
];
const DISTANCES = ['account', 'member', 'status', 'health', 'margin ratio', 'utilisation', 'excess', ...MOVES.flatMap(([, w]) => [`${w} underlying`, `${w} %`])];

export const accountsCsvHeader = (set: ColumnSet): string[] => (set === 'distances' ? DISTANCES : FIGURES);

export function accountsCsvRows(accounts: AccountsStore): CsvValue[][] {
  const t = accounts.table;
  if (!t) return [];
  const c = t.columns;
  if (accounts.columnSet === 'figures') {
    return Array.from(accounts.view, (i) => [c.id[i], c.member[i], c.kind[i], c.status[i], c.equity[i], c.mm[i], c.im[i], c.call[i], c.marginRatio[i], c.utilisation[i], c.excess[i]]);
  }
  return Array.from(accounts.view, (i) => [
    c.id[i],
    c.member[i],
    c.status[i],
    c.health[i],
    c.marginRatio[i],
    c.utilisation[i],
    c.excess[i],
    ...MOVES.flatMap(([k]) => {
      const m = accounts.moveOf(k, i);
      return [m?.underlying, m?.percent];
    }),
  ]);
}
