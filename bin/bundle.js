// Which program `riskdesk` runs (bin/riskdesk.js): the bundle scripts/build-cli.ts made (npm run build) while it is
// fresh, that is while every file it was made from still has the size and modification time its manifest records;
// otherwise null, and the sources run (a fresh clone has no bundle; an edited file makes the bundle stale at once).
import fs from 'node:fs';
import path from 'node:path';

/** The bundle to run, or null. RISKDESK_SOURCES=1 always runs the sources. */
export function freshBundle(root, dir = path.join(root, 'dist', 'cli'), env = process.env) {
  if (env.RISKDESK_SOURCES === '1') return null;
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(manifest?.files) || typeof manifest.bundle !== 'string' || manifest.files.length === 0) return null;
  for (const f of manifest.files) {
    const st = fs.statSync(path.join(root, String(f.file)), { throwIfNoEntry: false });
    if (!st || st.size !== f.size || st.mtimeMs !== f.mtimeMs) return null;
  }
  const bundle = path.join(dir, manifest.bundle);
  return fs.existsSync(bundle) ? bundle : null;
}
