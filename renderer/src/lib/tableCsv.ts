// A console table as the desk sees it, for its CSV (components/CsvExport.svelte): the header's last row names the
// columns; a row that does not fill them one cell each (an empty-state line, a note spanning the table) is no record.
// A cell showing one figure gives that figure's exact value (data-value: money is shown to the cent, the exact
// figure is what a desk sends on), as does a cell that states its own (data-value on the cell: a price shown cut to
// the cent); a cell holding an input gives what is typed in it (an order's quantity while it is being edited); any
// other cell gives its text. Columns with no heading hold buttons and are left out.

export interface TableRecords {
  header: string[];
  rows: string[][];
}

const text = (el: Element): string => (el.textContent ?? '').replace(/\s+/g, ' ').trim();

function cellValue(cell: HTMLTableCellElement): string {
  const input = cell.querySelector<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input:not([type="checkbox"]):not([type="radio"]), select, textarea');
  if (input) return input.value;
  const own = cell.getAttribute('data-value');
  if (own !== null) return own;
  const figures = cell.querySelectorAll('[data-value]');
  const only = figures.length === 1 ? figures[0]! : null;
  return only && text(only) === text(cell) ? (only.getAttribute('data-value') ?? '') : text(cell);
}

export function tableRecords(table: HTMLTableElement): TableRecords {
  const head = table.tHead?.rows[table.tHead.rows.length - 1];
  if (!head) return { header: [], rows: [] };
  const names = [...head.cells].map(text);
  const kept = (_: unknown, i: number): boolean => names[i] !== '';
  const rows: string[][] = [];
  for (const section of [...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
    for (const tr of section.rows) {
      const cells = [...tr.cells];
      if (cells.length !== names.length || cells.some((c) => c.colSpan > 1)) continue;
      rows.push(cells.filter(kept).map(cellValue));
    }
  }
  return { header: names.filter(kept), rows };
}
