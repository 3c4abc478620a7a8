// A CSV the console saves, read back as cells: for the specs that check a file holds what its table shows.
import fs from 'node:fs';
import type { Page } from '@playwright/test';

/** RFC 4180 lines (quoted commas, doubled quotes) into cells; the writer's leading ' on a formula-like cell dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\r\n').filter((l) => l !== '')) {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted && ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) cells.push(cell), (cell = '');
      else cell += ch;
    }
    cells.push(cell);
    rows.push(cells.map((c) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c)));
  }
  return rows;
}

/** Presses the CSV button `testid` and reads the file it saves, as written. */
export async function savedText(page: Page, testid: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByTestId(testid).click();
  return fs.readFileSync((await (await download).path())!, 'utf8');
}

/** The same file as cells. */
export const saved = async (page: Page, testid: string): Promise<string[][]> => parseCsv(await savedText(page, testid));

/** A table as a person reads it: its column headings (a column with none holds buttons) and its rows' texts. */
export async function shown(page: Page, testid: string): Promise<{ head: string[]; rows: string[][] }> {
  return page.getByTestId(testid).evaluate((t) => {
    const text = (e: Element) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim();
    const heads = [...t.querySelectorAll('thead tr:last-child th')].map(text);
    const rows = [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].filter((_, i) => heads[i] !== '').map(text));
    return { head: heads.filter((h) => h !== ''), rows };
  });
}
