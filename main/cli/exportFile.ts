// A report written to a new file by its extension (--export FILE.ext): never over an existing file, .pdf printed
// from the report's page by Chromium (printPdf.ts).
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../shared/errors.ts';
import { printPdf } from './printPdf.ts';

/** `forms` maps an extension (".json", ".html", ".csv") to the file's text; ".pdf" prints the ".html" form. */
export function exportFile(to: string, forms: Record<string, () => string>): void {
  const ext = path.extname(to).toLowerCase();
  const known = [...Object.keys(forms), ...(forms['.html'] ? ['.pdf'] : [])];
  if (!known.includes(ext)) throw new InputError(`--export ${to}: a report is exported as ${known.join(', ')}`, { field: 'export' });
  if (fs.existsSync(to)) throw new InputError(`${to} already exists: export never overwrites a file`, { field: 'export' });
  if (ext === '.pdf') printPdf(forms['.html']!(), to);
  else fs.writeFileSync(to, forms[ext]!(), { flag: 'wx' });
}
