// The playbook library shipped with the app: JSON files beside this one (library/*.json), each a playbook definition
// in the published schema (shared/contractPlaybook.ts). Read when first asked for; a run of one installs it in the
// ledger as its first version (main/commands/playbooks), so the run keeps the definition it ran.
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(import.meta.dirname, 'library');

export interface LibraryFile {
  file: string;
  /** The parsed JSON, not yet checked: the command layer checks it as it checks an imported file. */
  json: unknown;
}

let cache: LibraryFile[] | null = null;

/** The library's files, sorted by name. */
export function libraryFiles(): LibraryFile[] {
  cache ??= fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `library/${f}`, json: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as unknown }));
  return cache;
}
