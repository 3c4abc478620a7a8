// The project's source files under some folders, for tests that read the code itself (layers, lint exemptions).
import fs from 'node:fs';
import path from 'node:path';

/** Absolute paths of the files under `dirs` (relative to root) whose name `accept`s, skipping node_modules and dist. */
export function sourceFiles(root: string, dirs: readonly string[], accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(p);
      } else if (accept(e.name)) out.push(p);
    }
  };
  for (const d of dirs) walk(path.join(root, d));
  return out;
}
